// Imports a module that does not exist: the bundle fails and the check errors with esbuild's words.
import { Tensor, sum } from "chainrule";
import { helper } from "./does-not-exist";

export function q(x: Tensor<[1, "D"]>) {
  return sum(x.mul(helper(x)));
}

/** @gradient q x */
export function dq(x: Tensor<[1, "D"]>) {
  return x.mul(2);
}
