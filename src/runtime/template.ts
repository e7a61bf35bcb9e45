// The `t` math template tag at run time: parses each template once (cached by its strings array,
// which JavaScript keeps identical per call site) and evaluates it over the runtime's tensors, so
// broadcasting, shape errors and tape recording are exactly those of the method API.

import { evaluateTemplate } from "../template/evaluate";
import { parseTemplate } from "../template/parser";
import { caretExcerpt, formatTemplateError } from "../template/print";
import type { ParsedTemplate, TemplateSyntaxError } from "../template/ast";
import { type Operand, Tensor, tensorAlgebra } from "./tensor";

/** Thrown by `t` for a template that does not parse; `code` matches the analyzer's diagnostic. */
export class TemplateError extends Error {
  readonly code = "template-syntax";
  readonly errors: readonly TemplateSyntaxError[];
  constructor(message: string, errors: readonly TemplateSyntaxError[]) {
    super(message);
    this.name = "TemplateError";
    this.errors = errors;
  }
}

interface CacheEntry {
  readonly parsed: ParsedTemplate;
  /** The error message, formatted once, for a template that does not parse. */
  readonly error?: string;
}

// Keyed by the strings array: the same call site hands the same frozen array on every call, so a
// template in a training loop is parsed once; a WeakMap lets templates of dropped code go.
const cache = new WeakMap<readonly string[], CacheEntry>();

function entryFor(strings: TemplateStringsArray): CacheEntry {
  let entry = cache.get(strings);
  if (entry) return entry;
  // Raw parts: offsets then match the source text, and a stray backslash is reported, not cooked.
  const parts = strings.raw ?? strings;
  const parsed = parseTemplate(parts);
  const first = parsed.errors[0];
  if (first) {
    const more = parsed.errors.length > 1 ? `\n  (${parsed.errors.length - 1} more error${parsed.errors.length > 2 ? "s" : ""} after this one)` : "";
    entry = { parsed, error: `chainrule: t\`…\` does not parse: ${formatTemplateError(parts, first)}${more}` };
  } else {
    entry = { parsed };
  }
  cache.set(strings, entry);
  return entry;
}

/** The cached parse of a template's strings array (exposed for tests and tools). */
export function parsedTemplate(strings: TemplateStringsArray): ParsedTemplate {
  return entryFor(strings).parsed;
}

/**
 * `` t`(${yhat} - ${y}) @ ${W2}ᵀ` ``: the DSL's operations written as math. Interpolations are
 * tensors or numbers (scalars `[]`); number literals are scalars. Throws a TemplateError for a
 * template that does not parse and a ShapeError where operands do not fit, as the method API does.
 */
export function t(strings: TemplateStringsArray, ...values: Operand[]): Tensor {
  const entry = entryFor(strings);
  if (entry.error !== undefined || entry.parsed.root === null) {
    throw new TemplateError(entry.error ?? "chainrule: empty t`…` template", entry.parsed.errors);
  }
  values.forEach((v, i) => {
    if (!(v instanceof Tensor) && typeof v !== "number") {
      const parts = strings.raw ?? strings;
      const span = { start: { part: i, offset: parts[i]!.length }, end: { part: i + 1, offset: 0 } };
      const what = Array.isArray(v) ? "an array (wrap it with tensor(…))" : v === null ? "null" : typeof v;
      throw new TypeError(`chainrule: t\`…\` interpolation ${i + 1} is ${what}, not a Tensor or a number\n${caretExcerpt(parts, span)}`);
    }
  });
  const result = evaluateTemplate<Tensor>(entry.parsed.root, values, tensorAlgebra);
  return result;
}
