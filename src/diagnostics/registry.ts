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
      "diagonal matrix is the element-wise product, g · diag(s′) = g ⊙ s′. Fixes: use ⊙ (`mul`), transpose an operand, swap operands (when both are matrices: a number cannot be the receiver).",
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
  "shape-mismatch": {
    code: "shape-mismatch",
    severity: "error",
    summary: "an op's operands do not fit: reshape element counts, concat dims, where's broadcasting, slice bounds",
    explanation:
      "Ops other than matmul and the element-wise ones have their own rules: `reshape` keeps the number of elements " +
      "(dims compared as products, so `[B,T,D]` → `[B*T,H]` is refused unless D and H are the same dim); `concat` needs " +
      "equal dims except along its axis, where they add up (`[1,H]`, `[1,K]` → `[1,H+K]`); `where(mask, a, b)` broadcasts " +
      "all three; `slice(a, axis, start, end)` needs 0 ≤ start ≤ end ≤ the axis's size. The message names the shapes and " +
      "the dims that clash. Fix: when a concat's operands differ only along another axis, concatenate along that axis.",
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
  "loop-shape-changes": {
    code: "loop-shape-changes",
    severity: "warning",
    summary: "one pass of a loop body changes the shape of a variable carried around the loop",
    explanation:
      "A variable assigned in a loop and read by the next pass (an RNN's `h`) must leave each pass with the shape it entered with: " +
      "`h` entering as `[1,H]` and leaving as `[H,H]` means the second pass computes something else (usually a `⊙` that broadcast a row into a matrix, or a missing transpose). " +
      "After such a loop the variable's shape is unknown.",
  },
  "syntax-error": {
    code: "syntax-error",
    severity: "error",
    summary: "`chainrule check` only: the file does not parse",
    explanation: "The message gives TypeScript's first parse error. The rest of the file is still analysed. Editors show TypeScript's own syntax errors, so the language server does not repeat it.",
  },
  "analysis-limit": {
    code: "analysis-limit",
    severity: "warning",
    summary: "code nested too deeply to analyse (or a file too large); the analyzer says where it stopped",
    explanation:
      "Thousands of nested parentheses or calls, a method chain thousands long, or type aliases dozens deep: the analyzer stops at that point " +
      "and reports it here instead of losing the rest of its results. Shapes after that point in the same function are unknown.",
  },
  "file-unreadable": {
    code: "file-unreadable",
    severity: "error",
    summary: "a file could not be read, so it was not analysed (unreadable, not a regular file, or too large)",
    explanation:
      "`check` and `verify` report such a file with the reason (permission denied, a FIFO or a device named `.ts`, a " +
      "dangling symbolic link, more than 16 MiB) and go on with the others. The run exits 1: a file that was not " +
      "analysed is not known to be clean.",
  },
} as const satisfies Record<string, DiagnosticKind>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;

export const DIAGNOSTIC_CODES = Object.keys(DIAGNOSTICS) as DiagnosticCode[];

/** Anchor in docs/diagnostics.md, for LSP's codeDescription.href. */
export function docsAnchor(code: DiagnosticCode): string {
  return `docs/diagnostics.md#${code}`;
}
