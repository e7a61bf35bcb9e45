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

// The seed's network, row-vector convention (x is 1×D):
//   r = x W1 + b1,  h = σ(r),  θ = h W2 + b2,  ŷ = softmax(θ),  J = −Σ y log ŷ
// and the chain rule backwards, one factor per step:
//   ∂J/∂θ = ŷ − y                       [1,K]   (softmax + cross-entropy, y sums to 1)
//   ∂J/∂h = (ŷ − y) W2ᵀ                 [1,H]   (θ is linear in h: a matrix product)
//   ∂J/∂r = (ŷ − y) W2ᵀ ⊙ h ⊙ (1 − h)   [1,H]   (σ is element-wise: its Jacobian is diagonal, so ⊙)
//   ∂J/∂x = ∂J/∂r W1ᵀ                   [1,D]

/** @gradient loss W1 */
export function dLoss_dW1(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  const dr = yhat.sub(y).matmul(W2.T).mul(h.mul(sub(1, h)));
  return x.T.matmul(dr);
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
  const yhat = softmax(h.matmul(W2).add(b2));
  return yhat.sub(y);
}
