// matmul-mismatch: `[m,k] @ [k',n]` with k ≠ k', or an operand not of rank 2. When the right
// operand has the left's shape it is almost surely the derivative of an element-wise function,
// whose Jacobian is diagonal: the seed's confusion, so the message explains it.

import type { OpSite } from "../../analysis/sites";
import { shapeEquals } from "../../shape/shape";
import { originsRelated } from "./common";
import { renameOpCandidate, swapOperandsCandidate, transposeCandidates } from "./edits";
import type { DiagnosticDraft, FixCandidate, HandlerContext } from "./types";

export const DIAGONAL_JACOBIAN_NOTE =
  "the right operand has the shape of the left, as the derivative of an element-wise function does: " +
  "an element-wise function's Jacobian is diagonal, so the product with it is element-wise (⊙): g · diag(s′) = g ⊙ s′";

export function matmulMismatch(site: OpSite, ctx: HandlerContext): DiagnosticDraft {
  const [a, b] = site.shapes;
  let message = site.problem.message;
  if (a && b && a.length === 2 && shapeEquals(a, b)) message += `; ${DIAGONAL_JACOBIAN_NOTE}`;
  const candidates: FixCandidate[] = [];
  const toMul = renameOpCandidate(site, "mul", "Use ⊙ (element-wise mul)", ctx);
  if (toMul) candidates.push(toMul);
  candidates.push(...transposeCandidates(site, ctx));
  const swap = swapOperandsCandidate(site, ctx);
  if (swap) candidates.push(swap);
  return { code: "matmul-mismatch", severity: "error", message, start: site.start, end: site.end, related: originsRelated(site), candidates };
}
