// The seed's gradient written as the math it is: t`…` templates parse once, check statically
// (shapes, ⊙ versus @ on the operator character) and run with the same ops as the method form.
import { Tensor, t } from "chainrule";

/** y is a one-hot label: ∂J/∂θ = ŷ − y below holds only because y sums to 1.
 * @sample y onehot */
export function loss(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = t`σ(${x} @ ${W1} + ${b1})`;
  const yhat = t`softmax(${h} @ ${W2} + ${b2})`;
  return t`-sum(${y} ⊙ log(${yhat}))`;
}

/** @gradient loss x */
export function dLoss_dx(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                         W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = t`σ(${x} @ ${W1} + ${b1})`;
  const yhat = t`softmax(${h} @ ${W2} + ${b2})`;
  return t`(${yhat} - ${y}) @ ${W2}ᵀ ⊙ ${h} ⊙ (1 - ${h}) @ ${W1}ᵀ`;
}
