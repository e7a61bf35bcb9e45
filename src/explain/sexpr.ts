// The expressions the backward pass is written in: forward values (`ref`), gradient symbols (∂h),
// constants that carry their shape, and catalog ops. The catalog's VJPs are evaluated over them
// through `simplifyingAlgebra`, which does the hand simplifications (constants folded, ⊙ 1 and
// + 0 gone, sums over broadcast axes written as sum(…, axis)), each checked by the op's shape rule.

import { getOp, opOrThrow } from "../ops/catalog";
import { sameAttrs, type Algebra, type OpAttrs } from "../ops/types";
import { ShapeError } from "../shape/problems";
import { Shape, shapeEquals } from "../shape/shape";
import type { GNode } from "./graph";

export type SExpr =
  | { readonly k: "ref"; readonly node: GNode; readonly shape: Shape | null }
  | { readonly k: "grad"; readonly node: GNode; readonly shape: Shape | null }
  | { readonly k: "const"; readonly value: number; readonly shape: Shape | null }
  | { readonly k: "op"; readonly op: string; readonly args: readonly SExpr[]; readonly attrs: OpAttrs; readonly shape: Shape | null };

export function constE(value: number, shape: Shape | null = []): SExpr {
  return { k: "const", value, shape };
}

/** A forward value; a plain number constant is a constant. */
export function ref(node: GNode): SExpr {
  if (node.kind === "const" && node.value !== undefined) return constE(node.value, node.shape);
  return { k: "ref", node, shape: node.shape };
}

export function gradOf(node: GNode): SExpr {
  return { k: "grad", node, shape: node.shape };
}

const isTransposed = (e: SExpr) => (e.k === "op" && e.op === "transpose") || (e.k === "ref" && e.node.kind === "op" && e.node.op === "transpose");
/** Whether transposing by `outer` undoes transposing by `inner` (no axes: the rank-2 swap). */
function undoes(inner: OpAttrs, outer: OpAttrs, shape: Shape | null): boolean {
  if (inner.axes === undefined && outer.axes === undefined) return true;
  const r = shape?.length ?? inner.axes?.length ?? outer.axes?.length ?? 2;
  const perm = (axes: readonly number[] | undefined) => (axes ?? [1, 0]).map((x) => (x < 0 ? x + r : x));
  const p = perm(outer.axes);
  const q = perm(inner.axes);
  return p.length === r && q.length === r && p.every((x, i) => q[x] === i);
}
const isNeg = (e: SExpr): e is SExpr & { k: "op" } => e.k === "op" && e.op === "neg";
const isConst = (e: SExpr | undefined, v?: number): e is SExpr & { k: "const" } => e?.k === "const" && (v === undefined || e.value === v);
const sameShape = (a: SExpr, b: SExpr) => shapeEquals(a.shape, b.shape);

/**
 * Structural equality (identity first: rewrites hand back their operand itself). Gives up, as
 * "different", after comparing `budget` nodes: expressions are DAGs, and two equal but separately
 * built ones would otherwise be compared once per path. A missed equality only misses a rewrite.
 */
export function sameExpr(a: SExpr, b: SExpr, budget = { left: 2000 }): boolean {
  if (a === b) return true;
  if (--budget.left < 0) return false;
  if (a.k !== b.k) return false;
  switch (a.k) {
    case "ref":
    case "grad":
      return a.node === (b as typeof a).node;
    case "const":
      return a.value === (b as typeof a).value && shapeEquals(a.shape, b.shape);
    case "op": {
      const o = b as typeof a;
      return a.op === o.op && sameAttrs(a.attrs, o.attrs) && a.args.length === o.args.length && a.args.every((x, i) => sameExpr(x, o.args[i]!, budget));
    }
  }
}

export interface SimplifyLevel {
  /** Also cancel double transposes: the whole gradient, not a step that shows the rule applied. */
  readonly transposes: boolean;
}

/** The catalog's ops over SExpr, with the hand simplifications. */
export function simplifyingAlgebra(level: SimplifyLevel): Algebra<SExpr> {
  const alg: Algebra<SExpr> = {
    apply(name, args, attrs) {
      const r = opOrThrow(name).shape(args.map((a) => a.shape), attrs);
      // A VJP whose expression does not type-check is a catalog bug: say so with the shape message.
      if (!r.ok) throw new ShapeError(r.problem);
      return rewrite(alg, level, name, args, attrs, r.shape) ?? { k: "op", op: name, args: args.slice(), attrs, shape: r.shape };
    },
    constant: (value) => constE(value),
    shapeOf: (x) => x.shape,
  };
  return alg;
}

function scalarData(v: number) {
  return { shape: [] as number[], data: new Float64Array([v]) };
}

/** A simpler expression with the same value and shape, or null. */
function rewrite(alg: Algebra<SExpr>, level: SimplifyLevel, name: string, args: readonly SExpr[], attrs: OpAttrs, shape: Shape | null): SExpr | null {
  const [a, b] = args as [SExpr, SExpr | undefined];
  const def = getOp(name)!;
  if (args.every((x) => isConst(x)) && def.jacobian === "diagonal" && def.kind !== "reduce") {
    const v = def.forward(args.map((x) => scalarData((x as { value: number }).value)), attrs).data[0]!;
    if (Number.isFinite(v)) return constE(v, shape);
  }
  const keeps = (x: SExpr) => shapeEquals(x.shape, shape);
  switch (name) {
    case "unbroadcast":
      if (sameShape(a, b!)) return a;
      return sumOverBroadcast(alg, a, b!.shape);
    case "expandAs":
    case "reshapeAs":
      if (sameShape(a, b!)) return a;
      return name === "expandAs" && isConst(a) ? constE(a.value, b!.shape) : null;
    case "mul":
      if (isConst(a, 0) || isConst(b, 0)) return constE(0, shape);
      // c ⊙ (d ⊙ x) = (c ⊙ d) ⊙ x for constants c, d: the constants fold into one.
      for (const [c, other] of [[a, b!], [b!, a]] as const) {
        if (!isConst(c) || other.k !== "op" || other.op !== "mul") continue;
        const [p, q] = other.args as [SExpr, SExpr];
        const inner = isConst(p) && !isConst(q) ? [p, q] : isConst(q) && !isConst(p) ? [q, p] : undefined;
        if (inner) return alg.apply("mul", [alg.apply("mul", [c, inner[0]!], {}), inner[1]!], {});
      }
      if (isConst(a, 1) && keeps(b!)) return b!;
      if (isConst(b, 1) && keeps(a)) return a;
      if (isConst(a, -1) && keeps(b!)) return alg.apply("neg", [b!], {});
      if (isConst(b, -1) && keeps(a)) return alg.apply("neg", [a], {});
      return null;
    case "div":
      if (isConst(b, 1) && keeps(a)) return a;
      if (isConst(a, 0)) return constE(0, shape);
      return null;
    case "add":
      if (isConst(a, 0) && keeps(b!)) return b!;
      if (isConst(b, 0) && keeps(a)) return a;
      // Two equal shares (a value used twice, as in x ⊙ x) are twice one.
      if (sameExpr(a, b!) && keeps(a)) return alg.apply("mul", [constE(2), a], {});
      if (isNeg(b!)) return alg.apply("sub", [a, b!.args[0]!], {});
      if (isNeg(a)) return alg.apply("sub", [b!, a.args[0]!], {});
      return null;
    case "sub":
      if (isConst(b, 0) && keeps(a)) return a;
      if (isConst(a, 0) && keeps(b!)) return alg.apply("neg", [b!], {});
      if (isNeg(b!)) return alg.apply("add", [a, b!.args[0]!], {});
      return null;
    case "matmul": {
      // A 1×1 constant times a matrix is a scalar multiple: 𝟏[1,1] @ vᵀ = vᵀ.
      const unit = (x: SExpr) => isConst(x) && x.shape?.length === 2 && x.shape[0] === 1 && x.shape[1] === 1;
      if (unit(a) && b!.shape?.[0] === 1) return alg.apply("mul", [constE((a as { value: number }).value), b!], {});
      if (unit(b!) && a.shape?.[1] === 1) return alg.apply("mul", [a, constE((b as { value: number }).value)], {});
      return null;
    }
    case "neg":
      return a.k === "op" && a.op === "neg" ? a.args[0]! : null;
    case "transpose":
      if (!level.transposes) return null;
      // (Aᵀ)ᵀ = A, also through a value that is itself a transpose; (A @ B)ᵀ = Bᵀ @ Aᵀ.
      // Only when the two permutations undo each other: transpose(transpose(X, [2,0,1]), [2,1,0]) is not X.
      if (a.k === "op" && a.op === "transpose") return undoes(a.attrs, attrs, shape) ? a.args[0]! : null;
      if (a.k === "ref" && a.node.kind === "op" && a.node.op === "transpose") return undoes(a.node.attrs, attrs, shape) ? ref(a.node.args[0]!) : null;
      if (attrs.axes === undefined && a.k === "op" && a.op === "matmul" && (isTransposed(a.args[0]!) || isTransposed(a.args[1]!))) {
        return alg.apply("matmul", [alg.apply("transpose", [a.args[1]!], {}), alg.apply("transpose", [a.args[0]!], {})], {});
      }
      return null;
    case "sum":
    case "mean":
      return isConst(a, 0) ? constE(0, shape) : null;
    case "count": {
      // A count over known sizes is a number; over symbolic dims it stays (rendered as N·H).
      const dims = a.shape === null ? null : attrs.axis === undefined ? a.shape : [a.shape[attrs.axis < 0 ? a.shape.length + attrs.axis : attrs.axis]];
      return dims && dims.every((d) => typeof d === "number") ? constE((dims as number[]).reduce((x, y) => x * y, 1)) : null;
    }
    default:
      return null;
  }
}

/**
 * The adjoint of broadcasting when ranks agree: a sum over each axis where the operand had size 1
 * (`sum(g, 0)` for a bias [1,H] added to rows [N,H]), as a person writes it. Null otherwise.
 */
function sumOverBroadcast(alg: Algebra<SExpr>, g: SExpr, like: Shape | null): SExpr | null {
  const from = g.shape;
  if (!from || !like || from.length !== like.length) return null;
  let out = g;
  for (let ax = 0; ax < like.length; ax++) {
    if (like[ax] === 1 && from[ax] !== 1) out = alg.apply("sum", [out], { axis: ax });
    else if (like[ax] !== from[ax]) return null;
  }
  return out;
}

/** Every sub-expression of `e`, children before parents, each once. */
export function subExpressions(e: SExpr, out: SExpr[] = [], seen = new Set<SExpr>()): SExpr[] {
  if (seen.has(e)) return out;
  seen.add(e);
  if (e.k === "op") for (const a of e.args) subExpressions(a, out, seen);
  out.push(e);
  return out;
}
