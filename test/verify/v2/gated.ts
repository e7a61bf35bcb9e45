// A gated unit: concat the input and state, one matmul, split the result with slice into a tanh
// half and a sigmoid gate. Dims in dim expressions bind from their names (@dims D=2 H=3).
import { Tensor, concat, slice, sigmoid, tanh, sum, sub } from "chainrule";

/** @dims D=2 H=3 */
export function gluLoss(x: Tensor<[1, "D"]>, h: Tensor<[1, "H"]>, W: Tensor<["D+H", "2*H"]>, c: Tensor<[1, "H"]>) {
  const z = concat([x, h], 1).matmul(W);
  const a = slice(z, 1, 0, "H");
  const g = slice(z, 1, "H", "2*H");
  return sum(tanh(a).mul(sigmoid(g)).mul(c));
}

/** @gradient gluLoss */
export function dGlu(x: Tensor<[1, "D"]>, h: Tensor<[1, "H"]>, W: Tensor<["D+H", "2*H"]>, c: Tensor<[1, "H"]>) {
  const xh = concat([x, h], 1);
  const z = xh.matmul(W);
  const ta = tanh(slice(z, 1, 0, "H"));
  const sg = sigmoid(slice(z, 1, "H", "2*H"));
  const da = c.mul(sg).mul(sub(1, ta.mul(ta)));
  const dg = c.mul(ta).mul(sg).mul(sub(1, sg));
  const dz = concat([da, dg], 1);
  const dxh = dz.matmul(W.T);
  return { x: slice(dxh, 1, 0, "D"), h: dxh.slice(1, "D", "D+H"), W: xh.T.matmul(dz) };
}

/** The state's gradient read from the wrong part of ∂[x, h]: wrong. */
/** @gradient gluLoss h */
export function dGlu_dh_offset(x: Tensor<[1, "D"]>, h: Tensor<[1, "H"]>, W: Tensor<["D+H", "2*H"]>, c: Tensor<[1, "H"]>) {
  const z = concat([x, h], 1).matmul(W);
  const ta = tanh(slice(z, 1, 0, "H"));
  const sg = sigmoid(slice(z, 1, "H", "2*H"));
  const dz = concat([c.mul(sg).mul(sub(1, ta.mul(ta))), c.mul(ta).mul(sg).mul(sub(1, sg))], 1);
  return slice(dz.matmul(W.T), 1, 0, "H");
}
