// rank-mismatch: transpose, diag, outer, softmax or a reduction axis given an operand of the
// wrong rank. No mechanical fix: the right reshaping depends on what was meant.

import { originsRelated } from "./common";
import { templateOp } from "./template-ops";
import type { Handler } from "./types";

export const rankMismatch: Handler<"rank-mismatch"> = {
  code: "rank-mismatch",
  diagnose(site, ctx) {
    if (site.kind === "template") return templateOp("rank-mismatch", site, ctx);
    return { message: site.problem.message, start: site.start, end: site.end, related: originsRelated(site), candidates: [] };
  },
};
