// F for test/verify/object.ts, imported from another file: Σ (x W).
import { Tensor, sum } from "chainrule";

export function affine(x: Tensor<[1, "D"]>, W: Tensor<["D", "K"]>) {
  return sum(x.matmul(W));
}
