// elementwise-mismatch: operands of an element-wise op (or crossEntropy) that cannot broadcast.
// Fixes: a matrix product where ⊙ was written, or a transposed operand.

import { originsRelated } from "./common";
import { symbolicVsNumber } from "../../text/shape-phrases";
import { renameOpCandidate, transposeCandidates } from "./edits";
import { templateOp } from "./template-ops";
import type { FixCandidate, Handler } from "./types";

export const elementwiseMismatch: Handler<"elementwise-mismatch"> = {
  code: "elementwise-mismatch",
  diagnose(site, ctx) {
    if (site.kind === "template") return templateOp("elementwise-mismatch", site, ctx);
    const candidates: FixCandidate[] = [];
    // Only a product can sensibly become a matrix product; `add`→`matmul` would be a different formula.
    if (site.op === "mul") {
      const toMatmul = renameOpCandidate(site, "matmul", "Use matmul (matrix product)", ctx);
      if (toMatmul) candidates.push(toMatmul);
    }
    candidates.push(...transposeCandidates(site, ctx));
    return {
      message: site.problem.message + symbolicVsNumber(site.problem.dims?.[0], site.problem.dims?.[1]),
      start: site.start, end: site.end, related: originsRelated(site), candidates,
    };
  },
};
