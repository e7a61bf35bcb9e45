// The one registry of diagnostic codes: stable kebab-case ids, default severity, a one-line
// summary and the longer explanation docs/diagnostics.md is generated from.

export type Severity = "error" | "warning" | "information" | "hint";

export interface DiagnosticKind {
  readonly code: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly explanation: string;
}

export const DIAGNOSTICS = {
  "matmul-mismatch": {
    code: "matmul-mismatch",
    severity: "error",
    summary: "matmul inner dims differ, or an operand is not rank 2",
    explanation:
      "`a @ b` needs `[m,k] @ [k,n]`. When the right operand has the shape of the left, it is usually the " +
      "derivative of an element-wise function: that function's Jacobian is diagonal, and a row vector times a " +
      "diagonal matrix is the element-wise product, g · diag(s′) = g ⊙ s′. Fixes: use ⊙ (`mul`), transpose an operand, swap operands.",
  },
  "elementwise-mismatch": {
    code: "elementwise-mismatch",
    severity: "error",
    summary: "element-wise operands cannot broadcast",
    explanation:
      "Element-wise ops broadcast as NumPy does: shapes aligned from the right, dims compatible when equal or when one is 1. " +
      "Fixes: use matmul, transpose an operand.",
  },
  "broadcast-expands": {
    code: "broadcast-expands",
    severity: "warning",
    summary: "an element-wise op broadcasts both operands, each along an axis the other has",
    explanation:
      "`[1,H] ⊙ [H,1]` silently becomes `[H,H]`: an outer product where an element-wise one was meant. " +
      "In gradient code this is almost always a missing transpose. Fix: transpose the operand that expands.",
  },
  "rank-mismatch": {
    code: "rank-mismatch",
    severity: "error",
    summary: "an op other than matmul or element-wise is given the wrong rank",
    explanation: "transpose needs rank 2; diag and outer need row or column vectors; an axis must be within the rank.",
  },
  "annotation-mismatch": {
    code: "annotation-mismatch",
    severity: "error",
    summary: "an annotated variable or return type disagrees with the inferred shape",
    explanation: "The declared `Tensor<[…]>` and the shape inferred from the expression differ. Fix: change the annotation to the inferred shape.",
  },
  "gradient-shape-mismatch": {
    code: "gradient-shape-mismatch",
    severity: "error",
    summary: "a @gradient function returns a shape other than its parameter's",
    explanation: "∂F/∂P has the shape of P. A gradient with respect to `x: [1,D]` must return `[1,D]`.",
  },
  "gradient-of-nonscalar": {
    code: "gradient-of-nonscalar",
    severity: "error",
    summary: "@gradient F … where F does not return a scalar",
    explanation: "A gradient ∂F/∂P is defined here for scalar F only (a loss). Reduce F with `sum`, `mean` or a loss.",
  },
  "gradient-unresolved": {
    code: "gradient-unresolved",
    severity: "error",
    summary: "@gradient F P names no function F, or F has no parameter P",
    explanation: "F must be a function declaration or `const F = (…) => …` in the same file, or imported; P one of its parameters.",
  },
  "template-syntax": {
    code: "template-syntax",
    severity: "error",
    summary: "a t`…` template does not parse",
    explanation: "The math template accepts operands `${…}` and numbers, `ᵀ`, `@ ⊙ * / + -`, parentheses and calls of the unary ops. There is no implicit multiplication: write @ or ⊙ between operands.",
  },
} as const satisfies Record<string, DiagnosticKind>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;

export const DIAGNOSTIC_CODES = Object.keys(DIAGNOSTICS) as DiagnosticCode[];

/** Anchor in docs/diagnostics.md, for LSP's codeDescription.href. */
export function docsAnchor(code: DiagnosticCode): string {
  return `docs/diagnostics.md#${code}`;
}
