// Dispatch from an inference site to the handler of its diagnostic code. One handler per code,
// one file per handler (gradient-* handlers are called from the pairing check instead).

import type { Site } from "../../analysis/sites";
import { annotationMismatch } from "./annotation-mismatch";
import { broadcastExpands } from "./broadcast-expands";
import { elementwiseMismatch } from "./elementwise-mismatch";
import { matmulMismatch } from "./matmul-mismatch";
import { rankMismatch } from "./rank-mismatch";
import { templateOp } from "./template-ops";
import { templateSyntax } from "./template-syntax";
import type { DiagnosticDraft, HandlerContext } from "./types";

export function diagnose(site: Site, ctx: HandlerContext): DiagnosticDraft {
  if (site.kind === "annotation") return annotationMismatch(site, ctx);
  if (site.kind === "template") return site.code === "template-syntax" ? templateSyntax(site) : templateOp(site, ctx);
  switch (site.problem.code) {
    case "matmul-mismatch":
      return matmulMismatch(site, ctx);
    case "elementwise-mismatch":
      return elementwiseMismatch(site, ctx);
    case "broadcast-expands":
      return broadcastExpands(site, ctx);
    default:
      return rankMismatch(site);
  }
}

export { DIAGONAL_JACOBIAN_NOTE } from "./matmul-mismatch";
