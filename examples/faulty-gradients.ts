// Gradients that go wrong in each way `chainrule verify` reports, next to a correct one:
//   npx chainrule verify examples/   → the seed passes; these fail or error, and the run survives them.
import { Tensor, Scalar, sum, tanh, mul, sub } from "chainrule";

export function energy(x: Tensor<[1, "N"]>, W: Tensor<["N", "N"]>): Scalar {
  return sum(tanh(x.matmul(W)));
}

/** @gradient energy x */
export function dEnergy_dx(x: Tensor<[1, "N"]>, W: Tensor<["N", "N"]>) {
  const a = tanh(x.matmul(W));
  return sub(1, mul(a, a)).matmul(W.T);
}

// W where the chain rule gives Wᵀ: not a transpose of the whole result, so verify names the worst
// element instead of a diagnosis.
/** @gradient energy x */
export function dEnergy_dx_wrongW(x: Tensor<[1, "N"]>, W: Tensor<["N", "N"]>) {
  const a = tanh(x.matmul(W));
  return sub(1, mul(a, a)).matmul(W);
}

/** @gradient energy W */
export function dEnergy_dW_transposed(x: Tensor<[1, "N"]>, W: Tensor<["N", "N"]>) {
  const a = tanh(x.matmul(W));
  return sub(1, mul(a, a)).T.matmul(x); // should be xᵀ (1 − a²): this is its transpose
}

/** @gradient energy W */
export function dEnergy_dW_signFlipped(x: Tensor<[1, "N"]>, W: Tensor<["N", "N"]>) {
  const a = tanh(x.matmul(W));
  return x.T.matmul(mul(a, a).sub(1));
}

/** @gradient energy x */
export function dEnergy_dx_loops(x: Tensor<[1, "N"]>, W: Tensor<["N", "N"]>) {
  let g = x;
  while (g.shape.length > 0) g = g.mul(1); // never ends: verify stops it at --timeout
  return g;
}

/** @gradient energy x */
export function dEnergy_dx_throws(x: Tensor<[1, "N"]>, W: Tensor<["N", "N"]>): Tensor<[1, "N"]> {
  throw new Error(`not derived yet for W of shape ${W.shape}`);
}
