// The handlers, one per diagnostic code, and the dispatch from a site to its code's handler. The
// set is checked exhaustive at compile time: adding a code to the registry without its handler
// does not compile. Severity comes from the registry, never from a handler.

import type { AnySite } from "../sites";
import { DIAGNOSTICS, type DiagnosticCode } from "../registry";
import { analysisLimit } from "./analysis-limit";
import { annotationMismatch } from "./annotation-mismatch";
import { broadcastExpands } from "./broadcast-expands";
import { elementwiseMismatch } from "./elementwise-mismatch";
import { fileUnreadable } from "./file-unreadable";
import { gradientOfNonscalar } from "./gradient-of-nonscalar";
import { gradientShapeMismatch } from "./gradient-shape-mismatch";
import { gradientUnresolved } from "./gradient-unresolved";
import { inCallee } from "./in-callee";
import { loopShapeChanges } from "./loop-shape-changes";
import { matmulMismatch } from "./matmul-mismatch";
import { rankMismatch } from "./rank-mismatch";
import { shapeMismatch } from "./shape-mismatch";
import { syntaxError } from "./syntax-error";
import { templateSyntax } from "./template-syntax";
import type { DiagnosticDraft, Handler, HandlerContext, SiteOf } from "./types";

export const HANDLERS = {
  "matmul-mismatch": matmulMismatch,
  "elementwise-mismatch": elementwiseMismatch,
  "broadcast-expands": broadcastExpands,
  "rank-mismatch": rankMismatch,
  "shape-mismatch": shapeMismatch,
  "annotation-mismatch": annotationMismatch,
  "template-syntax": templateSyntax,
  "loop-shape-changes": loopShapeChanges,
  "analysis-limit": analysisLimit,
  "gradient-unresolved": gradientUnresolved,
  "gradient-of-nonscalar": gradientOfNonscalar,
  "gradient-shape-mismatch": gradientShapeMismatch,
  "syntax-error": syntaxError,
  "file-unreadable": fileUnreadable,
} as const satisfies { readonly [C in DiagnosticCode]: Handler<C> };

/** The code of a site (a call site's is its inner problem's). */
export function siteCode(site: Exclude<AnySite, { kind: "call" }>): DiagnosticCode {
  switch (site.kind) {
    case "op":
      return site.problem.code;
    case "template":
      return site.code;
    case "annotation":
      return "annotation-mismatch";
    case "loop":
      return "loop-shape-changes";
    case "limit":
      return "analysis-limit";
    case "syntax":
      return "syntax-error";
    case "unreadable":
      return "file-unreadable";
    default:
      return site.kind;
  }
}

export function diagnose(site: AnySite, ctx: HandlerContext): DiagnosticDraft {
  if (site.kind === "call") return inCallee(site);
  const code = siteCode(site);
  const handler = HANDLERS[code] as Handler<DiagnosticCode>;
  return { code, severity: DIAGNOSTICS[code].severity, ...handler.diagnose(site as SiteOf[DiagnosticCode], ctx) };
}
