// A masked squared error (where) and max-pooling over time (max over an axis).
import { Tensor, where, gt, square, sum, max, sub, ones } from "chainrule";

/** @dims B=4 K=3 @sample keep onehot */
export function maskedLoss(yhat: Tensor<["B", "K"]>, y: Tensor<["B", "K"]>, keep: Tensor<["B", 1]>) {
  return sum(where(gt(keep, 0), square(yhat.sub(y)), 0));
}

/** @gradient maskedLoss yhat */
export function dMasked(yhat: Tensor<["B", "K"]>, y: Tensor<["B", "K"]>, keep: Tensor<["B", 1]>) {
  return where(gt(keep, 0), yhat.sub(y).mul(2), 0);
}

/** The mask forgotten: wrong. */
/** @gradient maskedLoss yhat */
export function dMasked_unmasked(yhat: Tensor<["B", "K"]>, y: Tensor<["B", "K"]>, keep: Tensor<["B", 1]>) {
  return yhat.sub(y).mul(2);
}

export function poolLoss(x: Tensor<["B", "T", "D"]>, c: Tensor<["B", 1, "D"]>) {
  return sum(max(x, 1).mul(c));
}

/** @gradient poolLoss x */
export function dPool(x: Tensor<["B", "T", "D"]>, c: Tensor<["B", 1, "D"]>) {
  const isMax = sub(1, gt(max(x, 1), x));
  return isMax.mul(c);
}

/** The gradient spread over every step, not only the maximum: wrong. */
/** @gradient poolLoss x */
export function dPool_everywhere(x: Tensor<["B", "T", "D"]>, c: Tensor<["B", 1, "D"]>) {
  return ones(["B", "T", "D"]).mul(c);
}
