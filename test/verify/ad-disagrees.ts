// F computes part of its value outside chainrule's ops (reading `.data`), so the tape misses it:
// the hand gradient is right and passes, and the report says AD disagrees with finite differences.
import { Tensor, sum, tensor } from "chainrule";

export function q(x: Tensor<[1, "D"]>) {
  return sum(x.mul(x)).add(tensor(3 * x.data[0]!));
}

/** @gradient q x */
export function dq(x: Tensor<[1, "D"]>) {
  const g = x.mul(2);
  g.data[0] = g.data[0]! + 3;
  return g;
}
