// Reductions (sum, mean, max, variance: over everything → [], or over one axis, kept with size 1),
// the normalisations over an axis (softmax, logSoftmax; the last by default), and the loss.
// softmax's Jacobian is full (diag(y) − yᵀy), which is why its VJP is not a plain ⊙.

import { fail, ok, ShapeResult } from "../shape/problems";
import { dimCompatible, formatDim, formatShape, Shape } from "../shape/shape";
import { make, mapAxis, normAxis, reduceAxis, scalar, total } from "./kernels";
import { laneIndices, type Draw, type SelfTestCase } from "./selftest";
import type { OpAttrs, OpDef, Ops, Surface, TensorData } from "./types";

/** The normalised axis, or the rank-mismatch problem of an axis outside a's rank. */
export function checkAxis(op: string, axis: number, a: Shape): number | ShapeResult {
  const ax = normAxis(axis, a.length);
  if (!Number.isInteger(axis) || ax < 0 || ax >= a.length) {
    return fail({
      code: "rank-mismatch",
      message: `${op} over axis ${axis}: out of range for ${formatShape(a)} of rank ${a.length}`,
    });
  }
  return ax;
}

function reducedShape(op: string, a: Shape | null, attrs: OpAttrs): ShapeResult {
  if (attrs.axis === undefined) return ok([]);
  if (a == null) return ok(null);
  const ax = checkAxis(op, attrs.axis, a);
  if (typeof ax !== "number") return ax;
  const out = a.slice();
  out[ax] = 1;
  return ok(out);
}

function normalisedShape(op: string, a: Shape | null, axis: number | undefined): ShapeResult {
  if (a == null) return ok(null);
  if (axis === undefined) {
    if (a.length === 0) {
      return fail({ code: "rank-mismatch", message: `${op} normalises over the last axis, but ${formatShape(a)} has rank 0` });
    }
    return ok(a);
  }
  const ax = checkAxis(op, axis, a);
  return typeof ax === "number" ? ok(a) : ax;
}

function count(a: TensorData, attrs: OpAttrs): number {
  return attrs.axis === undefined ? a.data.length : a.shape[normAxis(attrs.axis, a.shape.length)]!;
}

/** The axis a softmax normalises over, as attributes for the sums in its VJP. */
function along<T>(o: Ops<T>, attrs: OpAttrs) {
  return o.attrs({ axis: attrs.axis ?? -1 });
}

function crossEntropyPrefix(a: Shape, b: Shape): string {
  return `crossEntropy ${formatShape(a)} and ${formatShape(b)}: prediction and label need the same shape`;
}

const REDUCTION: Surface = { operands: ["a"], attrs: [{ name: "axis", optional: true }] };
const NORMALISATION: Surface = { operands: ["a"], attrs: [{ name: "axis", optional: true }], distinctive: true };

/** One operand of rank 0…3 and, half of the time, an axis of it. */
function withAxis(d: Draw, minRank = 0): { shape: number[]; attrs: OpAttrs } {
  const shape = d.shape(minRank, 3);
  return { shape, attrs: shape.length > 0 && d.bool() ? { axis: d.axis(shape.length) } : {} };
}

const reductionCase = (d: Draw): SelfTestCase => {
  const { shape, attrs } = withAxis(d);
  return { operands: [{ shape }], attrs };
};

/** Like reductionCase, with the maximum of about half the lanes repeated once: ties share the gradient. */
function tiedMaxCase(d: Draw): SelfTestCase {
  const { shape, attrs } = withAxis(d);
  const data = d.values(shape.reduce((n, x) => n * x, 1));
  for (const lane of laneIndices(shape, attrs.axis)) {
    if (lane.length < 2 || d.bool()) continue;
    const top = lane.reduce((best, i) => (data[i]! > data[best]! ? i : best), lane[0]!);
    const other = lane.filter((i) => i !== top);
    data[d.pick(other)] = data[top]!;
  }
  return { operands: [{ shape, data }], attrs };
}

const normalisationCase = (d: Draw): SelfTestCase => {
  const { shape, attrs } = withAxis(d, 1);
  return { operands: [{ shape }], attrs };
};

const sumLanes = (l: Float64Array) => l.reduce((s, x) => s + x, 0);

export const REDUCE: OpDef[] = [
  {
    name: "sum", kind: "reduce", surface: REDUCTION,
    doc: "Σ a: all elements → [], or along an axis keeping it with size 1",
    jacobian: "linear",
    jacobianDoc: "a row of ones: the gradient is broadcast back to every summed element",
    shape: ([a], attrs) => reducedShape("sum", a ?? null, attrs),
    forward: ([a], attrs) => (attrs.axis === undefined ? scalar(total(a!)) : reduceAxis(a!, attrs.axis, sumLanes)),
    vjp: (o, g, [a]) => [o.expandAs!(g, a!)],
    selfTest: reductionCase,
  },
  {
    name: "mean", kind: "reduce", surface: REDUCTION,
    doc: "mean of a: all elements → [], or along an axis keeping it with size 1",
    jacobian: "linear",
    jacobianDoc: "1/n times a row of ones: the gradient is spread evenly back",
    shape: ([a], attrs) => reducedShape("mean", a ?? null, attrs),
    forward([a], attrs) {
      const n = count(a!, attrs);
      return attrs.axis === undefined ? scalar(total(a!) / n) : reduceAxis(a!, attrs.axis, (l) => sumLanes(l) / n);
    },
    vjp: (o, g, [a], _out, attrs) => [o.div!(o.expandAs!(g, a!), o.count!(a!, o.attrs(attrs)))],
    selfTest: reductionCase,
  },
  {
    name: "max", kind: "reduce", surface: REDUCTION,
    doc: "the largest element: of all → [], or along an axis keeping it with size 1",
    jacobian: "linear",
    jacobianDoc: "a selection: the gradient goes to the maximum, shared equally between tied maxima",
    shape: ([a], attrs) => reducedShape("max", a ?? null, attrs),
    forward: ([a], attrs) => {
      const top = (l: Float64Array) => l.reduce((m, x) => (x > m || Number.isNaN(x) ? x : m), -Infinity);
      return attrs.axis === undefined ? scalar(top(a!.data)) : reduceAxis(a!, attrs.axis, top);
    },
    vjp(o, g, [a], out, attrs) {
      // 𝟙[a = max] is 1 − 𝟙[max > a], since no element exceeds the maximum.
      const isMax = o.sub!(1, o.gt!(o.expandAs!(out, a!), a!));
      return [o.div!(o.mul!(o.expandAs!(g, a!), isMax), o.sum!(isMax, o.attrs(attrs)))];
    },
    selfTest: tiedMaxCase,
  },
  {
    name: "variance", kind: "reduce", surface: { ...REDUCTION, distinctive: true },
    doc: "population variance, mean((a − mean a)²): of all → [], or along an axis keeping it with size 1",
    jacobian: "full",
    jacobianDoc: "∂var/∂a = 2(a − mean a)/n: the gradient is g ⊙ 2(a − ā)/n, spread back over the reduced axis",
    shape: ([a], attrs) => reducedShape("variance", a ?? null, attrs),
    forward([a], attrs) {
      const n = count(a!, attrs);
      const v = (l: Float64Array) => {
        const m = sumLanes(l) / n;
        let s = 0;
        for (const x of l) s += (x - m) * (x - m);
        return s / n;
      };
      return attrs.axis === undefined ? scalar(v(a!.data)) : reduceAxis(a!, attrs.axis, v);
    },
    vjp(o, g, [a], _out, attrs) {
      const centred = o.sub!(a!, o.mean!(a!, o.attrs(attrs)));
      return [o.mul!(o.expandAs!(g, a!), o.mul!(centred, o.div!(2, o.count!(a!, o.attrs(attrs)))))];
    },
    selfTest: reductionCase,
  },
  {
    name: "softmax", kind: "reduce", surface: NORMALISATION,
    doc: "softmax(a) = eᵃ / Σ eᵃ over the last axis (or over axis)",
    jacobian: "full",
    jacobianDoc: "∂y/∂a = diag(y) − yᵀy is full, not diagonal: g ↦ y ⊙ (g − Σ g ⊙ y)",
    shape: ([a], { axis }) => normalisedShape("softmax", a ?? null, axis),
    forward: ([a], { axis }) =>
      mapAxis(a!, normAxis(axis ?? -1, a!.shape.length), (lane, out) => {
        let m = -Infinity;
        for (const x of lane) m = Math.max(m, x);
        let s = 0;
        for (let i = 0; i < lane.length; i++) s += out[i] = Math.exp(lane[i]! - m);
        for (let i = 0; i < lane.length; i++) out[i]! /= s;
      }),
    vjp: (o, g, _args, y, attrs) => [o.mul!(y, o.sub!(g, o.sum!(o.mul!(g, y), along(o, attrs))))],
    selfTest: normalisationCase,
  },
  {
    name: "logSoftmax", kind: "reduce", surface: NORMALISATION,
    doc: "logSoftmax(a) = a − log Σ eᵃ over the last axis (or over axis)",
    jacobian: "full",
    jacobianDoc: "∂y/∂a = I − 1 softmax(a)ᵀ is full: g ↦ g − softmax(a) ⊙ Σ g",
    shape: ([a], { axis }) => normalisedShape("logSoftmax", a ?? null, axis),
    forward: ([a], { axis }) =>
      mapAxis(a!, normAxis(axis ?? -1, a!.shape.length), (lane, out) => {
        let m = -Infinity;
        for (const x of lane) m = Math.max(m, x);
        let s = 0;
        for (const x of lane) s += Math.exp(x - m);
        const lse = m + Math.log(s);
        for (let i = 0; i < lane.length; i++) out[i] = lane[i]! - lse;
      }),
    vjp: (o, g, _args, y, attrs) => [o.sub!(g, o.mul!(o.exp!(y), o.sum!(g, along(o, attrs))))],
    selfTest: normalisationCase,
  },
  {
    name: "crossEntropy", kind: "reduce", surface: { operands: ["yhat", "y"], attrs: [], distinctive: true },
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
    // The label need not be one-hot for the VJP to hold; ŷ must be positive for the log.
    selfTest(d) {
      const shape = d.shape(1, 3);
      return { operands: [{ shape, fill: "positive" }, { shape }] };
    },
  },
];
