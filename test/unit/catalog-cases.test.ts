// Named cases of the catalog's VJP check for the v2 ops the issue singles out — max with ties,
// where, concat, slice, reshape, batched matmul with broadcast batch dims, softmax over an axis —
// each on a fixed input, and each with a plausible wrong VJP that the check must reject.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CATALOG } from "../../src/ops/catalog";
import type { OpAttrs, OpDef, TensorData } from "../../src/ops/types";
import { filled, rng, vjpErrors, type Case } from "../helpers/vjp-check";

const op = (name: string) => CATALOG.get(name)!;
const T = (shape: number[], data?: number[], seed = shape.length): TensorData =>
  data ? { shape, data: Float64Array.from(data) } : filled(shape, "normal", rng(seed));
const check = (o: OpDef, args: TensorData[], attrs: OpAttrs = {}) => vjpErrors(o, { args, attrs } satisfies Case, 11, false);

interface Named { what: string; op: string; args: TensorData[]; attrs?: OpAttrs; wrong: OpDef["vjp"] }

const CASES: Named[] = [
  {
    what: "max with ties: two tied maxima share the gradient (as central differences do)",
    op: "max", args: [T([2, 3], [1, 3, 3, -1, 2, 2])], attrs: { axis: 1 },
    // Each tied maximum gets the whole gradient.
    wrong: (o, g, [a], out) => [o.mul!(o.expandAs!(g, a!), o.sub!(1, o.gt!(o.expandAs!(out, a!), a!)))],
  },
  {
    what: "max of everything with a tie",
    op: "max", args: [T([2, 2], [0.5, 2, 2, -3])],
    wrong: (o, g, [a]) => [o.mul!(o.expandAs!(g, a!), 0.5)],
  },
  {
    what: "where with a broadcast mask and operands",
    op: "where", args: [T([2, 1], [1, 0]), T([1, 3]), T([2, 3], undefined, 5)],
    // The mask's sense reversed.
    wrong: (o, g, [m, a, b]) => [o.mul!(m!, 0), o.unbroadcast!(o.where!(m!, 0, g), a!), o.unbroadcast!(o.where!(m!, g, 0), b!)],
  },
  {
    what: "concat of three along axis 1",
    op: "concat", args: [T([2, 1]), T([2, 3], undefined, 9), T([2, 2], undefined, 4)], attrs: { axis: 1 },
    // Every part read from the start of g.
    wrong: (o, g, args) => args.map((x) => o.slice!(g, o.attrs({ axis: 1, start: 0, end: o.shapeOf(x)![1]! }))),
  },
  {
    what: "slice with a negative start and no end",
    op: "slice", args: [T([2, 5])], attrs: { axis: 1, start: -2 },
    wrong: (o, g, [a]) => [o.unslice!(g, a!, o.attrs({ axis: 1, start: 0, end: 2 }))],
  },
  {
    what: "reshape with an inferred size",
    op: "reshape", args: [T([2, 3, 2])], attrs: { shape: [3, -1] },
    // The gradient transposed back instead of reshaped.
    wrong: (o, g, [a]) => [o.reshapeAs!(o.transpose!(g), a!)],
  },
  {
    what: "batched matmul with broadcast batch dims ([2,1,3,4] @ [5,4,2])",
    op: "matmul", args: [T([2, 1, 3, 4]), T([5, 4, 2], undefined, 8)],
    // The broadcast operand's gradient averaged over the batch it was broadcast along, not summed.
    wrong: (o, g, [a, b]) => {
      const t = (x: typeof a, r: number) => o.transpose!(x!, o.attrs({ axes: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] }));
      return [o.div!(o.unbroadcast!(o.matmul!(g, t(b, 3)), a!), 5), o.unbroadcast!(o.matmul!(t(a, 4), g), b!)];
    },
  },
  {
    what: "softmax over axis 0",
    op: "softmax", args: [T([3, 4])], attrs: { axis: 0 },
    // Normalised over the last axis in the VJP.
    wrong: (o, g, _args, y) => [o.mul!(y, o.sub!(g, o.sum!(o.mul!(g, y), o.attrs({ axis: -1 }))))],
  },
];

for (const c of CASES) {
  test(`vjp: ${c.what}`, () => {
    assert.deepEqual(check(op(c.op), c.args, c.attrs).slice(0, 3), []);
    assert.notDeepEqual(check({ ...op(c.op), vjp: c.wrong }, c.args, c.attrs), [], "the wrong VJP passed");
  });
}
