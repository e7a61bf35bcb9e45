// Text from templates: a syntax error with a caret excerpt (what the runtime throws), and a
// template tree printed back as math with only the parentheses precedence needs (for fixes that
// rewrite a template, and for symbolic rendering).

import type { TemplateNode, TemplateSpan, TemplateSyntaxError } from "./ast";

/** The template as source, interpolations shown as `${…}`, with where each part starts in it. */
export function renderTemplateSource(parts: readonly string[], operandText: (index: number) => string = () => "${…}"): {
  text: string;
  partStarts: number[];
} {
  let text = "";
  const partStarts: number[] = [];
  parts.forEach((p, i) => {
    partStarts.push(text.length);
    text += p;
    if (i < parts.length - 1) text += operandText(i);
  });
  return { text, partStarts };
}

/** The template line where `span` starts, with a run of carets under the span (on that line). */
export function caretExcerpt(parts: readonly string[], span: TemplateSpan): string {
  const { text, partStarts } = renderTemplateSource(parts);
  // Positions past the last part (never produced by the parser) are clamped rather than thrown on.
  const flat = (p: TemplateSpan["start"]) => (partStarts[p.part] ?? text.length) + p.offset;
  const start = Math.min(flat(span.start), text.length);
  const end = Math.max(start, Math.min(flat(span.end), text.length));
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const nl = text.indexOf("\n", start);
  const lineEnd = nl === -1 ? text.length : nl;
  const prefix = lineStart === 0 ? "t`" : "";
  const suffix = lineEnd === text.length ? "`" : "";
  const line = prefix + text.slice(lineStart, lineEnd) + suffix;
  const col = prefix.length + start - lineStart;
  const width = Math.max(1, Math.min(end, lineEnd) - start);
  return `  ${line.replace(/\t/g, " ")}\n  ${" ".repeat(col)}${"^".repeat(width)}`;
}

export function formatTemplateError(parts: readonly string[], error: TemplateSyntaxError): string {
  return `${error.message}\n${caretExcerpt(parts, error.span)}`;
}

// Binding strength, loosest first; postfix ᵀ binds tighter than ^, which binds tighter than prefix
// -, as in NumPy's -a.T and Python's -a**2.
const ADDITIVE = 1;
const MULTIPLICATIVE = 2;
const PREFIX = 3;
const POWER = 4;
const POSTFIX = 5;
const ATOM = 6;

function precedence(node: TemplateNode): number {
  switch (node.kind) {
    case "binary":
      return node.token === "+" || node.token === "-" ? ADDITIVE : MULTIPLICATIVE;
    case "unary":
      return node.op === "neg" ? PREFIX : POSTFIX;
    case "power":
      return POWER;
    default:
      return ATOM;
  }
}

/**
 * Print a tree as template text. Paren nodes print their parentheses; other parentheses are
 * added only where precedence needs them. Error nodes print their children side by side.
 */
export function printTemplate(node: TemplateNode, operandText: (index: number) => string): string {
  const wrap = (child: TemplateNode, needsParens: boolean) => (needsParens ? `(${print(child)})` : print(child));
  const print = (n: TemplateNode): string => {
    switch (n.kind) {
      case "operand":
        return operandText(n.index);
      case "number":
        return n.text;
      case "paren":
        return `(${print(n.expr)})`;
      case "binary": {
        const p = precedence(n);
        // Left-associative: a right operand at the same level keeps its parentheses.
        return `${wrap(n.left, precedence(n.left) < p)} ${n.token} ${wrap(n.right, precedence(n.right) <= p)}`;
      }
      case "unary":
        return n.op === "neg"
          ? `-${wrap(n.operand, precedence(n.operand) < PREFIX)}`
          : `${wrap(n.operand, precedence(n.operand) < POSTFIX)}${n.token}`;
      case "power":
        return `${wrap(n.operand, precedence(n.operand) <= POWER)} ^ ${n.exponentText}`;
      case "call":
        return `${n.name}(${n.args.map(print).join(", ")})`;
      case "error":
        return n.children.map(print).join(" ");
    }
  };
  return print(node);
}
