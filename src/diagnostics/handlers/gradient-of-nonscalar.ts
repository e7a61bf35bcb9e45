// gradient-of-nonscalar: `@gradient F …` where F's return shape is known and not a scalar [].
// ∂F/∂P is only defined here for a scalar F (a loss).

import { formatShape, Shape } from "../../shape/shape";
import type { GradientDraft, RelatedSpot } from "./gradient-types";

export function gradientOfNonscalar(of: string, returns: Shape, start: number, end: number, decl: RelatedSpot): GradientDraft {
  return {
    code: "gradient-of-nonscalar",
    message: `@gradient ${of}: ${of} returns ${formatShape(returns)}, not a scalar []; a gradient is taken of a scalar function (reduce it with sum, mean or a loss)`,
    start, end,
    related: [{ ...decl, message: `${of} is declared here` }],
  };
}
