// gradient-of-nonscalar: `@gradient F …` where F's return shape is known and not a scalar [].
// ∂F/∂P is only defined here for a scalar F (a loss).

import { formatShape } from "../../shape/shape";
import type { Handler } from "./types";

export const gradientOfNonscalar: Handler<"gradient-of-nonscalar"> = {
  code: "gradient-of-nonscalar",
  diagnose: (site) => ({
    message: `@gradient ${site.of}: ${site.of} returns ${formatShape(site.returns)}, not a scalar []; a gradient is taken of a scalar function (reduce it with sum, mean or a loss)`,
    start: site.start, end: site.end,
    related: [{ ...site.decl, message: `${site.of} is declared here` }],
    candidates: [],
  }),
};
