// Pairings that cannot be resolved: no such F, no such parameter, mismatched parameters, no shape.
import { Tensor, sum } from "chainrule";

export function q(x: Tensor<[1, "D"]>) {
  return sum(x.mul(x));
}

/** @gradient nothere x */
export function noF(x: Tensor<[1, "D"]>) {
  return x;
}

/** @gradient q z */
export function noParam(x: Tensor<[1, "D"]>) {
  return x;
}

/** @gradient q x */
export function otherParams(y: Tensor<[1, "D"]>) {
  return y;
}

export function r(x: any) {
  return sum(x);
}

/** @gradient r x */
export function noShape(x: any) {
  return x;
}
