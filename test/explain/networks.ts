// Functions whose gradients `explain --emit` writes in the tests: the seed network, batched affine
// layers, a tanh network, and losses transcribed from PyTorch's backward formulas.
import { Tensor, sigmoid, softmax, logSoftmax, crossEntropy, tanh, relu, sum, mean, sub, exp, log } from "chainrule";

export function loss(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return crossEntropy(yhat, y);
}

/** Two batched affine layers, tanh between, softmax cross-entropy over the batch. */
export function batched(X: Tensor<["N", "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                        W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, Y: Tensor<["N", "K"]>) {
  const H1 = tanh(X.matmul(W1).add(b1));
  const logits = H1.matmul(W2).add(b2);
  return crossEntropy(softmax(logits), Y);
}

/** A deeper tanh network with a squared-error loss averaged over every element. */
export function tanhNet(x: Tensor<["N", "D"]>, W1: Tensor<["D", "H"]>, W2: Tensor<["H", "H"]>, W3: Tensor<["H", "K"]>, y: Tensor<["N", "K"]>) {
  const h1 = tanh(x.matmul(W1));
  const h2 = tanh(h1.matmul(W2));
  const e = h2.matmul(W3).sub(y);
  return mean(e.mul(e));
}

/** torch.nn.functional.linear is x @ Wᵀ + b; its backward is grad @ W, gradᵀ @ x, Σ grad. */
export function linear(x: Tensor<["N", "D"]>, W: Tensor<["H", "D"]>, b: Tensor<[1, "H"]>) {
  return sum(sigmoid(x.matmul(W.T).add(b)));
}

/** log_softmax + nll_loss: PyTorch's backward is grad − softmax ⊙ Σ grad. */
export function nll(z: Tensor<["N", "K"]>, y: Tensor<["N", "K"]>) {
  return sum(y.mul(logSoftmax(z))).neg();
}

/** binary_cross_entropy on sigmoid logits: backward (p − y) / (p (1 − p)) ⊙ p (1 − p) = p − y. */
export function bce(x: Tensor<["N", "D"]>, w: Tensor<["D", 1]>, y: Tensor<["N", 1]>) {
  const p = sigmoid(x.matmul(w));
  return sum(y.mul(log(p)).add(sub(1, y).mul(log(sub(1, p))))).neg();
}

/** relu's backward is the threshold mask 𝟙[x > 0]. */
export function reluNet(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>, v: Tensor<["H", 1]>) {
  return sum(relu(x.matmul(W)).matmul(v));
}

/** exp and division: softplus-free logistic via exp. */
export function expDiv(x: Tensor<[1, "D"]>, w: Tensor<["D", 1]>) {
  const e = exp(x.matmul(w).neg());
  return sum(log(e.add(1)));
}

/** A number parameter and a dim read from a shape. */
export function l2(w: Tensor<[1, "D"]>, lambda: number) {
  return sum(w.mul(w)).mul(lambda).div(w.shape[1]);
}
