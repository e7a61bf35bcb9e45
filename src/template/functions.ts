// The function names a math template may call, read from the op catalog so that a new user op is
// callable in templates without touching the parser. `σ` is the one alias (of sigmoid).

import { USER_OPS } from "../ops/catalog";
import type { OpDef } from "../ops/types";
import { BINARY_TOKENS } from "./ast";

export interface TemplateFunction {
  /** Catalog op name. */
  readonly op: string;
  /** Number of tensor operands the call takes. */
  readonly arity: number;
  /** The op takes an optional axis outside templates (`sum(x, axis)`), for the wrong-arity hint. */
  readonly axis: boolean;
}

/**
 * Whether a template can call the op by name: its operands are tensors written one by one and
 * every attribute may be left out (a template has no syntax for an axis, a shape or a list).
 */
export function templateCallable(op: OpDef): boolean {
  return !op.surface.list && op.surface.attrs.every((a) => a.optional);
}

/** Aliases written in templates for catalog ops. */
const ALIASES: Readonly<Record<string, string>> = { "σ": "sigmoid" };

function build(): ReadonlyMap<string, TemplateFunction> {
  const out = new Map<string, TemplateFunction>();
  // Every user op whose attributes may all be left out is callable by its catalog name with its
  // tensor arity: unary (sigmoid(a)), reduce without an axis (sum(a)), binary (outer(a, b)),
  // where(m, a, b). Attributes are not operands, so `sum(a, axis)` stays a method-form feature,
  // and pow is written `a ^ p`.
  for (const op of USER_OPS) {
    if (!templateCallable(op)) continue;
    out.set(op.name, { op: op.name, arity: op.surface.operands.length, axis: op.surface.attrs.some((a) => a.name === "axis") });
  }
  for (const [alias, name] of Object.entries(ALIASES)) {
    const f = out.get(name);
    if (f) out.set(alias, f);
  }
  return out;
}

export const TEMPLATE_FUNCTIONS: ReadonlyMap<string, TemplateFunction> = build();

/** Operator forms the grammar gives ops (beyond calls by name), as docs/ops.md shows them. */
const OPERATOR_FORMS: Readonly<Record<string, readonly string[]>> = (() => {
  const forms: Record<string, string[]> = { neg: ["-a"], transpose: ["aᵀ", "a.T"], pow: ["a ^ p"] };
  for (const [token, op] of Object.entries(BINARY_TOKENS)) (forms[op] ??= []).push(`a ${token} b`);
  return forms;
})();

/** How a template writes `op`: its operators, then its call by name (and alias), e.g. `a ⊙ b`, `mul(a, b)`. */
export function templateForms(op: OpDef): string[] {
  const forms = [...(OPERATOR_FORMS[op.name] ?? [])];
  const f = TEMPLATE_FUNCTIONS.get(op.name);
  if (f) {
    const args = op.surface.operands.join(", ");
    for (const [alias, name] of Object.entries(ALIASES)) if (name === op.name) forms.push(`${alias}(${args})`);
    forms.push(`${op.name}(${args})`);
  }
  return forms;
}

/** All callable names, sorted, e.g. for messages, completions and the grammar test. */
export function templateFunctionNames(): string[] {
  return [...TEMPLATE_FUNCTIONS.keys()].sort();
}

/** A character templates use that keyboards lack, typed as a backslash word (`\odot` → ⊙). */
export interface TemplateSymbol {
  /** What follows the backslash. */
  readonly word: string;
  /** What replaces `\word`. */
  readonly text: string;
  /** One line for the completion list. */
  readonly detail: string;
}

/**
 * The backslash words the language server completes inside t`…` (LaTeX names, plus the words
 * snippets/chainrule.code-snippets already uses), so ⊙ is as quick to type as `*`.
 */
export const TEMPLATE_SYMBOLS: readonly TemplateSymbol[] = [
  { word: "odot", text: "⊙", detail: "⊙ element-wise (Hadamard) product, mul" },
  { word: "hadamard", text: "⊙", detail: "⊙ element-wise (Hadamard) product, mul" },
  { word: "T", text: "ᵀ", detail: "ᵀ postfix transpose" },
  { word: "transpose", text: "ᵀ", detail: "ᵀ postfix transpose" },
  { word: "sigma", text: "σ", detail: "σ sigmoid, called as σ(…)" },
];

/** The known name closest to `name` (case-insensitive, within a typo or two), for "did you mean". */
export function suggestFunction(name: string): string | undefined {
  let best: string | undefined;
  // One typo in a short name, two in a longer one: `foo` should not suggest `log`.
  let bestDist = name.length <= 4 ? 2 : 3;
  for (const known of TEMPLATE_FUNCTIONS.keys()) {
    const d = editDistance(name.toLowerCase(), known.toLowerCase());
    if (d < bestDist) {
      best = known;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
