// broadcast-expands (warning): both operands of an element-wise op get stretched, as in
// `[1,H] ⊙ [H,1] → [H,H]`; in gradient code almost always a missing transpose. The fix transposes
// the operand that expands, offered only where that leaves no expansion (checked on verification).

import { transposeCandidates } from "./edits";
import { templateOp } from "./template-ops";
import type { Handler } from "./types";

export const broadcastExpands: Handler<"broadcast-expands"> = {
  code: "broadcast-expands",
  diagnose(site, ctx) {
    if (site.kind === "template") return templateOp("broadcast-expands", site, ctx);
    return { message: site.problem.message, start: site.start, end: site.end, related: [], candidates: transposeCandidates(site, ctx) };
  },
};
