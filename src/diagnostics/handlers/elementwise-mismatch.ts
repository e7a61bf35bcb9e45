// elementwise-mismatch: operands of an element-wise op (or crossEntropy) that cannot broadcast.
// Fixes: a matrix product where ⊙ was written, or a transposed operand.

import type { OpSite } from "../../analysis/sites";
import { originsRelated } from "./common";
import { renameOpCandidate, transposeCandidates } from "./edits";
import type { DiagnosticDraft, FixCandidate, HandlerContext } from "./types";

export function elementwiseMismatch(site: OpSite, ctx: HandlerContext): DiagnosticDraft {
  const candidates: FixCandidate[] = [];
  // Only a product can sensibly become a matrix product; `add`→`matmul` would be a different formula.
  if (site.op === "mul") {
    const toMatmul = renameOpCandidate(site, "matmul", "Use matmul (matrix product)", ctx);
    if (toMatmul) candidates.push(toMatmul);
  }
  candidates.push(...transposeCandidates(site, ctx));
  return {
    code: "elementwise-mismatch", severity: "error", message: site.problem.message,
    start: site.start, end: site.end, related: originsRelated(site), candidates,
  };
}
