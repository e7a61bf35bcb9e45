// shape-mismatch: the operands of reshape, concat, where or slice do not fit (element counts,
// dims off the concat axis, broadcasting, bounds). The op's shape rule words it, naming the shapes
// and the clashing dims. One fix: a concat whose operands differ along one other axis only, and
// agree along the axis it was given, is offered that axis (verified before it is shown).

import type { OpSite } from "../sites";
import { getOp } from "../../ops/catalog";
import { attrArgIndex } from "../../ops/surface";
import { originsRelated } from "./common";
import { templateOp } from "./template-ops";
import type { FixCandidate, Handler, HandlerContext } from "./types";

function concatAxisCandidate(site: OpSite, ctx: HandlerContext): FixCandidate | undefined {
  const axis = site.problem.axis;
  const op = getOp(site.op);
  if (site.op !== "concat" || axis === undefined || !op || (site.form !== "method" && site.form !== "function")) return undefined;
  const title = `Concatenate along axis ${axis}`;
  const given = site.attrNodes?.axis;
  if (given) return { title, family: "swap-op", edits: [{ start: given.getStart(ctx.sf), end: given.end, newText: String(axis) }] };
  // No axis written: it goes right after the list, the only argument before it.
  const args = (site.node as { arguments?: readonly { end: number }[] }).arguments ?? [];
  const before = args[(attrArgIndex(op, "axis", site.form === "method") ?? 1) - 1];
  return before ? { title, family: "swap-op", edits: [{ start: before.end, end: before.end, newText: `, ${axis}` }] } : undefined;
}

export const shapeMismatch: Handler<"shape-mismatch"> = {
  code: "shape-mismatch",
  diagnose(site, ctx) {
    if (site.kind === "template") return templateOp("shape-mismatch", site, ctx);
    const fix = concatAxisCandidate(site, ctx);
    return { message: site.problem.message, start: site.start, end: site.end, related: originsRelated(site), candidates: fix ? [fix] : [] };
  },
};
