// broadcast-expands (warning): both operands of an element-wise op get stretched, as in
// `[1,H] ⊙ [H,1] → [H,H]`; in gradient code almost always a missing transpose. The fix transposes
// the operand that expands, offered only where that leaves no expansion (checked on verification).

import type { OpSite } from "../../analysis/sites";
import { transposeCandidates } from "./edits";
import type { DiagnosticDraft, HandlerContext } from "./types";

export function broadcastExpands(site: OpSite, ctx: HandlerContext): DiagnosticDraft {
  return {
    code: "broadcast-expands", severity: "warning", message: site.problem.message,
    start: site.start, end: site.end, related: [], candidates: transposeCandidates(site, ctx),
  };
}
