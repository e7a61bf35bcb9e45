// Comparisons and selection, element-wise with broadcasting: `maximum`/`minimum` (the gradient goes
// to the larger/smaller operand; ties share it), the 0/1 masks `gt`/`lt` (zero gradient), and
// `where(mask, a, b)`, which picks a where the mask is non-zero and b elsewhere.

import { broadcastShapes } from "../shape/broadcast";
import { fail, ok, ShapeResult } from "../shape/problems";
import { formatDim, formatShape, Shape } from "../shape/shape";
import { pointwiseDelta } from "./delta";
import { zip3 } from "./kernels";
import type { Draw, SelfTestCase } from "./selftest";
import { binary, broadcastOperands } from "./elementwise";
import type { OpDef, Ops } from "./types";

/** Two operands with about a third of their elements tied, to check that ties share the gradient. */
function tiedOperands(d: Draw): SelfTestCase {
  const { a, b } = d.broadcastPair(3);
  // Same shape, so every element pairs with one element of the other and a tie is exact.
  const shape = d.bool() ? a : b;
  const n = shape.reduce((s, x) => s * x, 1);
  const x = d.values(n);
  const y = d.values(n).map((v, i) => (d.int(0, 2) === 0 ? x[i]! : v));
  return { operands: [{ shape, data: x }, { shape, data: y }] };
}

/**
 * The share of the gradient `a` gets against `b` in maximum(a, b): 1 where a > b, ½ on a tie, 0
 * elsewhere, i.e. (1 + 𝟙[a>b] − 𝟙[a<b]) / 2, the central difference at a tie.
 */
function share<T>(o: Ops<T>, a: T, b: T): T {
  return o.mul!(0.5, o.add!(1, o.sub!(o.gt!(a, b), o.lt!(a, b))));
}

const whereForward: OpDef["forward"] = ([m, a, b]) => zip3(m!, a!, b!, (c, x, y) => (c !== 0 ? x : y));

const zeroGradient: OpDef["vjp"] = (o, _g, args) => args.map((x) => o.mul!(x, 0));

function whereShape([m = null, a = null, b = null]: ReadonlyArray<Shape | null>): ShapeResult {
  const ma = broadcastShapes("where", ",", m, a);
  const all = ma.ok ? broadcastShapes("where", ",", ma.shape, b) : ma;
  if (all.ok) return ok(all.shape);
  // Name the pair that clashes: the mask and a, else a and b, else the mask and b.
  const operands = !ma.ok ? [0, 1] : !broadcastShapes("where", ",", a, b).ok ? [1, 2] : [0, 2];
  const names = ["the mask", "a", "b"];
  const [x, y] = all.problem.dims ?? [null, null];
  return fail({
    code: "shape-mismatch",
    message: `where(${formatShape(m)}, ${formatShape(a)}, ${formatShape(b)}): ${names[operands[0]!]} and ${names[operands[1]!]} cannot broadcast (dimensions ${formatDim(x)} and ${formatDim(y)})`,
    ...(all.problem.dims ? { dims: all.problem.dims } : {}),
    operands,
  });
}

export const COMPARE: OpDef[] = [
  binary({
    name: "maximum", doc: "the larger of a and b, element-wise with broadcasting",
    jacobianDoc: "the gradient goes to the larger operand, shared equally on a tie",
    f: (x, y) => (x >= y ? x : y),
    vjp: (o, g, [a, b]) => [o.unbroadcast!(o.mul!(g, share(o, a!, b!)), a!), o.unbroadcast!(o.mul!(g, share(o, b!, a!)), b!)],
    selfTest: (d) => (d.bool() ? tiedOperands(d) : broadcastOperands()(d)),
  }),
  binary({
    name: "minimum", doc: "the smaller of a and b, element-wise with broadcasting",
    jacobianDoc: "the gradient goes to the smaller operand, shared equally on a tie",
    f: (x, y) => (x <= y ? x : y),
    vjp: (o, g, [a, b]) => [o.unbroadcast!(o.mul!(g, share(o, b!, a!)), a!), o.unbroadcast!(o.mul!(g, share(o, a!, b!)), b!)],
    selfTest: (d) => (d.bool() ? tiedOperands(d) : broadcastOperands()(d)),
  }),
  binary({
    name: "gt", symbol: ">", doc: "𝟙[a > b]: a 0/1 mask, element-wise with broadcasting",
    jacobianDoc: "piecewise constant: zero gradient to both operands",
    f: (x, y) => (x > y ? 1 : 0),
    vjp: zeroGradient,
  }),
  binary({
    name: "lt", symbol: "<", doc: "𝟙[a < b]: a 0/1 mask, element-wise with broadcasting",
    jacobianDoc: "piecewise constant: zero gradient to both operands",
    f: (x, y) => (x < y ? 1 : 0),
    vjp: zeroGradient,
  }),
  {
    name: "where", kind: "elementwise", surface: { operands: ["mask", "a", "b"], attrs: [] },
    doc: "where(mask, a, b): a where mask ≠ 0, else b; all three broadcast",
    jacobian: "diagonal",
    jacobianDoc: "a selection: the gradient goes to a where the mask is set and to b elsewhere; none to the mask",
    shape: whereShape,
    forward: whereForward,
    delta: pointwiseDelta(whereForward),
    vjp: (o, g, [m, a, b]) => [o.mul!(m!, 0), o.unbroadcast!(o.where!(m!, g, 0), a!), o.unbroadcast!(o.where!(m!, 0, g), b!)],
    selfTest(d) {
      const { base, a, b } = d.broadcastPair(3);
      return { operands: [{ shape: d.bool() ? base : a, fill: "mask" }, { shape: a }, { shape: b }] };
    },
  },
];
