// The runtime's v2 ops on real values: element-wise math, masks and where, max and variance,
// normalising over an axis, reshape/concat/slice/transpose with axes, batched matmul; attributes
// given as dim expressions resolve through the binding; shape errors are the analyzer's words.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as cr from "../../src/runtime/index";
import { clearDims, withDims } from "../../src/runtime/dims";
import { record } from "../../src/runtime/tape";
import { Tensor } from "../../src/runtime/tensor";

const { tensor, zeros, ones, ShapeError } = cr;

function values(a: Tensor): number[] {
  return Array.from(a.data, (x) => Math.round(x * 1e12) / 1e12);
}

function throwsShape(fn: () => unknown, code: string, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ShapeError && e.code === code && e.message === message);
}

const m = tensor([[1, -2, 3], [-4, 5, -6]]);

test("sqrt, square, abs, pow: element-wise, methods and functions alike", () => {
  assert.deepEqual(values(cr.sqrt(tensor([4, 9]))), [2, 3]);
  assert.deepEqual(values(m.square()), [1, 4, 9, 16, 25, 36]);
  assert.deepEqual(values(cr.abs(m)), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(values(m.pow(3)), [1, -8, 27, -64, 125, -216]);
  assert.deepEqual(values(cr.pow(tensor([4, 16]), -0.5)), [0.5, 0.25]);
});

test("maximum, minimum, gt, lt broadcast; where picks by a mask", () => {
  assert.deepEqual(values(m.maximum(0)), [1, 0, 3, 0, 5, 0]);
  assert.deepEqual(values(cr.minimum(m, tensor([[0], [-5]]))), [0, -2, 0, -5, -5, -6]);
  assert.deepEqual(values(cr.gt(m, 0)), [1, 0, 1, 0, 1, 0]);
  assert.deepEqual(values(m.lt(tensor([[2, 2, 2]]))), [1, 1, 0, 1, 0, 1]);
  assert.deepEqual(values(cr.where(tensor([[1], [0]]), m, 9)), [1, -2, 3, 9, 9, 9]);
  assert.deepEqual(values(cr.gt(m, 0).where(m, m.neg())), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(cr.where(tensor([[1, 0]]), tensor([[1], [2], [3]]), 0).shape, [3, 2]);
});

test("max and variance over everything or along an axis (kept with size 1)", () => {
  assert.deepEqual(values(cr.max(m)), [5]);
  assert.deepEqual(values(m.max(1)), [3, 5]);
  assert.deepEqual(m.max(0).shape, [1, 3]);
  assert.deepEqual(values(cr.variance(tensor([1, 2, 3, 4]))), [1.25]);
  assert.deepEqual(values(tensor([[1, 3], [2, 6]]).variance(1)), [1, 4]);
});

test("softmax and logSoftmax over an axis equal the last-axis forms of the transpose", () => {
  const a = tensor([[1, 2, 0], [3, -1, 2]]);
  assert.deepEqual(values(cr.softmax(a, 0)), values(cr.softmax(a.T).T));
  assert.deepEqual(values(a.logSoftmax(0)), values(a.T.logSoftmax().T));
  assert.deepEqual(values(a.softmax(-1)), values(a.softmax()));
});

test("reshape, concat, slice and transpose with axes move elements in row-major order", () => {
  const x = tensor([[[1, 2], [3, 4], [5, 6]]]); // [1,3,2]
  assert.deepEqual(x.reshape([3, 2]).toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(cr.reshape(x, [-1, 3]).shape, [2, 3]);
  assert.deepEqual(cr.transpose(x, [2, 1, 0]).shape, [2, 3, 1]);
  assert.deepEqual(x.transpose([0, 2, 1]).reshape([2, 3]).toArray(), [[1, 3, 5], [2, 4, 6]]);
  const a = tensor([[1, 2]]);
  const b = tensor([[3]]);
  assert.deepEqual(cr.concat([a, b], 1).toArray(), [[1, 2, 3]]);
  assert.deepEqual(a.concat([b, a], -1).toArray(), [[1, 2, 3, 1, 2]]);
  assert.deepEqual(a.concat(a).toArray(), [[1, 2], [1, 2]]);
  const r = tensor([[0, 1, 2, 3, 4]]);
  assert.deepEqual(r.slice(1, 1, 3).toArray(), [[1, 2]]);
  assert.deepEqual(cr.slice(r, 1, -2).toArray(), [[3, 4]]);
  assert.deepEqual(r.slice(-1, 0, -1).toArray(), [[0, 1, 2, 3]]);
});

test("batched matmul equals the rank-2 product per batch element, batch dims broadcast", () => {
  const a = tensor([[[1, 2], [3, 4]], [[0, 1], [1, 0]]]); // [2,2,2]
  const w = tensor([[1, 1], [0, 2]]);
  const batched = a.matmul(w);
  assert.deepEqual(batched.shape, [2, 2, 2]);
  for (let i = 0; i < 2; i++) assert.deepEqual(values(batched.slice(0, i, i + 1).reshape([2, 2])), values(a.slice(0, i, i + 1).reshape([2, 2]).matmul(w)));
  const b = ones([3, 1, 2, 4]);
  assert.deepEqual(cr.matmul(a, b).shape, [3, 2, 2, 4]);
});

test("attributes and constructors take dim expressions, resolved through the binding", () => {
  clearDims();
  cr.bindDims({ H: 2, K: 3 });
  assert.deepEqual(zeros([1, "H+K"]).shape, [1, 5]);
  assert.deepEqual(cr.eye("2*H").shape, [4, 4]);
  const z = tensor([[1, 2, 3, 4, 5]]);
  assert.deepEqual(z.slice(1, "H", "H+K").toArray(), [[3, 4, 5]]);
  assert.deepEqual(withDims({ B: 2, T: 3 }, () => ones(["B", "T", "H"]).reshape(["B*T", "H"]).shape), [6, 2]);
  assert.throws(() => zeros([1, "H+Q"]), { message: 'unbound dim "Q" in "H+Q": bind it with bindDims({ Q: … }) or @dims Q=…' });
  assert.throws(() => zeros(["H-K"]), /dim "H-K" is -1 under the current binding, not a size/);
  const { nodes } = record(() => z.slice(1, "H"));
  assert.deepEqual(nodes[0]!.attrs, { axis: 1, start: 2 });
  clearDims();
});

test("arguments of the wrong kind are TypeErrors that show the call", () => {
  assert.throws(() => (m as unknown as { pow(): Tensor }).pow(), /chainrule: pow needs its exponent argument \(pow\(a, exponent\)\)/);
  assert.throws(() => m.sum(1.5), /chainrule: sum: axis must be an integer, got 1.5/);
  assert.throws(() => m.transpose([0, "1"] as never), /axes must be an array of integers, got \[0, "1"\]/);
  assert.throws(() => m.slice(1, 0.5), /slice: start must be an integer or a dim name, got 0.5/);
  assert.throws(() => (cr.where as unknown as (a: Tensor) => Tensor)(m), /where takes 3 operands: where\(mask, a, b\)/);
  // Extra arguments are ignored, as JS functions do, so `xs.map(relu)` works.
  assert.deepEqual([m].map(cr.relu as (x: Tensor) => Tensor)[0]!.shape, [2, 3]);
});

test("shape errors are worded as the analyzer's diagnostics", () => {
  throwsShape(() => ones([2, 3, 4]).reshape([6, 5]), "shape-mismatch", "reshape [2,3,4] → [6,5]: element counts 24 and 30 differ");
  throwsShape(() => cr.concat([ones([1, 2]), ones([2, 2])], 1), "shape-mismatch",
    "concat [1,2], [2,2] along axis 1: dimensions 1 and 2 differ (axis 0)");
  throwsShape(() => cr.where(ones([2, 3]), ones([2, 3]), ones([3, 2])), "shape-mismatch",
    "where([2,3], [2,3], [3,2]): a and b cannot broadcast (dimensions 3 and 2)");
  throwsShape(() => ones([1, 3]).slice(1, 0, 4), "shape-mismatch", "slice [1,3] axis 1 from 0 to 4: end 4 is past the axis's size 3");
  throwsShape(() => cr.matmul(ones([2, 3, 4]), ones([5, 4, 1])), "matmul-mismatch",
    "matmul [2,3,4] @ [5,4,1]: batch dimensions 2 and 5 cannot broadcast (batch shapes [2] and [5])");
  throwsShape(() => ones([2, 2, 2]).transpose([0, 0, 1]), "rank-mismatch", "transpose axes [0,0,1] are not a permutation of the 3 axes of [2,2,2]");
});
