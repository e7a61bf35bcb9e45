// Checked code that allocates without end, on the V8 heap and off it (typed arrays), between two
// correct checks. Kept apart from faults.ts because filling memory takes seconds on a slow machine.
import { Tensor, sum } from "chainrule";

export function q(x: Tensor<[1, "D"]>) {
  return sum(x.mul(x));
}

/** @gradient q x */
export function ok_before(x: Tensor<[1, "D"]>) {
  return x.mul(2);
}

/** @gradient q x */
export function hoards_heap(x: Tensor<[1, "D"]>) {
  const keep: number[][] = [];
  for (;;) keep.push(new Array(100000).fill(Math.random()));
  return x;
}

/** @gradient q x */
export function hoards_buffers(x: Tensor<[1, "D"]>) {
  const keep: Float64Array[] = [];
  for (;;) keep.push(new Float64Array(1 << 20).fill(1));
  return x;
}

/** @gradient q x */
export function ok_after(x: Tensor<[1, "D"]>) {
  return x.mul(2);
}
