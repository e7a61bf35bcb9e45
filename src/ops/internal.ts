// Ops that VJPs need but users do not write: moving a gradient between broadcast shapes,
// reshaping vectors, reading a diagonal, counting. The second operand of most only lends its shape.

import { ok } from "../shape/problems";
import { expandTo, make, normAxis, sumTo } from "./kernels";
import type { OpDef } from "./types";

const shapeOfSecond: OpDef["shape"] = ([, like]) => ok(like ?? null);

export const INTERNAL: OpDef[] = [
  {
    name: "unbroadcast", kind: "internal", arity: 2,
    doc: "Σ over the axes along which `like` was broadcast: the adjoint of broadcasting",
    jacobian: "linear", jacobianDoc: "a sum over broadcast axes",
    shape: shapeOfSecond,
    forward: ([a, like]) => sumTo(a!, like!.shape),
    vjp: (o, g, [a, like]) => [o.expandAs!(g, a!), o.mul!(like!, 0)],
  },
  {
    name: "expandAs", kind: "internal", arity: 2,
    doc: "a broadcast to the shape of `like`",
    jacobian: "linear", jacobianDoc: "a copy along broadcast axes; its adjoint sums them",
    shape: shapeOfSecond,
    forward: ([a, like]) => expandTo(a!, like!.shape),
    vjp: (o, g, [a, like]) => [o.unbroadcast!(g, a!), o.mul!(like!, 0)],
  },
  {
    name: "reshapeAs", kind: "internal", arity: 2,
    doc: "a with the shape of `like` (same number of elements)",
    jacobian: "linear", jacobianDoc: "a relabelling of elements",
    shape: shapeOfSecond,
    forward: ([a, like]) => make(like!.shape, a!.data.slice()),
    vjp: (o, g, [a, like]) => [o.reshapeAs!(g, a!), o.mul!(like!, 0)],
  },
  {
    name: "diagPart", kind: "internal", arity: 2,
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
  },
  {
    name: "count", kind: "internal", arity: 1,
    doc: "the number of elements a reduction over `axis` (or all) combines",
    jacobian: "linear", jacobianDoc: "constant in a",
    shape: () => ok([]),
    forward: ([a], attrs) =>
      make([], new Float64Array([attrs.axis === undefined ? a!.data.length : a!.shape[normAxis(attrs.axis, a!.shape.length)]!])),
    vjp: (o, g, [a]) => [o.expandAs!(o.mul!(g, 0), a!)],
  },
];
