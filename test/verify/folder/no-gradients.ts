// A DSL file with no @gradient: the walk reads it and finds nothing to run.
import { Tensor, sum } from "chainrule";

export function q(x: Tensor<[1, "D"]>) {
  return sum(x);
}
