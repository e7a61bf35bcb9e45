// Matrix ops: their Jacobians are linear maps with structure (Wᵀ, a permutation), not diagonals.
// matmul multiplies the last two axes and broadcasts leading batch axes, as NumPy's does.

import { broadcastShapes } from "../shape/broadcast";
import { fail, ok, ShapeResult } from "../shape/problems";
import { Dim, formatDim, formatShape, Shape } from "../shape/shape";
import { matmulDelta } from "./delta";
import { BINARY, UNARY } from "./elementwise";
import { make, matmul as matmulKernel, normAxis, permute, transpose as transposeKernel } from "./kernels";
import type { Draw } from "./selftest";
import type { OpDef } from "./types";

/** matmul needs rank ≥ 2 (batch axes may lead); transpose without axes exactly 2. */
function rank2(op: string, what: string, s: Shape): ShapeResult | null {
  if (s.length === 2 || (op === "matmul" && s.length > 2)) return null;
  return fail({
    code: op === "matmul" ? "matmul-mismatch" : "rank-mismatch",
    message: `${op} needs rank 2, but ${what} ${formatShape(s)} has rank ${s.length}`,
  });
}

/** The n of a [1,n] or [n,1] vector; undefined when the shape is not vector-like; null when unknown. */
function vectorLength(s: Shape): Dim | undefined {
  if (s.length !== 2) return undefined;
  const [r, c] = s as [Dim, Dim];
  if (r === 1) return c;
  if (c === 1) return r;
  if (r === null || c === null) return null;
  return undefined;
}

/** A [1,n] or [n,1] shape. */
export function vector(d: Draw): number[] {
  const n = d.dim();
  return d.bool() ? [1, n] : [n, 1];
}

function notVector(op: string, what: string, s: Shape): ShapeResult {
  return fail({
    code: "rank-mismatch",
    message: `${op} needs a row [1,n] or column [n,1] vector, but ${what} is ${formatShape(s)}`,
  });
}

/** Axes given to transpose, normalised; a problem when they are not a permutation of a's axes. */
function permutation(a: Shape, axes: readonly number[]): number[] | ShapeResult {
  const r = a.length;
  if (axes.length !== r) {
    return fail({ code: "rank-mismatch", message: `transpose axes [${axes.join(",")}] do not fit ${formatShape(a)} of rank ${r}` });
  }
  const norm = axes.map((x) => normAxis(x, r));
  const seen = new Set(norm);
  if (!axes.every(Number.isInteger) || seen.size !== r || norm.some((x) => x < 0 || x >= r)) {
    return fail({ code: "rank-mismatch", message: `transpose axes [${axes.join(",")}] are not a permutation of the ${r} axes of ${formatShape(a)}` });
  }
  return norm;
}

function inverse(p: readonly number[]): number[] {
  const inv = new Array<number>(p.length);
  p.forEach((x, i) => (inv[x] = i));
  return inv;
}

/** The axes that swap the last two of rank r (r ≥ 2), leading batch axes in place. */
function swapLastTwo(r: number): number[] {
  return [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
}

function matmulShape([a, b]: ReadonlyArray<Shape | null>): ShapeResult {
  if (a == null || b == null) {
    const known = a ?? b;
    return known ? rank2("matmul", a ? "the left operand" : "the right operand", known) ?? ok(null) : ok(null);
  }
  const bad = rank2("matmul", "the left operand", a) ?? rank2("matmul", "the right operand", b);
  if (bad) return bad;
  const m = a[a.length - 2]!;
  const k1 = a[a.length - 1]!;
  const k2 = b[b.length - 2]!;
  const n = b[b.length - 1]!;
  if (k1 !== null && k2 !== null && k1 !== k2) {
    return fail({
      code: "matmul-mismatch",
      message: `matmul ${formatShape(a)} @ ${formatShape(b)}: inner dimensions ${formatDim(k1)} and ${formatDim(k2)} differ`,
      dims: [k1, k2],
      operands: [0, 1],
    });
  }
  if (a.length === 2 && b.length === 2) return ok([m, n]);
  const batchA = a.slice(0, -2);
  const batchB = b.slice(0, -2);
  const batch = broadcastShapes("matmul", "@", batchA, batchB);
  if (!batch.ok) {
    const [x, y] = batch.problem.dims ?? [null, null];
    return fail({
      code: "matmul-mismatch",
      message: `matmul ${formatShape(a)} @ ${formatShape(b)}: batch dimensions ${formatDim(x)} and ${formatDim(y)} cannot broadcast (batch shapes ${formatShape(batchA)} and ${formatShape(batchB)})`,
      ...(batch.problem.dims ? { dims: batch.problem.dims } : {}),
      operands: [0, 1],
    });
  }
  return ok([...batch.shape!, m, n]);
}

export const LINALG: OpDef[] = [
  {
    name: "matmul", kind: "linalg", surface: { ...BINARY, distinctive: true }, symbol: "@",
    doc: "[m,k] @ [k,n] → [m,n], the matrix product; leading batch axes broadcast ([B,T,D] @ [D,H] → [B,T,H])",
    jacobian: "linear",
    jacobianDoc: "∂(a@b)/∂a is the linear map g ↦ g @ bᵀ; ∂(a@b)/∂b is g ↦ aᵀ @ g",
    shape: matmulShape,
    forward: ([a, b]) => matmulKernel(a!, b!),
    delta: matmulDelta,
    vjp(o, g, [a, b]) {
      const ra = o.shapeOf(a!)?.length ?? 2;
      const rb = o.shapeOf(b!)?.length ?? 2;
      if (ra === 2 && rb === 2) return [o.matmul!(g, o.transpose!(b!)), o.matmul!(o.transpose!(a!), g)];
      // Batched: the same maps per batch element, summed over the batch axes an operand was broadcast along.
      const t = (x: typeof a, r: number) => (r === 2 ? o.transpose!(x!) : o.transpose!(x!, o.attrs({ axes: swapLastTwo(r) })));
      return [o.unbroadcast!(o.matmul!(g, t(b, rb)), a!), o.unbroadcast!(o.matmul!(t(a, ra), g), b!)];
    },
    selfTest(d) {
      const [m, k, n] = [d.dim(), d.dim(), d.dim()];
      if (d.bool()) return { operands: [{ shape: [m, k] }, { shape: [k, n] }] };
      const { a, b } = d.broadcastPair(2);
      return { operands: [{ shape: [...a, m, k] }, { shape: [...b, k, n] }] };
    },
  },
  {
    name: "transpose", kind: "linalg", surface: { operands: ["a"], attrs: [{ name: "axes", optional: true }], distinctive: true }, symbol: "ᵀ",
    doc: "aᵀ: [m,n] → [n,m]; with axes, any rank permuted (axis i of the result is axis axes[i] of a)",
    jacobian: "linear",
    jacobianDoc: "a permutation: the gradient is transposed back, gᵀ (with axes, by the inverse permutation)",
    shape([a], { axes }) {
      if (a == null) return ok(null);
      if (axes === undefined) return rank2("transpose", "the operand", a) ?? ok([a[1]!, a[0]!]);
      const p = permutation(a, axes);
      return Array.isArray(p) ? ok(p.map((i) => a[i]!)) : p;
    },
    forward: ([a], { axes }) => (axes === undefined ? transposeKernel(a!) : permute(a!, axes.map((x) => normAxis(x, a!.shape.length)))),
    vjp(o, g, [a], _out, { axes }) {
      if (axes === undefined) return [o.transpose!(g)];
      const r = axes.length;
      return [o.transpose!(g, o.attrs({ axes: inverse(axes.map((x) => normAxis(x, r))) }))];
    },
    selfTest(d) {
      if (d.bool()) return { operands: [{ shape: [d.dim(), d.dim()] }] };
      const shape = d.shape(0, 4);
      const axes = d.permutation(shape.length).map((x) => (d.bool() ? x - shape.length : x));
      return { operands: [{ shape }], attrs: { axes } };
    },
  },
  {
    name: "diag", kind: "linalg", surface: UNARY,
    doc: "diag(v): a [1,n] or [n,1] vector → the [n,n] matrix with v on its diagonal",
    jacobian: "linear",
    jacobianDoc: "picks the diagonal back out: ∂/∂v = diagonal of g",
    shape([a]) {
      if (a == null) return ok(null);
      if (a.length !== 2) return notVector("diag", "the operand", a);
      const n = vectorLength(a);
      if (n === undefined) return notVector("diag", "the operand", a);
      return ok([n, n]);
    },
    forward([a]) {
      const n = a!.data.length;
      const out = new Float64Array(n * n);
      for (let i = 0; i < n; i++) out[i * n + i] = a!.data[i]!;
      return make([n, n], out);
    },
    vjp: (o, g, [v]) => [o.diagPart!(g, v!)],
    selfTest: (d) => ({ operands: [{ shape: vector(d) }] }),
  },
  {
    name: "outer", kind: "linalg", surface: { ...BINARY, distinctive: true },
    doc: "outer(a, b) = a bᵀ as vectors: [m] with [n] (rows or columns) → [m,n]",
    jacobian: "linear",
    jacobianDoc: "∂/∂a = g b (row sums of g ⊙ b), ∂/∂b = gᵀ a",
    shape([a, b]) {
      if (a == null || b == null) return ok(null);
      const m = vectorLength(a);
      if (m === undefined) return notVector("outer", "the left operand", a);
      const n = vectorLength(b);
      if (n === undefined) return notVector("outer", "the right operand", b);
      return ok([m, n]);
    },
    forward([a, b]) {
      const m = a!.data.length;
      const n = b!.data.length;
      const out = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = a!.data[i]! * b!.data[j]!;
      return make([m, n], out);
    },
    vjp(o, g, [a, b]) {
      // Rows of g are indexed by a, columns by b: reduce the other axis against the other vector.
      const asCol = o.sum!(g, o.attrs({ axis: 1 })); // [m,1]
      const asRow = o.sum!(g, o.attrs({ axis: 0 })); // [1,n]
      const bRow = o.reshapeAs!(b!, asRow);
      const aCol = o.reshapeAs!(a!, asCol);
      return [
        o.reshapeAs!(o.sum!(o.mul!(g, bRow), o.attrs({ axis: 1 })), a!),
        o.reshapeAs!(o.sum!(o.mul!(g, aCol), o.attrs({ axis: 0 })), b!),
      ];
    },
    selfTest: (d) => ({ operands: [{ shape: vector(d) }, { shape: vector(d) }] }),
  },
];
