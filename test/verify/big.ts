// A parameter too large for element-wise finite differences within a short timeout (120,000
// elements, about 3 s of probes; the tests give it 1 s), with a sign-flipped gradient: full mode
// must refuse early with the estimate, and fast mode must still fail it from the directional
// derivatives.
import { Tensor, sum, sigmoid } from "chainrule";

export function f(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>) {
  return sum(sigmoid(x.matmul(W)));
}

/**
 * @gradient f W
 * @dims D=400 H=300
 */
export function dfdW_sign(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>) {
  const s = sigmoid(x.matmul(W));
  return x.T.matmul(s.mul(s.sub(1)));
}
