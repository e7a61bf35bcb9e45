// Shape problems inside a t`…` template (matmul-mismatch, elementwise-mismatch, broadcast-expands,
// rank-mismatch): the template module words them; the fixes here edit the template in the file's
// own style — `@`→`⊙` (or `*` when the file writes products that way), `⊙`/`*`→`@`, and a postfix
// `ᵀ` (or `.T`) on an operand, parenthesised unless the operand is atomic.

import type { TemplateSite } from "../../analysis/sites";
import { DIAGNOSTICS } from "../registry";
import { DIAGONAL_JACOBIAN_NOTE } from "./matmul-mismatch";
import { shapeEquals } from "../../shape/shape";
import type { DiagnosticDraft, FixCandidate, HandlerContext } from "./types";

function transposes(site: TemplateSite, ctx: HandlerContext): FixCandidate[] {
  const text = ctx.sf.text;
  const T = text.includes("ᵀ") || !/\.T\b/.test(text) ? "ᵀ" : ".T";
  const names = ["left", "right"];
  return (site.operands ?? []).flatMap((o, i): FixCandidate[] => {
    if (i > 1 || (o.shape && o.shape.length !== 2)) return [];
    const edits = o.atomic
      ? [{ start: o.end, end: o.end, newText: T }]
      : [{ start: o.start, end: o.start, newText: "(" }, { start: o.end, end: o.end, newText: `)${T}` }];
    return [{ title: `Transpose the ${names[i]} operand (${T})`, family: "transpose", edits }];
  });
}

export function templateOp(site: TemplateSite, ctx: HandlerContext): DiagnosticDraft {
  const candidates: FixCandidate[] = [];
  const op = site.opStart !== undefined && site.opEnd !== undefined ? { start: site.opStart, end: site.opEnd } : undefined;
  let message = site.message;
  if (site.code === "matmul-mismatch") {
    const [a, b] = (site.operands ?? []).map((o) => o.shape);
    if (a && b && a.length === 2 && shapeEquals(a, b)) message += `; ${DIAGONAL_JACOBIAN_NOTE}`;
    if (op && site.token === "@") {
      const star = !ctx.sf.text.includes("⊙") && /`[^`]*\s\*\s[^`]*`/.test(ctx.sf.text);
      const sym = star ? "*" : "⊙";
      candidates.push({ title: `Use ${sym} (element-wise product)`, family: "swap-op", edits: [{ ...op, newText: sym }] });
    }
  }
  if (site.code === "elementwise-mismatch" && op && (site.token === "⊙" || site.token === "*")) {
    candidates.push({ title: "Use @ (matrix product)", family: "swap-op", edits: [{ ...op, newText: "@" }] });
  }
  if (site.code !== "rank-mismatch") candidates.push(...transposes(site, ctx));
  return { code: site.code, severity: DIAGNOSTICS[site.code].severity, message, start: site.start, end: site.end, related: [], candidates };
}
