// Ops that move elements without computing on them: reshape (same elements, new shape), concat
// (join along an axis, whose dims add up: [1,H] and [1,K] → [1,H+K]) and slice (a range along an
// axis). Their Jacobians are linear relabellings; shape rules compute with dim expressions.

import { dimAdd, dimDivExact, dimSign, dimSub, formatProduct, shapeProduct } from "../shape/dim";
import { fail, ok, ShapeResult } from "../shape/problems";
import { Dim, formatDim, formatShape, Shape } from "../shape/shape";
import { concatAxis, make, normAxis, sliceAxis, sliceBounds } from "./kernels";
import { checkAxis } from "./reduce";
import type { Draw, SelfTestCase } from "./selftest";
import type { AttrDim, OpAttrs, OpDef } from "./types";

function mismatch(message: string, operands?: number[]): ShapeResult {
  return fail({ code: "shape-mismatch", message, ...(operands ? { operands } : {}) });
}

function reshapeShape(a: Shape | null, shape: readonly AttrDim[] | undefined): ShapeResult {
  if (shape === undefined) return ok(null);
  const to = formatShape(shape);
  const bad = shape.find((d) => typeof d === "number" && (!Number.isInteger(d) || d < -1));
  if (bad !== undefined) return mismatch(`reshape to ${to}: ${bad} is not a size (sizes are integers ≥ 0, or one -1 to infer)`);
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1) return mismatch(`reshape to ${to}: at most one size may be -1 (inferred)`);
  const given = shape.filter((d) => d !== -1);
  if (a == null) return ok(shape.map((d) => (d === -1 ? null : d)));
  const count = shapeProduct(a);
  const known = shapeProduct(given);
  if (holes === 1) {
    const inferred = dimDivExact(count, known);
    if (inferred === null && typeof count === "number" && typeof known === "number") {
      return mismatch(`reshape ${formatShape(a)} → ${to}: element count ${count} is not a multiple of ${known}`, [0]);
    }
    // A symbolic count that does not divide as polynomials may still divide at run time: unknown.
    return ok(shape.map((d) => (d === -1 ? inferred : d)));
  }
  if (count !== null && known !== null && count !== known) {
    return mismatch(`reshape ${formatShape(a)} → ${to}: element counts ${formatProduct(a)} and ${formatProduct(given)} differ`, [0]);
  }
  return ok(shape);
}

function concatShape(shapes: ReadonlyArray<Shape | null>, axis: number): ShapeResult {
  if (shapes.length === 0) return mismatch("concat needs at least one tensor to join");
  const list = shapes.map((s) => formatShape(s)).join(", ");
  const first = shapes.findIndex((s) => s !== null);
  if (first < 0) return ok(null);
  const base = shapes[first]!;
  for (let i = first + 1; i < shapes.length; i++) {
    const s = shapes[i];
    if (s && s.length !== base.length) return mismatch(`concat ${list}: ranks ${base.length} and ${s.length} differ`, [first, i]);
  }
  const ax = checkAxis("concat", axis, base);
  if (typeof ax !== "number") return ax;
  const out: Dim[] = base.slice();
  // Which operand each known dim came from, to name the clashing pair.
  const from = base.map(() => first);
  for (let i = first + 1; i < shapes.length; i++) {
    const s = shapes[i];
    if (!s) continue;
    for (let j = 0; j < s.length; j++) {
      if (j === ax || s[j] === null) continue;
      if (out[j] === null) {
        out[j] = s[j]!;
        from[j] = i;
      } else if (s[j] !== out[j]) {
        return fail({
          code: "shape-mismatch",
          message: `concat ${list} along axis ${axis}: dimensions ${formatDim(out[j]!)} and ${formatDim(s[j]!)} differ (axis ${j})`,
          dims: [out[j]!, s[j]!],
          operands: [from[j]!, i],
          // Concatenating along j instead fits when the operands agree along the given axis.
          ...(shapes.every((t) => !t || t[ax] === base[ax]) ? { axis: j } : {}),
        });
      }
    }
  }
  out[ax] = shapes.reduce<Dim>((sum, s) => dimAdd(sum, s ? s[ax]! : null), 0);
  return ok(out);
}

function sliceShape(a: Shape | null, { axis, start, end }: OpAttrs): ShapeResult {
  if (a == null || axis === undefined || start === undefined) return ok(null);
  const ax = checkAxis("slice", axis, a);
  if (typeof ax !== "number") return ax;
  const label = `slice ${formatShape(a)} axis ${axis} from ${start} to ${end ?? "the end"}`;
  const fractional = [start, end].find((d) => typeof d === "number" && !Number.isInteger(d));
  if (fractional !== undefined) return mismatch(`${label}: ${fractional} is not an integer`, [0]);
  const size = a[ax]!;
  // Python's convention: a negative number counts from the end of the axis.
  const s = typeof start === "number" && start < 0 ? dimAdd(size, start) : start;
  const e = end === undefined ? size : typeof end === "number" && end < 0 ? dimAdd(size, end) : end;
  if (dimSign(s) === "negative") return mismatch(`${label}: start ${start} is before the start of the axis (size ${formatDim(size)})`, [0]);
  const len = dimSub(e, s);
  if (dimSign(len) === "negative") return mismatch(`${label}: start ${formatDim(s)} is after end ${formatDim(e)}`, [0]);
  if (dimSign(dimSub(size, e)) === "negative") {
    return mismatch(`${label}: end ${formatDim(e)} is past the axis's size ${formatDim(size)}`, [0]);
  }
  const out = a.slice();
  out[ax] = len;
  return ok(out);
}

function stackShape(shapes: ReadonlyArray<Shape | null>, axis: number): ShapeResult {
  if (shapes.length === 0) return mismatch("stack needs at least one tensor");
  const first = shapes.findIndex((s) => s !== null);
  if (first < 0) return ok(null);
  const base = shapes[first]!.slice();
  const list = shapes.map((s) => formatShape(s)).join(", ");
  for (let i = first + 1; i < shapes.length; i++) {
    const s = shapes[i];
    if (!s) continue;
    if (s.length !== base.length) return mismatch(`stack ${list}: ranks ${base.length} and ${s.length} differ`, [first, i]);
    const j = s.findIndex((d, k) => d !== null && base[k] !== null && d !== base[k]);
    if (j >= 0) {
      return fail({
        code: "shape-mismatch",
        message: `stack ${list}: shapes must be equal, but dimensions ${formatDim(base[j]!)} and ${formatDim(s[j]!)} differ (axis ${j})`,
        dims: [base[j]!, s[j]!],
        operands: [first, i],
      });
    }
    s.forEach((d, k) => (base[k] ??= d));
  }
  // The new axis may go anywhere in the result, which has one axis more.
  const ax = checkAxis("stack", axis, [...base, 1]);
  if (typeof ax !== "number") return ax;
  return ok([...base.slice(0, ax), shapes.length, ...base.slice(ax)]);
}

/** A shape with its dims shuffled, two of them merged, or one of them left to -1. */
function reshapeCase(d: Draw): SelfTestCase {
  const from = d.shape(0, 3);
  let to = d.permutation(from.length).map((i) => from[i]!);
  if (to.length >= 2 && d.bool()) to = [to[0]! * to[1]!, ...to.slice(2)];
  const shape: AttrDim[] = to.slice();
  if (shape.length > 0 && d.bool()) shape[d.int(0, shape.length - 1)] = -1;
  return { operands: [{ shape: from }], attrs: { shape } };
}

function concatCase(d: Draw): SelfTestCase {
  const base = d.shape(1, 3);
  const axis = d.axis(base.length);
  const ax = normAxis(axis, base.length);
  const operands = Array.from({ length: d.int(1, 3) }, () => {
    const shape = base.slice();
    shape[ax] = d.int(1, 3);
    return { shape };
  });
  return { operands, attrs: d.bool() || ax !== 0 ? { axis } : {} };
}

/** An axis of a shape and bounds on it, written as Python would (negatives, end left out) at random. */
export function sliceAttrs(d: Draw, shape: readonly number[]): OpAttrs {
  const axis = d.axis(shape.length);
  const size = shape[normAxis(axis, shape.length)]!;
  const s = d.int(0, size);
  const e = d.int(s, size);
  const start = s > 0 && d.bool() ? s - size : s;
  if (e === size && d.bool()) return { axis, start };
  return { axis, start, end: e > 0 && e < size && d.bool() ? e - size : e };
}

export const LAYOUT: OpDef[] = [
  {
    name: "reshape", kind: "layout", surface: { operands: ["a"], attrs: [{ name: "shape" }] },
    doc: "a with a new shape of the same number of elements (one size may be -1, inferred); row-major order kept",
    jacobian: "linear",
    jacobianDoc: "a relabelling of elements: the gradient is reshaped back, reshape(g, shape of a)",
    shape: ([a], { shape }) => reshapeShape(a ?? null, shape),
    forward([a], { shape }) {
      const known = shape!.filter((d) => d !== -1).reduce<number>((n, d) => n * (d as number), 1);
      return make(shape!.map((d) => (d === -1 ? a!.data.length / known : (d as number))), a!.data.slice());
    },
    vjp: (o, g, [a]) => [o.reshapeAs!(g, a!)],
    selfTest: reshapeCase,
  },
  {
    name: "concat", kind: "layout", surface: { operands: ["tensors"], list: true, attrs: [{ name: "axis", optional: true }] },
    doc: "concat([a, b, …], axis): joined along axis (default 0), whose dims add up ([1,H], [1,K] → [1,H+K])",
    jacobian: "linear",
    jacobianDoc: "a block of the identity per operand: each operand gets its slice of g back",
    shape: (shapes, { axis }) => concatShape(shapes, axis ?? 0),
    forward: (inputs, { axis }) => concatAxis(inputs, normAxis(axis ?? 0, inputs[0]!.shape.length)),
    vjp(o, g, args, _out, { axis }) {
      const rank = o.shapeOf(g)?.length;
      if (rank === undefined) throw new Error("chainrule: concat's gradient needs operands of known rank");
      const ax = normAxis(axis ?? 0, rank);
      let start: Dim = 0;
      return args.map((x) => {
        const end = dimAdd(start, o.shapeOf(x)?.[ax] ?? null);
        if (start === null || end === null) throw new Error("chainrule: concat's gradient needs the operands' sizes along its axis");
        const part = o.slice!(g, o.attrs({ axis: ax, start, end }));
        start = end;
        return part;
      });
    },
    selfTest: concatCase,
  },
  {
    name: "stack", kind: "layout", surface: { operands: ["tensors"], list: true, attrs: [{ name: "axis", optional: true }] },
    doc: "stack([a, b, …], axis): equal shapes joined along a new axis (default 0) of their count ([1,H], [1,H] → [2,1,H])",
    jacobian: "linear",
    jacobianDoc: "a block of the identity per operand: each operand gets its slice of g along the new axis back",
    shape: (shapes, { axis }) => stackShape(shapes, axis ?? 0),
    forward(inputs, { axis }) {
      const ax = normAxis(axis ?? 0, inputs[0]!.shape.length + 1);
      const lifted = inputs.map((t) => make([...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)], t.data));
      return concatAxis(lifted, ax);
    },
    vjp(o, g, args, _out, { axis }) {
      const rank = o.shapeOf(g)?.length;
      if (rank === undefined) throw new Error("chainrule: stack's gradient needs operands of known rank");
      const ax = normAxis(axis ?? 0, rank);
      return args.map((x, i) => o.reshapeAs!(o.slice!(g, o.attrs({ axis: ax, start: i, end: i + 1 })), x));
    },
    selfTest(d) {
      const shape = d.shape(0, 2);
      const operands = Array.from({ length: d.int(1, 3) }, () => ({ shape }));
      return { operands, attrs: d.bool() ? { axis: d.axis(shape.length + 1) } : {} };
    },
  },
  {
    name: "slice", kind: "layout",
    surface: { operands: ["a"], attrs: [{ name: "axis" }, { name: "start" }, { name: "end", optional: true }] },
    doc: "slice(a, axis, start, end): elements start ≤ i < end along axis, which gets end − start (negatives count from the end)",
    jacobian: "linear",
    jacobianDoc: "a selection: the gradient is g placed back at [start, end) along the axis, zero elsewhere",
    shape: ([a], attrs) => sliceShape(a ?? null, attrs),
    forward([a], { axis, start, end }) {
      const ax = normAxis(axis!, a!.shape.length);
      const [s, e] = sliceBounds(a!.shape[ax]!, start as number, end as number | undefined);
      return sliceAxis(a!, ax, s, e);
    },
    // g between zeros along the axis, concat([0 before, g, 0 after], axis), in ops users write
    // (so that explain --emit can write it); the zeros are the slices of a outside [start, end)
    // times 0, with their sizes as dim expressions. An unknown size keeps the placement op.
    vjp(o, g, [a], _out, attrs) {
      const shape = o.shapeOf(a!);
      const ax = shape ? normAxis(attrs.axis!, shape.length) : -1;
      const size = shape?.[ax] ?? null;
      if (size === null) return [o.unslice!(g, a!, o.attrs(attrs))];
      const { start = 0, end } = attrs;
      const s = typeof start === "number" && start < 0 ? dimAdd(size, start) : start;
      const e = end === undefined ? size : typeof end === "number" && end < 0 ? dimAdd(size, end) : end;
      const parts = [g];
      if (s !== 0) parts.unshift(o.mul!(o.slice!(a!, o.attrs({ axis: ax, start: 0, end: s! })), 0));
      if (dimSub(size, e) !== 0) parts.push(o.mul!(o.slice!(a!, o.attrs({ axis: ax, start: e! })), 0));
      return [parts.length === 1 ? g : o.concat!(...parts, o.attrs({ axis: ax }))];
    },
    selfTest(d) {
      const shape = d.shape(1, 3);
      return { operands: [{ shape }], attrs: sliceAttrs(d, shape) };
    },
  },
];
