// Ops that VJPs need but users do not write: moving a gradient between broadcast shapes,
// reshaping vectors, reading a diagonal, counting. The second operand of most only lends its shape.

import { ok } from "../shape/problems";
import { expandTo, make, normAxis, sliceBounds, sumTo, unsliceAxis } from "./kernels";
import { sliceAttrs } from "./layout";
import { vector } from "./linalg";
import type { OpDef, Surface } from "./types";

const shapeOfSecond: OpDef["shape"] = ([, like]) => ok(like ?? null);
const WITH_LIKE: Surface = { operands: ["a", "like"], attrs: [] };

export const INTERNAL: OpDef[] = [
  {
    name: "unbroadcast", kind: "internal", surface: WITH_LIKE,
    doc: "Σ over the axes along which `like` was broadcast: the adjoint of broadcasting",
    jacobian: "linear", jacobianDoc: "a sum over broadcast axes",
    shape: shapeOfSecond,
    forward: ([a, like]) => sumTo(a!, like!.shape),
    vjp: (o, g, [a, like]) => [o.expandAs!(g, a!), o.mul!(like!, 0)],
    // `like` is the smaller shape that was broadcast up to the gradient's.
    selfTest(d) {
      const { base, a } = d.broadcastPair();
      return { operands: [{ shape: base }, { shape: a }] };
    },
  },
  {
    name: "expandAs", kind: "internal", surface: WITH_LIKE,
    doc: "a broadcast to the shape of `like`",
    jacobian: "linear", jacobianDoc: "a copy along broadcast axes; its adjoint sums them",
    shape: shapeOfSecond,
    forward: ([a, like]) => expandTo(a!, like!.shape),
    vjp: (o, g, [a, like]) => [o.unbroadcast!(g, a!), o.mul!(like!, 0)],
    selfTest(d) {
      const { base, a } = d.broadcastPair();
      return { operands: [{ shape: a }, { shape: base }] };
    },
  },
  {
    name: "reshapeAs", kind: "internal", surface: WITH_LIKE,
    doc: "a with the shape of `like` (same number of elements)",
    jacobian: "linear", jacobianDoc: "a relabelling of elements",
    shape: shapeOfSecond,
    forward: ([a, like]) => make(like!.shape, a!.data.slice()),
    vjp: (o, g, [a, like]) => [o.reshapeAs!(g, a!), o.mul!(like!, 0)],
    selfTest(d) {
      const shape = d.shape(0, 3);
      return { operands: [{ shape }, { shape: shape.slice().reverse() }] };
    },
  },
  {
    name: "diagPart", kind: "internal", surface: WITH_LIKE,
    doc: "the diagonal of a square matrix, shaped like `like`",
    jacobian: "linear", jacobianDoc: "picks n of n² entries",
    shape: shapeOfSecond,
    forward([a, like]) {
      const n = a!.shape[0]!;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = a!.data[i * n + i]!;
      return make(like!.shape, out);
    },
    vjp: (o, g, [, like]) => [o.diag!(g), o.mul!(like!, 0)],
    selfTest(d) {
      const v = vector(d);
      const n = v[0]! * v[1]!;
      return { operands: [{ shape: [n, n] }, { shape: v }] };
    },
  },
  {
    name: "count", kind: "internal", surface: { operands: ["a"], attrs: [{ name: "axis", optional: true }] },
    doc: "the number of elements a reduction over `axis` (or all) combines",
    jacobian: "linear", jacobianDoc: "constant in a",
    shape: () => ok([]),
    forward: ([a], attrs) =>
      make([], new Float64Array([attrs.axis === undefined ? a!.data.length : a!.shape[normAxis(attrs.axis, a!.shape.length)]!])),
    vjp: (o, g, [a]) => [o.expandAs!(o.mul!(g, 0), a!)],
    selfTest(d) {
      const shape = d.shape(0, 3);
      return { operands: [{ shape }], attrs: shape.length && d.bool() ? { axis: d.axis(shape.length) } : {} };
    },
  },
  {
    name: "unslice", kind: "internal",
    surface: { operands: ["a", "like"], attrs: [{ name: "axis" }, { name: "start" }, { name: "end", optional: true }] },
    doc: "a placed at [start, end) along axis of zeros shaped like `like`: the adjoint of slice",
    jacobian: "linear", jacobianDoc: "a placement; its adjoint is the slice",
    shape: shapeOfSecond,
    forward([a, like], { axis, start, end }) {
      const ax = normAxis(axis!, like!.shape.length);
      const [s, e] = sliceBounds(like!.shape[ax]!, start as number, end as number | undefined);
      return unsliceAxis(a!, like!.shape, ax, s, e);
    },
    vjp: (o, g, [, like], _out, attrs) => [o.slice!(g, o.attrs(attrs)), o.mul!(like!, 0)],
    selfTest(d) {
      const like = d.shape(1, 3);
      const attrs = sliceAttrs(d, like);
      const ax = normAxis(attrs.axis!, like.length);
      const [s, e] = sliceBounds(like[ax]!, attrs.start as number, attrs.end as number | undefined);
      const shape = like.slice();
      shape[ax] = e - s;
      return { operands: [{ shape }, { shape: like }], attrs };
    },
  },
];
