// Gradient functions that misbehave in every way the sandbox must contain, between two correct
// ones. Each fault must end as status "error" with a message saying which and where, while the
// correct checks (before and after) still pass.
import { writeFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { Tensor, sum, log } from "chainrule";

export function q(x: Tensor<[1, "D"]>) {
  return sum(x.mul(x));
}

/** @gradient q x */
export function ok_before(x: Tensor<[1, "D"]>) {
  return x.mul(2);
}

/** @gradient q x */
export function loops(x: Tensor<[1, "D"]>) {
  for (;;) x = x.mul(1);
}

/** @gradient q x */
export function throws(x: Tensor<[1, "D"]>) {
  if (x.shape.length === 2) throw new Error("boom from the gradient");
  return x;
}

/** @gradient q x */
export function exits(x: Tensor<[1, "D"]>) {
  process.exit(3);
  return x;
}

/** @gradient q x */
export function nan(x: Tensor<[1, "D"]>) {
  return x.mul(0).div(0);
}

export function qlog(x: Tensor<[1, "D"]>) {
  return sum(log(x));
}

/** log of normal samples: F itself is NaN at the sample (a missing `@sample x positive`). */
/** @gradient qlog x */
export function f_nan(x: Tensor<[1, "D"]>) {
  return x.mul(x).div(x).div(x).div(x);
}

/** @gradient q x */
export function writes(x: Tensor<[1, "D"]>) {
  writeFileSync("/tmp/chainrule-escaped-write.txt", "written by checked code");
  return x.mul(2);
}

/** @gradient q x */
export function spawns(x: Tensor<[1, "D"]>) {
  execSync("touch /tmp/chainrule-escaped-spawn");
  return x.mul(2);
}

/** @gradient q x */
export function ok_after(x: Tensor<[1, "D"]>) {
  return x.mul(2);
}
