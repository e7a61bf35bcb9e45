// `explain`: the chain rule written out for a scalar function of a file, as the plain data of
// CLI.md's `explain --format json` (forward steps, backward steps with their Jacobian structure,
// the whole gradient of each parameter). The CLI, the hover, the chain view and the code action
// all start here; `Explained` keeps the graph and derivation for emit and the culprit search.

import type { Range } from "../analysis/api";
import { getOp } from "../ops/catalog";
import type { JacobianStructure } from "../ops/types";
import { formatShape, Shape, shapeEquals } from "../shape/shape";
import { Contribution, derive, Derivation } from "./derive";
import { ExplainError, GNode, SourceSpan } from "./graph";
import { nameNodes, Naming } from "./names";
import { definition, render } from "./render";
import { sameExpr, SExpr, simplifyingAlgebra, subExpressions } from "./sexpr";
import { traceTarget, Traced } from "./target";
import type { ExplainHost } from "./values";

export type { ExplainHost } from "./values";

export { ExplainError, ExplainUsageError } from "./graph";

export interface ForwardStep {
  /** The variable's name in code (`yhat`), or t1, t2, … for a value the function does not name. */
  name: string;
  /** The values (parameters, earlier steps) its formula reads, by name: the computation graph's edges. */
  inputs: string[];
  /** How it reads in math (`ŷ`). */
  symbol: string;
  expr: string;
  op: string;
  shape: Shape | null;
  range: Range | null;
  /** Set when the value is computed in another file (an imported helper). */
  file?: string;
}

export interface BackwardStep {
  /** `∂h`. */
  target: string;
  /** The value whose gradient this is, by name (a forward step's or a parameter's; `Wᵀ` for a transposed one). */
  node: string;
  /** The value the upstream gradient belongs to (the function's own name at the root). */
  fromNode: string;
  /** Upstream gradient · Jacobian, e.g. `∂t2 @ W2ᵀ`. */
  expr: string;
  /** The same step with double transposes cancelled, when that reads differently. */
  simplified?: string;
  /** The catalog op the step goes back through. */
  op: string;
  shape: Shape | null;
  jacobian: JacobianStructure;
  why: string;
  /** `+=`: the value also gets gradient from another use. */
  accumulate: boolean;
  /** The upstream gradient (`∂t2`, or `1` at the root). */
  from: string;
  /** The Jacobian's effect in a few words (`element-wise: diagonal Jacobian, so ⊙`). */
  how: string;
  /** Where the op is written. */
  range: Range | null;
  file?: string;
}

export interface GradientEntry {
  param: string;
  expr: string;
  shape: Shape | null;
}

export interface ExplainJson {
  version: 1;
  file: string;
  function: string;
  wrt: string[];
  /** The function's parameters in order, with their shapes. */
  params: Array<{ name: string; shape: Shape | null; number: boolean }>;
  forward: ForwardStep[];
  backward: BackwardStep[];
  gradients: GradientEntry[];
  /** Gradients that several parameters' gradients share, named once (`∂t1`). */
  shared: GradientEntry[];
  assumptions: string[];
  code: string | null;
}

export interface ExplainRequest {
  /** Absolute path. */
  file: string;
  /** How the file is shown (as given on the command line). */
  display?: string;
  /** `loss`, or `Net.loss` for a method. */
  fn: string;
  /** Parameters to differentiate by; all tensor parameters when empty. */
  params?: readonly string[];
  /** Shapes for parameters the function does not annotate (a check knows them from its gradient function). */
  shapes?: Readonly<Record<string, Shape>>;
}

export interface Explained {
  readonly json: ExplainJson;
  readonly traced: Traced;
  readonly derivation: Derivation;
  readonly naming: Naming;
  /** The steps shown, in the order of `json.backward`. */
  readonly shown: readonly Contribution[];
  /** Whole gradients by parameter, and the shared ones by the node whose gradient they are. */
  readonly shared: ReadonlyMap<SExpr, GNode>;
}

const STRUCTURE_WORDS: Record<JacobianStructure, string> = {
  diagonal: "element-wise: diagonal Jacobian, so ⊙",
  linear: "linear map",
  full: "full Jacobian",
};

/** The short phrase the text output puts after a step: what the Jacobian does to the upstream gradient. */
function howWords(c: Contribution, jacobian: JacobianStructure): string {
  const up = c.upstream;
  let e = c.step;
  let negated = false;
  if (e.k === "op" && e.op === "neg") {
    negated = true;
    e = e.args[0]!;
  }
  const axes: number[] = [];
  while (e.k === "op" && e.op === "sum" && e.attrs.axis !== undefined && e !== up) {
    axes.unshift(e.attrs.axis);
    e = e.args[0]!;
  }
  if (sameExpr(e, up) && !c.fused) {
    const sign = negated ? "negated (Jacobian −I)" : "passed on unchanged (Jacobian I)";
    return axes.length ? `${sign}, summed over broadcast axis ${axes.join(", ")}` : sign;
  }
  if (c.via.op === "matmul") return "linear map: @ with a transpose";
  return STRUCTURE_WORDS[jacobian];
}

export function explainFunction(ws: ExplainHost, req: ExplainRequest): Explained {
  const traced = traceTarget(ws, req);
  const { root, inputs } = traced;
  if (root.shape === null) throw new ExplainError(`cannot tell that ${traced.name} returns a scalar: annotate its parameters' shapes`, traced.span);
  if (root.shape.length !== 0) throw new ExplainError(`${traced.name} returns ${formatShape(root.shape)}, not a scalar: a gradient needs a scalar function`, traced.span);
  const wrt = chooseWrt(traced, req.params ?? []);
  const derivation = derive(root, wrt);
  const shown = derivation.contributions.filter((c) => !(c.identity && c.to.kind === "op" && c.to.name === undefined));
  const grads = wrt.map((w) => derivation.gradients.get(w)!);
  const naming = nameNodes(derivation, shown, traced.name, grads);
  const shared = sharedGradients(derivation, grads);
  const names = { ...naming, shared: (e: SExpr) => (shared.has(e) ? naming.grad(shared.get(e)!) : undefined) };
  const range = rangeOf(ws);
  const id = (n: GNode) => naming.code(n) ?? naming.name(n) ?? "?";
  const fileOf = (s: SourceSpan | undefined) => (s && s.file !== traced.file ? { file: s.file } : {});
  const full = simplifyingAlgebra({ transposes: true });

  const seen = new Set<GNode>();
  const backward = shown.map((c): BackwardStep => {
    const def = getOp(c.via.op!)!;
    const plain = render(c.step, naming);
    // An element-wise step is written as what it is, upstream ⊙ the Jacobian's diagonal, even
    // when that diagonal is 1 (∂b = ∂t ⊙ 1 = ∂t): the seed's answer, made visible in every step.
    const expr = def.jacobian === "diagonal" && !c.fused ? render(diagonalForm(c.step, c.upstream), naming) : plain;
    const simplified = render(resimplify(c.step, full), naming);
    const step: BackwardStep = {
      target: naming.grad(c.to), node: id(c.to), fromNode: c.upstream.k === "grad" ? id(c.upstream.node) : id(traced.root), expr, ...(simplified !== expr ? { simplified } : {}),
      op: c.via.op!, shape: c.step.shape, jacobian: c.fused ? "full" : def.jacobian,
      why: c.fused ? fusedWhy(c, naming) : def.jacobianDoc + broadcastNote(c, naming),
      how: howWords(c, c.fused ? "full" : def.jacobian),
      accumulate: seen.has(c.to), from: c.upstream.k === "grad" ? naming.grad(c.upstream.node) : render(c.upstream, naming),
      range: range(c.via.src), ...fileOf(c.via.src),
    };
    seen.add(c.to);
    return step;
  });
  const json: ExplainJson = {
    version: 1,
    file: req.display ?? req.file,
    function: req.fn,
    wrt: wrt.map((w) => w.text!),
    params: inputs.map((n) => ({ name: n.text!, shape: n.shape, number: n.number === true })),
    forward: naming.forward.map((n): ForwardStep => ({
      name: naming.code(n)!, inputs: readsFrom(n, naming).map(id), symbol: naming.name(n)!, expr: render(definition(n), { ...naming, name: (x) => (x === n ? undefined : naming.name(x)) }),
      op: n.op!, shape: n.shape, range: range(n.src), ...fileOf(n.src),
    })),
    backward,
    gradients: wrt.map((w, i) => ({ param: w.text!, expr: render(grads[i]!, names), shape: w.shape })),
    shared: [...shared].map(([e, n]) => ({ param: naming.grad(n), expr: render(e, { ...names, shared: (x) => (x === e ? undefined : names.shared(x)) }), shape: e.shape })),
    assumptions: derivation.assumptions.map((a) => {
      const y = naming.name(a.label) ?? "the label";
      return `${y} sums to 1 along its last axis (a one-hot or probability label): then softmax followed by crossEntropy gives ${naming.grad(a.target)} = ${naming.name(a.softmax)} − ${y}`;
    }),
    code: null,
  };
  return { json, traced, derivation, naming, shown, shared };
}

/** The named values an op's formula reads, through the unnamed ones written in place. */
function readsFrom(n: GNode, naming: Naming): GNode[] {
  const out: GNode[] = [];
  const visit = (a: GNode) => {
    if (naming.name(a) !== undefined) {
      if (!out.includes(a)) out.push(a);
    } else if (a.kind === "op") a.args.forEach(visit);
  };
  n.args.forEach(visit);
  return out;
}

function chooseWrt(traced: Traced, names: readonly string[]): GNode[] {
  const tensors = traced.inputs.filter((n) => n.diff);
  if (names.length === 0) return tensors;
  // traceTarget has checked that each names a tensor parameter.
  return names.map((p) => traced.inputs.find((x) => x.text === p)!);
}

/**
 * Gradients of intermediate values that the parameters' gradients share (∂t1 in both ∂x and
 * ∂W1): named once, in the order the backward pass reaches them.
 */
export function sharedGradients(d: Derivation, grads: readonly SExpr[]): Map<SExpr, GNode> {
  const owner = new Map<SExpr, GNode>();
  for (const n of [...d.order].reverse()) {
    const f = d.full.get(n);
    if (f && f.k === "op" && !owner.has(f)) owner.set(f, n);
  }
  // Uses are counted as references from distinct places of the gradients' expression graph (a
  // residual block's gradient reaches its input twice): written in place, such a value would be
  // written once per path, exponentially many times in a deep network.
  const uses = new Map<SExpr, number>();
  const seen = new Set<SExpr>();
  const visit = (e: SExpr): void => {
    if (seen.has(e)) return;
    seen.add(e);
    if (e.k !== "op") return;
    for (const a of e.args) {
      if (owner.has(a)) uses.set(a, (uses.get(a) ?? 0) + 1);
      visit(a);
    }
  };
  for (const g of grads) {
    if (owner.has(g)) uses.set(g, (uses.get(g) ?? 0) + 1);
    visit(g);
  }
  // And a value inside several parameters' gradients is named once, as the backward pass names it.
  const inGradients = new Map<SExpr, number>();
  for (const g of grads) for (const e of subExpressions(g)) if (owner.has(e)) inGradients.set(e, (inGradients.get(e) ?? 0) + 1);
  const out = new Map<SExpr, GNode>();
  for (const [e, n] of owner) if ((uses.get(e) ?? 0) >= 2 || (inGradients.get(e) ?? 0) >= 2) out.set(e, n);
  return out;
}

const op = (name: string, args: SExpr[], shape: SExpr["shape"], axis?: number): SExpr => ({ k: "op", op: name, args, attrs: axis === undefined ? {} : { axis }, shape });

/**
 * An element-wise op's step as upstream ⊙ diagonal when simplification hid the ⊙: `g` is
 * `g ⊙ 1`, `−g` is `g ⊙ (−1)`, `g / b` is `g ⊙ (1 / b)`, sums over broadcast axes kept around it.
 * Built as raw nodes (not through the simplifier, which would take the ⊙ 1 away again).
 */
function diagonalForm(step: SExpr, upstream: SExpr): SExpr {
  const sums: number[] = [];
  let e = step;
  while (e.k === "op" && e.op === "sum" && e.attrs.axis !== undefined && !sameExpr(e, upstream)) {
    sums.unshift(e.attrs.axis);
    e = e.args[0]!;
  }
  const wrap = (x: SExpr) => sums.reduceRight((acc, ax) => op("sum", [acc], step.shape, ax), x);
  const one = (v: number, shape: SExpr["shape"]): SExpr => ({ k: "const", value: v, shape });
  if (sameExpr(e, upstream)) return wrap(op("mul", [upstream, one(1, [])], e.shape));
  if (e.k === "op" && e.op === "neg" && sameExpr(e.args[0]!, upstream)) return wrap(op("mul", [upstream, one(-1, [])], e.shape));
  if (e.k === "op" && e.op === "div" && sameExpr(e.args[0]!, upstream)) {
    const b = e.args[1]!;
    return wrap(op("mul", [upstream, op("div", [one(1, []), b], b.shape)], e.shape));
  }
  if (e.k === "const" && upstream.k === "const") return wrap(op("mul", [upstream, one(e.value / (upstream.value || 1), [])], e.shape));
  // where(mask, a, b): the diagonal is the mask's selection, so the step reads ∂t ⊙ where(mask, 1, 0).
  if (e.k === "op" && e.op === "where") {
    const [mask, x, y] = e.args as [SExpr, SExpr, SExpr];
    const zero = (z: SExpr) => z.k === "const" && z.value === 0;
    if (sameExpr(x, upstream) && zero(y)) return wrap(op("mul", [upstream, op("where", [mask, one(1, []), one(0, [])], e.shape)], e.shape));
    if (zero(x) && sameExpr(y, upstream)) return wrap(op("mul", [upstream, op("where", [mask, one(0, []), one(1, [])], e.shape)], e.shape));
  }
  // A piecewise-constant op (gt, lt, a mask): its diagonal is 0, and the step still reads ∂t ⊙ 0.
  if (e.k === "const" && e.value === 0) return wrap(op("mul", [upstream, one(0, [])], e.shape));
  return step;
}

/** Rebuilds an expression bottom-up through an algebra (here: to cancel double transposes). */
export function resimplify(e: SExpr, alg: ReturnType<typeof simplifyingAlgebra>): SExpr {
  if (e.k !== "op") return e;
  return alg.apply(e.op, e.args.map((a) => resimplify(a, alg)), e.attrs);
}

function fusedWhy(c: Contribution, n: Naming): string {
  const s = n.name(c.via) ?? "softmax(…)";
  const y = c.from.args[1] ? (n.name(c.from.args[1]) ?? "y") : "y";
  return `softmax then crossEntropy: ∂/∂${s} = −${y} / ${s}, and softmax's full Jacobian diag(${s}) − ${s}ᵀ${s} turns it into ${s} − ${y} when ${y} sums to 1`;
}

function broadcastNote(c: Contribution, n: Naming): string {
  const def = getOp(c.via.op!)!;
  if (def.surface.operands.length !== 2 || def.jacobian !== "diagonal" || !c.to.shape || !c.via.shape || shapeEquals(c.to.shape, c.via.shape)) return "";
  const who = n.name(c.to) ?? "the operand";
  return `; ${who} ${formatShape(c.to.shape)} was broadcast to ${formatShape(c.via.shape)}, so its gradient is summed over the broadcast axes`;
}

/** LSP ranges of source spans, through each file's syntax tree. */
function rangeOf(ws: ExplainHost): (s: SourceSpan | undefined) => Range | null {
  return (s) => {
    const sf = s && ws.fileState(s.file)?.sf;
    if (!s || !sf) return null;
    const a = sf.getLineAndCharacterOfPosition(s.start);
    const b = sf.getLineAndCharacterOfPosition(s.end);
    return { start: { line: a.line, character: a.character }, end: { line: b.line, character: b.character } };
  };
}

