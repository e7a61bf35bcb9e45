// matmul-mismatch: `[m,k] @ [k',n]` with k ≠ k', or an operand not of rank 2. When the right
// operand has the left's shape and comes from an element-wise op, it is the derivative of an
// element-wise function, whose Jacobian is diagonal: the seed's confusion, so the message explains
// it and ⊙ ranks first. Otherwise (attention's `Q @ K` with both [T,d]) a transpose is the advice.

import type { Shape } from "../../shape/shape";
import type { OpSite } from "../sites";
import { broadcastsOperand, originsRelated } from "./common";
import { DIAGONAL_JACOBIAN_NOTE, diagonalCase, symbolicVsNumber } from "../../text/shape-phrases";
import { renameOpCandidate, swapOperandsCandidate, transposeCandidates } from "./edits";
import { templateOp } from "./template-ops";
import type { FixCandidate, Handler, HandlerContext, Worded } from "./types";

export const matmulMismatch: Handler<"matmul-mismatch"> = {
  code: "matmul-mismatch",
  diagnose: (site, ctx) => (site.kind === "template" ? templateOp("matmul-mismatch", site, ctx) : opForm(site, ctx)),
};

function opForm(site: OpSite, ctx: HandlerContext): Worded {
  const [a, b] = site.shapes;
  const diagonal = diagonalCase(a, b, site.operandOps[1]);
  let message = site.problem.message;
  if (diagonal) message += `; ${DIAGONAL_JACOBIAN_NOTE}`;
  else message += symbolicVsNumber(site.problem.dims?.[0], site.problem.dims?.[1]);
  const candidates: FixCandidate[] = [];
  // ⊙ first where the diagonal Jacobian says so, where the operands have one shape so that ⊙
  // stretches neither, or for a per-feature scale (CLI.md: among fixes after which the function
  // checks, "⊙↔matmul before transposes"; a ⊙ that broadcasts is the one that must not win);
  // else a transpose, then swapping, then ⊙. Which fixes leave the function clean is decided later
  // (analysis/fixes.ts): attention's `Q.matmul(K)` still gets `K.T` when `softmax(scores).matmul(V)` follows.
  const toMul = renameOpCandidate(site, "mul", "Use ⊙ (element-wise mul)", ctx);
  const mulFirst = diagonal || !broadcastsOperand(a, b) || scaleRow(a, b);
  if (toMul) candidates.push({ ...toMul, priority: mulFirst ? 0 : 2 });
  candidates.push(...transposeCandidates(site, ctx).map((c) => ({ ...c, priority: (mulFirst ? 1 : 0) + (c.priority ?? 0) })));
  const swap = swapOperandsCandidate(site, ctx);
  if (swap) candidates.push({ ...swap, priority: mulFirst ? 2 : 1 });
  return { message, start: site.start, end: site.end, related: originsRelated(site), candidates };
}

/**
 * `[m,n] @ [1,n]` with m ≠ 1: the right operand is a row over the left's features, which ⊙ scales
 * each row by (layer norm's `dy.matmul(gamma)` for `dy.mul(gamma)`). When both ⊙ and `.T` leave
 * the function clean (fixes.ts ranks by broadcasts first, so this only breaks that tie), CLI.md's
 * order holds: "among several such, ⊙↔matmul before transposes"; `dy @ gammaᵀ` would quietly turn
 * the gradient into a column `[m,1]`.
 */
function scaleRow(a: Shape | null | undefined, b: Shape | null | undefined): boolean {
  return !!a && !!b && a.length === 2 && b.length === 2 && b[0] === 1 && a[0] !== 1 && a[0] !== null && a[1] !== null && a[1] === b[1];
}
