// Matrix ops: their Jacobians are linear maps with structure (Wᵀ, a permutation), not diagonals.

import { fail, ok, ShapeResult } from "../shape/problems";
import { Dim, formatDim, formatShape, Shape } from "../shape/shape";
import { make, matmul as matmulKernel, transpose as transposeKernel } from "./kernels";
import type { OpDef } from "./types";

function rank2(op: string, what: string, s: Shape): ShapeResult | null {
  if (s.length === 2) return null;
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

function notVector(op: string, what: string, s: Shape): ShapeResult {
  return fail({
    code: "rank-mismatch",
    message: `${op} needs a row [1,n] or column [n,1] vector, but ${what} is ${formatShape(s)}`,
  });
}

export const LINALG: OpDef[] = [
  {
    name: "matmul", kind: "binary", arity: 2, symbol: "@",
    doc: "[m,k] @ [k,n] → [m,n], the matrix product",
    jacobian: "linear",
    jacobianDoc: "∂(a@b)/∂a is the linear map g ↦ g @ bᵀ; ∂(a@b)/∂b is g ↦ aᵀ @ g",
    shape([a, b]) {
      if (a == null || b == null) {
        const known = a ?? b;
        return known ? rank2("matmul", a ? "the left operand" : "the right operand", known) ?? ok(null) : ok(null);
      }
      const bad = rank2("matmul", "the left operand", a) ?? rank2("matmul", "the right operand", b);
      if (bad) return bad;
      const [m, k1] = a as [Dim, Dim];
      const [k2, n] = b as [Dim, Dim];
      if (k1 !== null && k2 !== null && k1 !== k2) {
        return fail({
          code: "matmul-mismatch",
          message: `matmul ${formatShape(a)} @ ${formatShape(b)}: inner dimensions ${formatDim(k1)} and ${formatDim(k2)} differ`,
          dims: [k1, k2],
          operands: [0, 1],
        });
      }
      return ok([m, n]);
    },
    forward: ([a, b]) => matmulKernel(a!, b!),
    vjp: (o, g, [a, b]) => [o.matmul!(g, o.transpose!(b!)), o.matmul!(o.transpose!(a!), g)],
  },
  {
    name: "transpose", kind: "unary", arity: 1, symbol: "ᵀ",
    doc: "aᵀ: [m,n] → [n,m]",
    jacobian: "linear",
    jacobianDoc: "a permutation: the gradient is transposed back, gᵀ",
    shape([a]) {
      if (a == null) return ok(null);
      return rank2("transpose", "the operand", a) ?? ok([a[1]!, a[0]!]);
    },
    forward: ([a]) => transposeKernel(a!),
    vjp: (o, g) => [o.transpose!(g)],
  },
  {
    name: "diag", kind: "unary", arity: 1,
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
  },
  {
    name: "outer", kind: "binary", arity: 2,
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
  },
];
