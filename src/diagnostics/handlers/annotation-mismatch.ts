// annotation-mismatch: an annotated variable, a declared return type, or an annotated parameter
// given an argument, disagrees with the inferred shape. The fix rewrites the annotation to the
// inferred shape; for arguments none is offered (the callee's contract is not the caller's to change).

import type { AnnotationSite } from "../../analysis/sites";
import { formatShape } from "../../shape/shape";
import { tensorTypeText } from "./edits";
import type { DiagnosticDraft, FixCandidate, HandlerContext } from "./types";

export function annotationMessage(site: AnnotationSite): string {
  const d = formatShape(site.declared);
  const i = formatShape(site.inferred);
  switch (site.role) {
    case "return":
      return `${site.what} is declared to return ${d} but returns ${i}`;
    case "argument":
      return `argument ${site.what}() is annotated ${d} but given ${i}`;
    default:
      return `${site.what} is annotated ${d} but its value is ${i}`;
  }
}

export function annotationMismatch(site: AnnotationSite, ctx: HandlerContext): DiagnosticDraft {
  const candidates: FixCandidate[] = [];
  if (site.typeNode && site.inferred) {
    const text = tensorTypeText(site.inferred, ctx);
    if (text) {
      candidates.push({
        title: `Change the annotation to ${formatShape(site.inferred)}`,
        family: "annotation",
        edits: [{ start: site.typeNode.getStart(ctx.sf), end: site.typeNode.end, newText: text }],
      });
    }
  }
  const related = site.typeNode
    ? [{ start: site.typeNode.getStart(ctx.sf), end: site.typeNode.end, message: `annotated ${formatShape(site.declared)} here` }]
    : [];
  return { code: "annotation-mismatch", severity: "error", message: annotationMessage(site), start: site.start, end: site.end, related, candidates };
}
