// Layer-norm over the features (variance, sqrt), a weighted sum as the loss; gradients by hand.
import { Tensor, mean, variance, sqrt, sum } from "chainrule";

/** @dims N=3 D=4 */
export function lnLoss(x: Tensor<["N", "D"]>, gamma: Tensor<[1, "D"]>, beta: Tensor<[1, "D"]>, c: Tensor<["N", "D"]>) {
  const mu = mean(x, 1);
  const sd = sqrt(variance(x, 1).add(1e-5));
  const xhat = x.sub(mu).div(sd);
  return sum(xhat.mul(gamma).add(beta).mul(c));
}

/** @gradient lnLoss x */
export function dLn_dx(x: Tensor<["N", "D"]>, gamma: Tensor<[1, "D"]>, beta: Tensor<[1, "D"]>, c: Tensor<["N", "D"]>) {
  const mu = mean(x, 1);
  const sd = sqrt(variance(x, 1).add(1e-5));
  const xhat = x.sub(mu).div(sd);
  const dxhat = c.mul(gamma);
  return dxhat.sub(mean(dxhat, 1)).sub(xhat.mul(mean(dxhat.mul(xhat), 1))).div(sd);
}

/** @gradient lnLoss */
export function dLn(x: Tensor<["N", "D"]>, gamma: Tensor<[1, "D"]>, beta: Tensor<[1, "D"]>, c: Tensor<["N", "D"]>) {
  const mu = mean(x, 1);
  const sd = sqrt(variance(x, 1).add(1e-5));
  const xhat = x.sub(mu).div(sd);
  return { gamma: sum(xhat.mul(c), 0), beta: sum(c, 0) };
}

/** The variance's own dependence on x forgotten: wrong. */
/** @gradient lnLoss x */
export function dLn_dx_noVarianceTerm(x: Tensor<["N", "D"]>, gamma: Tensor<[1, "D"]>, beta: Tensor<[1, "D"]>, c: Tensor<["N", "D"]>) {
  const sd = sqrt(variance(x, 1).add(1e-5));
  const dxhat = c.mul(gamma);
  return dxhat.sub(mean(dxhat, 1)).div(sd);
}
