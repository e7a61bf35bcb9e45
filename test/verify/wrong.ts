// Deliberately wrong gradients, one per diagnosis the checker names, plus one it cannot name,
// next to a correct one. f(A, B) = Σ A ⊙ Bᵀ has ∂f/∂A = Bᵀ; q(x) = Σ x ⊙ x has ∂q/∂x = 2x.
import { Tensor, sum, mul, zeros, tanh } from "chainrule";

export function f(A: Tensor<["M", "N"]>, B: Tensor<["N", "M"]>) {
  return sum(mul(A, B.T));
}

/** @gradient f A */
export function dfdA_ok(A: Tensor<["M", "N"]>, B: Tensor<["N", "M"]>) {
  return B.T;
}

/** Forgot the transpose: returns [N,M] for an [M,N] parameter. */
/** @gradient f A */
export function dfdA_transposed(A: Tensor<["M", "N"]>, B: Tensor<["N", "M"]>) {
  return B;
}

export function q(x: Tensor<[1, "D"]>) {
  return sum(x.mul(x));
}

/** @gradient q x */
export function dq_sign(x: Tensor<[1, "D"]>) {
  return x.mul(-2);
}

/** @gradient q x */
export function dq_scaled(x: Tensor<[1, "D"]>) {
  return x;
}

/** @gradient q x */
export function dq_zero(x: Tensor<[1, "D"]>) {
  return zeros([1, "D"]);
}

/** @gradient q x */
export function dq_wrong(x: Tensor<[1, "D"]>) {
  return tanh(x).mul(2);
}

/** A square case: with M = N bound equal, a transposed gradient has the right shape. */
export function g(A: Tensor<["N", "N"]>, B: Tensor<["N", "N"]>) {
  return sum(mul(A, B));
}

/**
 * @gradient g A
 * @dims N=3
 */
export function dg_transposed_square(A: Tensor<["N", "N"]>, B: Tensor<["N", "N"]>) {
  return B.T;
}
