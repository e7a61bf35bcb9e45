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
  return yhat.sub(y).matmul(W2.T).matmul(h.mul(sub(1, h))).matmul(W1.T);
}

// The seed's confusion: the factor h ⊙ (1 − h) is σ′, the diagonal of σ's Jacobian, so it
// multiplies the gradient element-wise (⊙). Written as a matrix product it is [1,H] @ [1,H].
