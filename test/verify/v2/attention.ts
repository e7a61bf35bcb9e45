// Batched attention: scores by batched matmul against kᵀ (transpose with axes), softmax over the
// last axis, then a weight shared across the batch (batch dims broadcast); hand gradients.
import { Tensor, matmul, transpose, softmax, sum } from "chainrule";

export function attnLoss(q: Tensor<["B", "T", "d"]>, k: Tensor<["B", "T", "d"]>, v: Tensor<["B", "T", "d"]>, W: Tensor<["d", "d"]>, c: Tensor<["B", "T", "d"]>) {
  const p = softmax(matmul(q, transpose(k, [0, 2, 1])), -1);
  return sum(p.matmul(v).matmul(W).mul(c));
}

/** @gradient attnLoss */
export function dAttn(q: Tensor<["B", "T", "d"]>, k: Tensor<["B", "T", "d"]>, v: Tensor<["B", "T", "d"]>, W: Tensor<["d", "d"]>, c: Tensor<["B", "T", "d"]>) {
  const p = softmax(matmul(q, transpose(k, [0, 2, 1])), -1);
  const o = p.matmul(v);
  const dO = c.matmul(W.T);
  const dp = dO.matmul(transpose(v, [0, 2, 1]));
  const ds = p.mul(dp.sub(sum(dp.mul(p), -1)));
  return {
    q: ds.matmul(k),
    k: transpose(ds, [0, 2, 1]).matmul(q),
    v: transpose(p, [0, 2, 1]).matmul(dO),
    W: sum(transpose(o, [0, 2, 1]).matmul(c), 0).reshape(["d", "d"]),
  };
}

/** The softmax's Jacobian taken as the identity: wrong. */
/** @gradient attnLoss q */
export function dAttn_dq_noSoftmax(q: Tensor<["B", "T", "d"]>, k: Tensor<["B", "T", "d"]>, v: Tensor<["B", "T", "d"]>, W: Tensor<["d", "d"]>, c: Tensor<["B", "T", "d"]>) {
  return c.matmul(W.T).matmul(transpose(v, [0, 2, 1])).matmul(k);
}

/** Softmax over the queries' axis (1), not the last. */
export function colLoss(s: Tensor<["B", "T", "T"]>, c: Tensor<["B", "T", "T"]>) {
  return sum(softmax(s, 1).mul(c));
}

/** @gradient colLoss s */
export function dCol(s: Tensor<["B", "T", "T"]>, c: Tensor<["B", "T", "T"]>) {
  const p = softmax(s, 1);
  return p.mul(c.sub(sum(c.mul(p), 1)));
}
