// gradient-shape-mismatch: ∂F/∂P has the shape of P. Reported when both the gradient's return
// shape and P's shape are known and they cannot be equal (the pairing check decides that).

import { formatShape } from "../../shape/shape";
import type { Handler } from "./types";

export const gradientShapeMismatch: Handler<"gradient-shape-mismatch"> = {
  code: "gradient-shape-mismatch",
  diagnose: (site) => ({
    message: `${site.gradient} returns ${formatShape(site.got)} for ∂${site.of}/∂${site.param}, but a gradient has the shape of its parameter: ${site.param} is ${formatShape(site.expected)}`,
    start: site.start, end: site.end,
    related: site.where ? [{ ...site.where, message: `${site.param} is annotated ${formatShape(site.expected)} here` }] : [],
    candidates: [],
  }),
};
