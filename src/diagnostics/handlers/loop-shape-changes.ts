// loop-shape-changes (warning): one pass of a loop body gives a variable carried around the loop
// another shape than it entered with (`h` enters [1,H], leaves [H,H]): the second pass would see a
// different computation. No fix: which of the body's ops is wrong is not knowable here.

import { formatShape } from "../../shape/shape";
import type { Handler } from "./types";

export const loopShapeChanges: Handler<"loop-shape-changes"> = {
  code: "loop-shape-changes",
  diagnose: (site) => ({
    message: `${site.name} enters the loop as ${formatShape(site.before)} but one pass of the body leaves it ${formatShape(site.after)}: ` +
      `a variable carried around a loop must keep its shape (its shape after the loop is unknown)`,
    start: site.start, end: site.end, related: [], candidates: [],
  }),
};
