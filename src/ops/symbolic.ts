// The catalog's VJPs evaluated over symbolic expressions instead of numbers: each expression
// carries its (possibly symbolic) shape, computed by the ops' own shape rules, and renders as
// math (`g ⊙ σ ⊙ (1 − σ)`, `g @ W2ᵀ`). This is how chainrule writes "the chain rule step by
// step, with shapes" from the same VJPs the numeric checker runs, so the two cannot disagree.

import { ShapeError } from "../shape/problems";
import { formatShape, Shape, shapeEquals } from "../shape/shape";
import { makeOps, opOrThrow } from "./catalog";
import type { Algebra, OpAttrs } from "./types";

export interface Expr {
  readonly kind: "var" | "const" | "op";
  /** A variable's name, or the catalog op an `op` node applies. */
  readonly name: string;
  /** A constant's value (a constant broadcast to `shape`). */
  readonly value?: number;
  readonly args: readonly Expr[];
  readonly attrs: OpAttrs;
  readonly shape: Shape | null;
  /** A named intermediate (`h`, `ŷ`): rendered by this name inside larger expressions. */
  readonly label?: string;
}

export function variable(name: string, shape: Shape | null): Expr {
  return { kind: "var", name, args: [], attrs: {}, shape };
}

export function constant(value: number, shape: Shape = []): Expr {
  return { kind: "const", name: String(value), value, args: [], attrs: {}, shape };
}

/** Gives an intermediate a name, so that later expressions and derivations refer to it by name. */
export function named(label: string, e: Expr): Expr {
  return { ...e, label };
}

const isConst = (e: Expr, v: number) => e.kind === "const" && e.value === v && e.label === undefined;
const sameShape = (a: Expr, b: Expr) => shapeEquals(a.shape, b.shape);

/**
 * The few rewrites that keep VJPs readable: moving a gradient between equal shapes is the
 * identity, ⊙ 1 and + 0 vanish, ⊙ 0 is 0. Each keeps the result's shape, which is checked.
 */
function simplify(name: string, args: readonly Expr[], shape: Shape | null): Expr | null {
  const [a, b] = args as [Expr, Expr | undefined];
  switch (name) {
    case "unbroadcast":
    case "expandAs":
    case "reshapeAs":
      return sameShape(a, b!) ? a : null;
    case "mul":
      if (isConst(a, 0) || isConst(b!, 0)) return constant(0, shape ?? []);
      if (isConst(a, 1) && shapeEquals(b!.shape, shape)) return b!;
      if (isConst(b!, 1) && shapeEquals(a.shape, shape)) return a;
      return null;
    case "add":
      if (isConst(a, 0) && shapeEquals(b!.shape, shape)) return b!;
      if (isConst(b!, 0) && shapeEquals(a.shape, shape)) return a;
      return null;
    case "neg":
      if (a.kind === "op" && a.name === "neg" && a.label === undefined) return a.args[0]!;
      if (a.kind === "const" && a.label === undefined) return constant(-a.value!, a.shape ?? []);
      return null;
    default:
      return null;
  }
}

export const symbolicAlgebra: Algebra<Expr> = {
  apply(name, args, attrs) {
    const r = opOrThrow(name).shape(args.map((a) => a.shape), attrs);
    // A VJP whose expression does not type-check is a catalog bug; say so with the shape message.
    if (!r.ok) throw new ShapeError(r.problem);
    return simplify(name, args, r.shape) ?? { kind: "op", name, args: args.slice(), attrs, shape: r.shape };
  },
  constant: (value) => constant(value),
  shapeOf: (x) => x.shape,
};

// ---- Rendering ---------------------------------------------------------------------------------

const INFIX: Record<string, { symbol: string; prec: number; assoc: boolean }> = {
  add: { symbol: "+", prec: 1, assoc: true },
  sub: { symbol: "−", prec: 1, assoc: false },
  mul: { symbol: "⊙", prec: 2, assoc: true },
  div: { symbol: "/", prec: 2, assoc: false },
  matmul: { symbol: "@", prec: 2, assoc: true },
};
const PREFIX = 3;
const POSTFIX = 4;
const ATOM = 5;

function precedence(e: Expr): number {
  if (e.label !== undefined || e.kind === "var") return ATOM;
  if (e.kind === "const") return e.value! < 0 ? PREFIX : ATOM;
  if (e.name in INFIX) return INFIX[e.name]!.prec;
  if (e.name === "neg") return PREFIX;
  if (e.name === "transpose") return POSTFIX;
  return ATOM;
}

function formatNumber(x: number): string {
  return x < 0 ? `−${-x}` : String(x);
}

/** Math notation for `e`; named intermediates print as their name unless `expand` is set. */
export function render(e: Expr, expand = false): string {
  if (e.label !== undefined && !expand) return e.label;
  if (e.kind === "var") return e.name;
  if (e.kind === "const") return formatNumber(e.value!);
  const args = e.args;
  const wrap = (x: Expr, ok: boolean) => (ok ? render(x) : `(${render(x)})`);
  const infix = INFIX[e.name];
  if (infix) {
    const [a, b] = args as [Expr, Expr];
    const pb = precedence(b);
    const rightOk = pb > infix.prec || (pb === infix.prec && infix.assoc && b.kind === "op" && b.name === e.name && b.label === undefined);
    return `${wrap(a, precedence(a) >= infix.prec)} ${infix.symbol} ${wrap(b, rightOk)}`;
  }
  const [a] = args as [Expr];
  switch (e.name) {
    case "neg": return `−${wrap(a, precedence(a) > PREFIX)}`;
    case "transpose": return `${wrap(a, precedence(a) >= POSTFIX)}ᵀ`;
    case "sigmoid": return `σ(${render(a)})`;
    case "step": return `𝟙[${render(a)} > 0]`;
    case "unbroadcast": return `sumTo(${render(a)}, ${formatShape(args[1]!.shape)})`;
    case "expandAs": return `expand(${render(a)}, ${formatShape(args[1]!.shape)})`;
    case "reshapeAs": return `reshape(${render(a)}, ${formatShape(args[1]!.shape)})`;
    case "diagPart": return `diagPart(${render(a)})`;
    default: {
      const axis = e.attrs.axis === undefined ? "" : `, ${e.attrs.axis}`;
      return `${e.name}(${args.map((x) => render(x)).join(", ")}${axis})`;
    }
  }
}

// ---- One op's VJP, and a whole chain ---------------------------------------------------------

export interface RenderedGradient {
  expr: string;
  shape: Shape | null;
}

/**
 * One op's VJP as math: operands are named `a`, `b` (or `names`), the upstream gradient `g`, the
 * output `y` (`σ` for sigmoid), e.g. sigmoid on [1,H] → `g ⊙ σ ⊙ (1 − σ)` with shape [1,H].
 */
export function explainVjp(
  opName: string,
  shapes: ReadonlyArray<Shape | null>,
  attrs: OpAttrs = {},
  names: readonly string[] = ["a", "b"],
): RenderedGradient[] {
  const op = opOrThrow(opName);
  const args = shapes.map((s, i) => variable(names[i] ?? `x${i}`, s));
  const built = symbolicAlgebra.apply(opName, args, attrs);
  const out = named(op.name === "sigmoid" ? "σ" : "y", built);
  const g = variable("g", out.shape);
  return op.vjp(makeOps(symbolicAlgebra), g, args, out, attrs).map((e) => ({ expr: render(e), shape: e.shape }));
}

export interface DerivationStep {
  /** The forward definition, e.g. `h = σ(t1)`. */
  forward: string;
  op: string;
  shape: Shape | null;
  /** One line per operand that gets a gradient: `∂t1 = ∂h ⊙ h ⊙ (1 − h)`, `+=` when accumulating. */
  backward: Array<{ target: string; expr: string; shape: Shape | null; accumulate: boolean }>;
}

/**
 * Reverse-mode over a symbolic expression graph: one step per op from `root` back to the leaves,
 * each applying the op's catalog VJP. Unnamed intermediates are called t1, t2, …; the root, if
 * scalar, gets ∂L = 1. Gradients of leaf variables not in `wrt` (when given) are left out.
 */
export function derive(root: Expr, wrt?: readonly string[]): DerivationStep[] {
  // Topological order of op nodes (post-order DFS), by object identity.
  const order: Expr[] = [];
  const seen = new Set<Expr>();
  const visit = (e: Expr) => {
    if (seen.has(e)) return;
    seen.add(e);
    e.args.forEach(visit);
    if (e.kind === "op") order.push(e);
  };
  visit(root);

  const names = new Map<Expr, string>();
  let counter = 0;
  const nameOf = (e: Expr): string => {
    if (e.kind === "var") return e.name;
    if (e.label !== undefined) return e.label;
    let n = names.get(e);
    if (n === undefined) names.set(e, (n = e === root ? "L" : `t${++counter}`));
    return n;
  };
  // Intermediates are referred to by name in every later line.
  const labelled = new Map<Expr, Expr>(order.map((e) => [e, named(nameOf(e), e)]));
  const ref = (e: Expr) => labelled.get(e) ?? e;

  const ops = makeOps(symbolicAlgebra);
  const hasGradient = new Set<Expr>();
  const steps: DerivationStep[] = [];
  for (const node of order.reverse()) {
    const isScalarRoot = node === root && shapeEquals(node.shape, []);
    if (node !== root && !hasGradient.has(node)) continue; // no path to the root
    const g = isScalarRoot ? constant(1) : variable(`∂${nameOf(node)}`, node.shape);
    const args = node.args.map(ref);
    const grads = opOrThrow(node.name).vjp(ops, g, args, ref(node), node.attrs);
    const step: DerivationStep = {
      forward: `${nameOf(node)} = ${render({ ...node, args }, true)}`,
      op: node.name,
      shape: node.shape,
      backward: [],
    };
    node.args.forEach((arg, i) => {
      if (arg.kind === "const") return;
      if (arg.kind === "var" && wrt !== undefined && !wrt.includes(arg.name)) return;
      step.backward.push({ target: `∂${nameOf(arg)}`, expr: render(grads[i]!), shape: grads[i]!.shape, accumulate: hasGradient.has(arg) });
      hasGradient.add(arg);
    });
    steps.push(step);
  }
  return steps;
}

/** The derivation as text, one forward line per op followed by its backward lines, with shapes. */
export function formatDerivation(steps: readonly DerivationStep[]): string {
  const lines: string[] = [];
  for (const s of steps) {
    lines.push(`${s.forward}    ${formatShape(s.shape)}`);
    for (const b of s.backward) lines.push(`  ${b.target} ${b.accumulate ? "+=" : "="} ${b.expr}    ${formatShape(b.shape)}`);
  }
  return lines.join("\n");
}
