// DSL.md's seed network with correct hand-derived gradients for every parameter but y. No tags:
// the checker must find dims and inputs by itself (y flows into crossEntropy's label, so one-hot).
import { Tensor, sigmoid, softmax, crossEntropy, sub } from "chainrule";

export function loss(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return crossEntropy(yhat, y);
}

/** @gradient loss x */
export function dLoss_dx(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                         W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return yhat.sub(y).matmul(W2.T).mul(h.mul(sub(1, h))).matmul(W1.T);
}

/** @gradient loss W1 */
export function dLoss_dW1(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return x.T.matmul(yhat.sub(y).matmul(W2.T).mul(h.mul(sub(1, h))));
}

/** @gradient loss b1 */
export function dLoss_db1(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return yhat.sub(y).matmul(W2.T).mul(h.mul(sub(1, h)));
}

/** @gradient loss W2 */
export function dLoss_dW2(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return h.T.matmul(yhat.sub(y));
}

/** @gradient loss b2 */
export function dLoss_db2(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  return softmax(h.matmul(W2).add(b2)).sub(y);
}
