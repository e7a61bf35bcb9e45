// Numeric values of a forward graph and of derivation expressions, with the catalog's own kernels
// on concrete inputs: forward values, reverse-mode adjoints through the catalog's VJPs, and the
// value of any SExpr. What the culprit search compares a hand-derived gradient against.

import { getOp, makeOps } from "../ops/catalog";
import { applyOp, numericAlgebra } from "../ops/numeric";
import type { OpAttrs, TensorData } from "../ops/types";
import { evaluateDim } from "../shape/dim";
import type { Dim, Shape } from "../shape/shape";
import type { GNode } from "./graph";
import type { SExpr } from "./sexpr";

/** A value the numbers cannot be known for (a random constant, an unbound dim). */
export class NotEvaluable extends Error {}

/** A dim's size under the binding (names, and expressions such as `H+K`). */
function size(d: Dim, dims: Readonly<Record<string, number>>): number {
  if (d === null) throw new NotEvaluable("dim ? is not bound");
  try {
    return evaluateDim(d, (n) => dims[n]);
  } catch {
    throw new NotEvaluable(`dim ${d} is not bound`);
  }
}

function filled(shape: Shape | null, value: number, dims: Readonly<Record<string, number>>): TensorData {
  if (!shape) throw new NotEvaluable("a constant of unknown shape");
  const s = shape.map((d) => size(d, dims));
  return { shape: s, data: new Float64Array(s.reduce((a, b) => a * b, 1)).fill(value) };
}

/** Attributes with their dims resolved, as the runtime resolves them before a kernel runs. */
function concrete(attrs: OpAttrs, dims: Readonly<Record<string, number>>): OpAttrs {
  if (attrs.shape === undefined && typeof attrs.start !== "string" && typeof attrs.end !== "string") return attrs;
  const num = (d: OpAttrs["start"]) => (d === undefined ? undefined : typeof d === "number" ? d : size(d, dims));
  return {
    ...attrs,
    ...(attrs.shape ? { shape: attrs.shape.map((d) => (typeof d === "number" ? d : size(d, dims))) } : {}),
    ...(attrs.start !== undefined ? { start: num(attrs.start)! } : {}),
    ...(attrs.end !== undefined ? { end: num(attrs.end)! } : {}),
  };
}

const scalar = (x: number): TensorData => ({ shape: [], data: new Float64Array([x]) });

export class Evaluator {
  private readonly memo = new Map<GNode, TensorData>();

  constructor(
    private readonly inputs: ReadonlyMap<GNode, TensorData>,
    readonly dims: Readonly<Record<string, number>>,
    /** Values forced on nodes (the culprit search's "what if this were right"). */
    private readonly overrides: ReadonlyMap<GNode, TensorData> = new Map(),
  ) {}

  value(n: GNode): TensorData {
    const o = this.overrides.get(n);
    if (o) return o;
    let v = this.memo.get(n);
    if (v) return v;
    v = this.compute(n);
    this.memo.set(n, v);
    return v;
  }

  private compute(n: GNode): TensorData {
    switch (n.kind) {
      case "input": {
        const v = this.inputs.get(n);
        if (!v) throw new NotEvaluable(`no value for ${n.text ?? "an input"}`);
        return v;
      }
      case "const":
        return filled(n.shape, n.value ?? NaN, this.dims);
      case "dim": {
        const v = this.dims[n.text!];
        if (v === undefined) throw new NotEvaluable(`dim ${n.text} is not bound`);
        return scalar(v);
      }
      case "math": {
        const f = (Math as unknown as Record<string, (...a: number[]) => number>)[n.op!];
        if (typeof f !== "function") throw new NotEvaluable(`Math.${n.op}`);
        return scalar(f(...n.args.map((a) => this.value(a).data[0]!)));
      }
      case "op":
        return applyOp(n.op!, n.args.map((a) => this.value(a)), concrete(n.attrs, this.dims));
    }
  }

  /** ∂root/∂n for every node on a path from the inputs, by the catalog's VJPs (reverse mode). */
  adjoints(root: GNode, order: readonly GNode[]): Map<GNode, TensorData> {
    const ops = makeOps(numericAlgebra);
    const grads = new Map<GNode, TensorData>([[root, filled([], 1, this.dims)]]);
    for (let k = order.length - 1; k >= 0; k--) {
      const n = order[k]!;
      const g = grads.get(n);
      if (!g || n.kind !== "op") continue;
      const parts = getOp(n.op!)!.vjp(ops, g, n.args.map((a) => this.value(a)), this.value(n), concrete(n.attrs, this.dims));
      n.args.forEach((a, i) => {
        const prev = grads.get(a);
        grads.set(a, prev ? applyOp("add", [prev, parts[i]!]) : parts[i]!);
      });
    }
    return grads;
  }

  private readonly exprMemo = new WeakMap<SExpr, TensorData>();

  /** The value of a derivation expression: forward values for refs, `adjoint` for gradient symbols. */
  expr(e: SExpr, adjoint: (n: GNode) => TensorData | undefined): TensorData {
    // Memoised by object: gradient expressions share sub-expressions (a DAG, not a tree).
    let v = e.k === "op" ? this.exprMemo.get(e) : undefined;
    if (!v) {
      v = this.computeExpr(e, adjoint);
      if (e.k === "op") this.exprMemo.set(e, v);
    }
    return v;
  }

  private computeExpr(e: SExpr, adjoint: (n: GNode) => TensorData | undefined): TensorData {
    switch (e.k) {
      case "const":
        return filled(e.shape, e.value, this.dims);
      case "ref":
        return this.value(e.node);
      case "grad": {
        const g = adjoint(e.node);
        if (!g) throw new NotEvaluable("a gradient with no value");
        return g;
      }
      case "op":
        return applyOp(e.op, e.args.map((a) => this.expr(a, adjoint)), concrete(e.attrs, this.dims));
    }
  }
}

/** Equal as the numbers of one computation done two ways are (rounding apart). */
export function sameValue(a: TensorData, b: TensorData): boolean {
  if (a.data.length !== b.data.length || a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) return false;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!;
    const y = b.data[i]!;
    if (!(Math.abs(x - y) <= 1e-9 + 1e-6 * Math.max(Math.abs(x), Math.abs(y)))) return false;
  }
  return true;
}
