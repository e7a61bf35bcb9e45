// A module that throws while it loads: every check in it errors, saying so.
import { Tensor, sum } from "chainrule";

export function q(x: Tensor<[1, "D"]>) {
  return sum(x.mul(x));
}

/** @gradient q x */
export function dq(x: Tensor<[1, "D"]>) {
  return x.mul(2);
}

throw new Error("cannot load this module");
