// Shape problems inside a t`…` template (matmul-mismatch, elementwise-mismatch, broadcast-expands,
// rank-mismatch): the template module words them; the fixes here edit the template in the file's
// own style — `@`→`⊙` (or `*` when the file writes products that way), `⊙`/`*`→`@`, and a postfix
// `ᵀ` (or `.T`) on an operand, parenthesised unless the operand is atomic.

import type { TemplateSite } from "../sites";
import type { DiagnosticCode } from "../registry";
import { ts } from "ts-morph";
import { broadcastsOperand } from "./common";
import { operandLabel, untransposedLabel } from "./edits";
import { DIAGONAL_JACOBIAN_NOTE, diagonalCase } from "../../text/shape-phrases";
import type { FixCandidate, HandlerContext, Worded } from "./types";

/**
 * How the file's templates write an element-wise product (`⊙` or `*`) and a transpose (`ᵀ` or
 * `.T`), read from the literal text of its tagged templates only: a `⊙` in a comment says nothing.
 */
export function templateStyle(sf: ts.SourceFile): { product: "⊙" | "*"; transpose: "ᵀ" | ".T" } {
  let math = "";
  const visit = (n: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(n)) {
      const t = n.template;
      if (ts.isNoSubstitutionTemplateLiteral(t)) math += t.text + "\n";
      else math += [t.head.text, ...t.templateSpans.map((s) => s.literal.text)].join(" ") + "\n";
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  const product = !math.includes("⊙") && /\s\*\s/.test(math) ? "*" : "⊙";
  const transpose = math.includes("ᵀ") || !/\.T\b/.test(math) ? "ᵀ" : ".T";
  return { product, transpose };
}

function transposes(site: TemplateSite, ctx: HandlerContext): FixCandidate[] {
  const T = templateStyle(ctx.sf).transpose;
  const names = ["left", "right"];
  return (site.operands ?? []).flatMap((o, i): FixCandidate[] => {
    if (i > 1 || (o.shape && o.shape.length !== 2)) return [];
    // Named as the math reads, `W2ᵀ` or `(ŷ − y)ᵀ`: the operand's text without its `${…}` wrappers.
    const text = ctx.sf.text.slice(o.start, o.end).replace(/\$\{\s*([^}]*?)\s*\}/g, "$1");
    // An operand that is a transpose already (`${W2}ᵀ`) loses its ᵀ rather than gaining a second.
    if (o.transposeToken) {
      return [{ title: `Remove the transpose of the ${names[i]} operand (${untransposedLabel(text)})`, family: "transpose", edits: [{ ...o.transposeToken, newText: "" }] }];
    }
    const edits = o.atomic
      ? [{ start: o.end, end: o.end, newText: T }]
      : [{ start: o.start, end: o.start, newText: "(" }, { start: o.end, end: o.end, newText: `)${T}` }];
    return [{ title: `Transpose the ${names[i]} operand (${operandLabel(text, o.atomic)}${T})`, family: "transpose", edits }];
  });
}

/** A shape problem at a template operator, for the handler of its code. */
export function templateOp(code: DiagnosticCode, site: TemplateSite, ctx: HandlerContext): Worded {
  const candidates: FixCandidate[] = [];
  const op = site.opStart !== undefined && site.opEnd !== undefined ? { start: site.opStart, end: site.opEnd } : undefined;
  let message = site.message;
  if (code === "matmul-mismatch") {
    const [a, b] = (site.operands ?? []).map((o) => o.shape);
    const diagonal = diagonalCase(a ?? null, b ?? null, site.operands?.[1]?.op);
    if (diagonal) message += `; ${DIAGONAL_JACOBIAN_NOTE}`;
    if (op && site.token === "@") {
      const sym = templateStyle(ctx.sf).product;
      candidates.push({ title: `Use ${sym} (element-wise product)`, family: "swap-op", edits: [{ ...op, newText: sym }], priority: diagonal || !broadcastsOperand(a, b) ? 0 : 2 });
    }
  }
  if (code === "elementwise-mismatch" && op && (site.token === "⊙" || site.token === "*")) {
    candidates.push({ title: "Use @ (matrix product)", family: "swap-op", edits: [{ ...op, newText: "@" }] });
  }
  if (code !== "rank-mismatch") candidates.push(...transposes(site, ctx));
  return { message, start: site.start, end: site.end, related: [], candidates };
}
