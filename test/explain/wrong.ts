// Hand-derived gradients with exactly one wrong factor each; `// wrong: …` names it. The culprit
// test checks that verify's `culprit.range` lies on it and is smaller than the returned expression.
import { Tensor, sigmoid, softmax, crossEntropy, sub, sum, tanh, mul, t } from "chainrule";

export function loss(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return crossEntropy(yhat, y);
}

/** @gradient loss x */
export function twoMinusH(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return yhat.sub(y).matmul(W2.T).mul(h.mul(sub(2, h))).matmul(W1.T); // wrong: h.mul(sub(2, h))
}

/** @gradient loss x */
export function missingFactor(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                              W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return yhat.sub(y).matmul(W2.T).mul(h).matmul(W1.T); // wrong: mul(h)
}

/** @gradient loss W1 */
export function extraFactor(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                            W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  const dr = yhat.sub(y).matmul(W2.T).mul(h.mul(sub(1, h)));
  return x.T.matmul(dr.mul(2)); // wrong: dr.mul(2)
}

/** @gradient loss b1 */
export function flippedDifference(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                                  W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return sub(yhat, y).matmul(W2.T).mul(sub(1, h).mul(h).mul(h)); // wrong: mul(h).mul(h)
}

/** @gradient loss x */
export function inTemplate(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                           W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return t`(${yhat} - ${y}) @ ${W2}ᵀ ⊙ ${h} ⊙ (1 + ${h}) @ ${W1}ᵀ`; // wrong: 1 + ${h}
}

export function energy(x: Tensor<[1, "N"]>, W: Tensor<["N", "M"]>) {
  return sum(tanh(x.matmul(W)));
}

/** @gradient energy x */
export function tanhDerivative(x: Tensor<[1, "N"]>, W: Tensor<["N", "M"]>) {
  const a = tanh(x.matmul(W));
  return sub(1, a).matmul(W.T); // wrong: sub(1, a)
}

/** @gradient energy W */
export function squaredTwice(x: Tensor<[1, "N"]>, W: Tensor<["N", "M"]>) {
  const a = tanh(x.matmul(W));
  const da = sub(1, mul(a, a).mul(a)); // wrong: mul(a, a).mul(a)
  return x.T.matmul(da);
}
