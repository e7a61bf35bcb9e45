// gradient-shape-mismatch: ∂F/∂P has the shape of P. Reported when both the gradient's return
// shape and P's shape are known and they cannot be equal.

import { formatShape, Shape, shapeCompatible } from "../../shape/shape";
import type { GradientDraft, RelatedSpot } from "./gradient-types";

export function gradientShapeMismatch(
  gradient: string, of: string, param: string, expected: Shape | null, got: Shape | null,
  start: number, end: number, where?: RelatedSpot,
): GradientDraft | undefined {
  if (!expected || !got || shapeCompatible(expected, got)) return undefined;
  return {
    code: "gradient-shape-mismatch",
    message: `${gradient} returns ${formatShape(got)} for ∂${of}/∂${param}, but a gradient has the shape of its parameter: ${param} is ${formatShape(expected)}`,
    start, end,
    related: where ? [{ ...where, message: `${param} is annotated ${formatShape(expected)} here` }] : [],
  };
}
