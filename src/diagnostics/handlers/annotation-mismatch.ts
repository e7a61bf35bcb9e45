// annotation-mismatch: an annotated variable, a declared return type, or an annotated parameter
// given an argument, disagrees with the inferred shape. The fix rewrites the annotation to the
// inferred shape; for arguments none is offered (the callee's contract is not the caller's to change).

import type { AnnotationSite } from "../sites";
import { formatDim, formatShape } from "../../shape/shape";
import { firstClash } from "./common";
import { symbolicVsNumber } from "../../text/shape-phrases";
import { tensorTypeText } from "./edits";
import type { FixCandidate, Handler } from "./types";

export function annotationMessage(site: AnnotationSite): string {
  const d = formatShape(site.declared);
  const i = formatShape(site.inferred);
  const clash = firstClash(site.declared, site.inferred);
  const hint = clash ? symbolicVsNumber(clash[0], clash[1]) : "";
  switch (site.role) {
    case "return":
      return `${site.what} is declared to return ${d} but returns ${i}${hint}`;
    case "argument": {
      // A generic parameter: name the annotation as written and what this call bound, not a
      // substituted shape the user never wrote.
      const bound = site.bindings?.filter(([, v]) => v !== null).map(([n, v]) => `${n} = ${formatDim(v)}`) ?? [];
      const written = site.written && bound.length ? `${formatShape(site.written)} (${bound.join(", ")} from the other arguments)` : d;
      return `argument ${site.what}() is annotated ${written} but given ${i}${hint}`;
    }
    default:
      return `${site.what} is annotated ${d} but its value is ${i}${hint}`;
  }
}

export const annotationMismatch: Handler<"annotation-mismatch"> = {
  code: "annotation-mismatch",
  diagnose(site, ctx) {
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
    return { message: annotationMessage(site), start: site.start, end: site.end, related, candidates };
  },
};
