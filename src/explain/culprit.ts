// The wrong factor named: for a failing gradient check, the smallest sub-expression of the
// hand-derived gradient that is wrong although its operands are right. Computed in the parent
// process from syntax alone (nothing the user wrote is run): the gradient function and the true
// chain of F are both interpreted over the catalog and evaluated with its kernels on the check's
// own inputs (redrawn from its seed), and each sub-expression is compared with the chain's values
// (forward intermediates, adjoints, and every part of every backward step). A candidate counts only
// if putting the chain's value in its place makes the whole gradient right.

import type { Range } from "../analysis/api";
import type { TensorData } from "../ops/types";
import { Rng, sampleData } from "../verify/sample";
import { ATOL, RTOL, type CheckResult, type CheckSpec, type Culprit } from "../verify/types";
import { Evaluator, NotEvaluable, sameValue } from "./evaluate";
import { Explained, explainFunction, ExplainError } from "./explain";
import { dependents, GNode, topoOrder } from "./graph";
import { Interpreter } from "./interpret";
import { prettyName } from "./names";
import { render, RenderNames } from "./render";
import { subExpressions } from "./sexpr";
import { fileCtx, findFunction } from "./target";
import { type ExplainHost, IValue, tensorValue } from "./values";

/** One value of the true chain and how the derivation writes it. */
interface Reference {
  value: TensorData;
  text: string;

  /** For an adjoint: its backward step (`∂t1 = ∂h ⊙ h ⊙ (1 − h)`). */
  step?: string;
}

/** Caps the search on a large function: each attempt re-evaluates part of the gradient. */
const MAX_ATTEMPTS = 4000;

function withinTolerance(a: TensorData, n: TensorData): boolean {
  if (a.data.length !== n.data.length) return false;
  for (let i = 0; i < n.data.length; i++) if (!(Math.abs(a.data[i]! - n.data[i]!) <= ATOL + RTOL * Math.abs(n.data[i]!))) return false;
  return true;
}

/**
 * The culprit of a failed check of `spec` whose gradient function is in `absFile`, or null when
 * no single sub-expression explains the failure (or the functions cannot be followed). Never throws.
 */
export function findCulprit(ws: ExplainHost, absFile: string, spec: CheckSpec, failing: readonly string[]): Culprit | null {
  try {
    return search(ws, absFile, spec, failing);
  } catch (e) {
    if (e instanceof ExplainError || e instanceof NotEvaluable) return null;
    // A chainrule bug must not turn a failed check into a crash: the culprit is simply not named.
    return null;
  }
}

/** A verify result with its `culprit` when it failed (the hook src/verify/index.ts calls on each result). */
export function withCulprit(r: CheckResult, ws: ExplainHost, absFile: string, spec: CheckSpec): CheckResult {
  if (r.status !== "fail") return r;
  const failing = r.params?.filter((p) => !p.pass).map((p) => p.param) ?? r.wrt;
  return { ...r, culprit: findCulprit(ws, absFile, spec, failing.length ? failing : r.wrt) };
}

function search(ws: ExplainHost, absFile: string, spec: CheckSpec, failing: readonly string[]): Culprit | null {
  const wrt = spec.wrt.length ? spec.wrt : failing;
  // F may leave its shapes to the gradient's annotations (DSL.md): the check's sizes stand in.
  const ex = explainFunction(ws, { file: absFile, fn: spec.of, params: wrt, shapes: Object.fromEntries(spec.params.map((p) => [p.name, p.shape])) });
  // The check's inputs, drawn exactly as the checker drew them (same generator, same order).
  const rng = new Rng(spec.seed);
  const data = new Map(spec.params.map((p) => [p.name, { shape: p.shape, data: sampleData(rng, p.sample, p.shape) } as TensorData]));
  const fInputs = new Map<GNode, TensorData>();
  for (const n of ex.traced.inputs) {
    const d = n.text !== undefined ? data.get(n.text) : undefined;
    if (d) fInputs.set(n, d);
  }
  const truth = new Evaluator(fInputs, spec.dims);
  const adj = truth.adjoints(ex.traced.root, ex.derivation.order);

  // The hand-derived gradient, interpreted the same way, on the same numbers.
  const it = new Interpreter(ex.traced.graph);
  const ctx = fileCtx(ws, absFile);
  const g = findFunction(it, ctx, spec.gradient);
  const gInputs = new Map<GNode, TensorData>();
  const args = g.node.parameters.map((p): IValue => {
    const name = p.name.getText(ctx.sf);
    const d = data.get(name);
    const node = it.graph.input(name, d ? d.shape : null, { diff: false, ...(d && spec.params.find((q) => q.name === name)?.kind === "number" ? { number: true } : {}) });
    if (d) gInputs.set(node, d);
    return tensorValue(node);
  });
  const out = it.call(g, args);
  const refs = references(ex, truth, adj, inOwnWords(ex, truth, new Evaluator(gInputs, spec.dims), it.graph.nodes));
  for (const param of failing) {
    const returned = out.k === "obj" ? out.props.get(param) : out;
    const fParam = ex.traced.inputs.find((n) => n.text === param);
    const target = fParam && adj.get(fParam);
    if (returned?.k !== "t" || !target) continue;
    const found = culpritIn(returned.node, target, gInputs, spec.dims, refs);
    if (found) return describe(ws, found, g.ctx.state.file);
  }
  return null;
}

/**
 * The chain's values named as the gradient function names them: F's t2 is the gradient's `a` when
 * `const a = tanh(x.matmul(W))` computes the same numbers.
 */
function inOwnWords(ex: Explained, truth: Evaluator, g: Evaluator, gNodes: readonly GNode[]): RenderNames {
  const alias = new Map<GNode, string>();
  const named = gNodes.filter((n) => n.kind === "op" && n.name !== undefined && n.ownName);
  for (const f of ex.derivation.order) {
    if (f.kind !== "op" || f.name !== undefined) continue;
    try {
      const v = truth.value(f);
      const same = named.find((n) => sameValue(g.value(n), v));
      if (same) alias.set(f, prettyName(same.name!));
    } catch {
      // A value that cannot be computed keeps the derivation's name.
    }
  }
  const name = (n: GNode) => alias.get(n) ?? ex.naming.name(n);
  return { name, grad: (n) => `∂${name(n) ?? "?"}` };
}

/** Every value of the chain: forward values, adjoints, and each part of the steps and gradients. */
function references(ex: Explained, truth: Evaluator, adj: Map<GNode, TensorData>, names: RenderNames): Reference[] {
  const out: Reference[] = [];
  const stepOf = new Map<GNode, string[]>();
  for (const c of ex.shown) stepOf.set(c.to, [...(stepOf.get(c.to) ?? []), render(c.step, names)]);
  const safe = (f: () => TensorData): TensorData | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  for (const [n, v] of adj) {
    const whole = ex.derivation.full.get(n) ?? ex.derivation.gradients.get(n);
    if (!whole || n === ex.traced.root) continue;
    const rhs = stepOf.get(n)?.join(" + ") ?? render(whole, names);
    out.push({ value: v, text: rhs, step: `${names.grad(n)} = ${rhs}` });
  }
  for (const n of ex.derivation.order) {
    if (n.kind !== "op") continue;
    const v = safe(() => truth.value(n));
    if (v) out.push({ value: v, text: names.name(n) ?? render({ k: "ref", node: n, shape: n.shape }, names) });
  }
  const adjoint = (n: GNode) => adj.get(n);
  const exprs = [...ex.shown.map((c) => c.step), ...ex.derivation.gradients.values()];
  for (const root of exprs) {
    for (const e of subExpressions(root)) {
      if (e.k !== "op") continue;
      const v = safe(() => truth.expr(e, adjoint));
      if (v) out.push({ value: v, text: render(e, names) });
    }
  }
  return out;
}

interface Found {
  node: GNode;
  ref: Reference;
  step?: string;
}

/** Searches the gradient's expression for the smallest sub-expression whose replacement by a chain value fixes it. */
function culpritIn(root: GNode, target: TensorData, inputs: Map<GNode, TensorData>, dims: Record<string, number>, refs: readonly Reference[]): Found | null {
  const base = new Evaluator(inputs, dims);
  const order = topoOrder(root);
  const value = (n: GNode) => base.value(n);
  if (withinTolerance(value(root), target)) return null;
  const isRight = (n: GNode) => n.kind !== "op" || refs.some((r) => sameValue(r.value, value(n)));
  const ops = order.filter((n) => n.kind === "op" && n.src);
  const size = (n: GNode) => n.src!.opEnd - n.src!.opStart;
  const wrong = ops.filter((n) => !refs.some((r) => sameValue(r.value, value(n))));
  const primary = wrong.filter((n) => n.args.every(isRight)).sort((a, b) => size(a) - size(b));
  // Else: the smallest sub-expression whose replacement fixes it, short of the whole gradient.
  const fallback = ops.filter((n) => n !== root).sort((a, b) => size(a) - size(b));
  let attempts = 0;
  for (const candidates of [primary, fallback]) {
    for (const c of candidates) {
      const v = value(c);
      for (const r of refs) {
        if (++attempts > MAX_ATTEMPTS) return null;
        if (r.value.data.length !== v.data.length || sameValue(r.value, v) || r.value.shape.join() !== v.shape.join()) continue;
        const fixed = new Evaluator(inputs, dims, new Map([[c, r.value]]));
        if (!withinTolerance(fixed.value(root), target)) continue;
        return { node: c, ref: r, ...stepAt(c, order, fixed, refs) };
      }
    }
  }
  return null;
}

/** The backward step the culprit sits in: the nearest enclosing value that, once fixed, is an adjoint. */
function stepAt(c: GNode, order: readonly GNode[], fixed: Evaluator, refs: readonly Reference[]): { step?: string } {
  const above = dependents(order, new Set([c]));
  for (const n of order) {
    if (!above.has(n)) continue;
    const r = refs.find((x) => x.step && sameValue(x.value, fixed.value(n)));
    if (r) return { step: r.step! };
  }
  return {};
}

function describe(ws: ExplainHost, f: Found, gFile: string): Culprit | null {
  const src = f.node.src!;
  const state = ws.fileState(src.file);
  const sf = state?.sf;
  if (!sf) return null;
  const pos = (o: number) => {
    const p = sf.getLineAndCharacterOfPosition(o);
    return { line: p.line, character: p.character };
  };
  const range: Range = { start: pos(src.opStart), end: pos(src.opEnd) };
  const expr = sf.text.slice(src.opStart, src.opEnd).replace(/\s+/g, " ");
  const where = f.step && f.step !== `${f.ref.text}` && !f.step.endsWith(`= ${f.ref.text}`) ? ` (in ${f.step})` : "";
  const chain = f.step && f.step.endsWith(`= ${f.ref.text}`) ? f.step : f.ref.text;
  return {
    range, expr, expected: f.ref.text,
    ...(f.step ? { step: f.step } : {}),
    ...(src.file !== gFile ? { file: src.file } : {}),
    message: `\`${expr}\` is wrong: at this point the chain has ${chain}${where}`,
  };
}

