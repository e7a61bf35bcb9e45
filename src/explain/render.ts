// Math notation for the derivation: `(ŷ − y) @ W2ᵀ ⊙ h ⊙ (1 − h)`. Named values print as their
// name, unnamed ones inline as their own formula; parentheses only where precedence needs them,
// plus around a ⊙ that a matrix product takes as its left operand (mixing the two unbracketed is
// exactly the seed's confusion). Ops print from the catalog's name when there is no notation here.

import { getOp } from "../ops/catalog";
import type { OpAttrs } from "../ops/types";
import { formatShape, Shape } from "../shape/shape";
import type { GNode } from "./graph";
import { ref, SExpr } from "./sexpr";

export interface RenderNames {
  /** A value's name, or undefined to write its formula in place. */
  name(n: GNode): string | undefined;
  /** The name of a node's gradient symbol (∂h). */
  grad(n: GNode): string;
  /** A whole sub-expression that has a name of its own (a shared gradient). */
  shared?(e: SExpr): string | undefined;
  /** Set while the operands of a matrix product or transpose are written (constants there are 𝟏). */
  ones?: boolean;
}

/** Names under which a constant operand of `args` prints as 𝟏 (a matrix of ones), bracketed like a name. */
function withOnes(names: RenderNames, args: readonly SExpr[]): RenderNames {
  return {
    ...names,
    ones: true,
    shared: (x) => {
      if (args.includes(x) && x.k === "const" && x.shape !== null && x.shape.length > 0) return `${x.value === 1 ? "" : formatNumber(x.value)}𝟏`;
      return names.shared?.(x);
    },
  };
}

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

/** The forward formula of an op node, as an expression over its operands. */
export function definition(n: GNode): SExpr {
  return { k: "op", op: n.op!, args: n.args.map(ref), attrs: n.attrs, shape: n.shape };
}

export function formatNumber(x: number): string {
  const s = Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
  return s.replace(/^-/, "−");
}

/** N·H for a count over symbolic dims; the product when every dim is a number. */
export function dimProduct(dims: readonly (number | string | null)[]): string {
  const sym = dims.filter((d) => d !== 1).map((d) => (d === null ? "?" : String(d)));
  return sym.length ? sym.join("·") : "1";
}

function countDims(shape: Shape | null, axis: number | undefined): readonly (number | string | null)[] {
  if (!shape) return [null];
  if (axis === undefined) return shape;
  return [shape[axis < 0 ? shape.length + axis : axis] ?? null];
}

export function render(e: SExpr, names: RenderNames): string {
  const r = (x: SExpr): string => render(x, names);
  const shared = names.shared?.(e);
  if (shared !== undefined) return shared;
  switch (e.k) {
    case "const":
      return formatNumber(e.value);
    case "grad":
      return names.grad(e.node);
    case "ref": {
      const n = e.node;
      const name = names.name(n);
      if (name !== undefined) return name;
      if (n.kind === "op") return r(definition(n));
      return leafText(n, r);
    }
    case "op":
      break;
  }
  const [a, b] = e.args as [SExpr, SExpr | undefined];
  const infix = INFIX[e.op];
  // A matrix of ones is 𝟏 where its shape matters (a matrix product, a transpose); elsewhere it broadcasts like a number.
  if ((e.op === "matmul" || e.op === "transpose") && names.ones !== true) return render(e, withOnes(names, e.args));
  const r2 = (x: SExpr): string => render(x, names.ones === true ? { ...names, ones: false } : names);
  if (infix && b) {
    const pa = precedence(a, names);
    const pb = precedence(b, names);
    // ⊙ or / as the left operand of @ is bracketed: (δ ⊙ σ′) @ Wᵀ, never δ ⊙ σ′ @ Wᵀ.
    const left = names.shared?.(a) === undefined ? effective(a, names) : a;
    const named = names.shared?.(a) !== undefined;
    const mixed = !named && e.op === "matmul" && left.k === "op" && (left.op === "mul" || left.op === "div") && pa === infix.prec;
    // A quotient inside a product is bracketed too: 2 ⊙ (1 / N) ⊙ x, never 2 ⊙ 1 / N ⊙ x.
    const quotient = !named && e.op === "mul" && left.k === "op" && left.op === "div";
    const leftOk = pa >= infix.prec && !mixed && !quotient;
    const negative = b.k === "const" && b.value < 0 && names.shared?.(b) === undefined;
    const rightOk = !negative && (pb > infix.prec || (pb === infix.prec && infix.assoc && b.k === "op" && b.op === e.op));
    return `${leftOk ? r2(a) : `(${r2(a)})`} ${infix.symbol} ${rightOk ? r2(b) : `(${r2(b)})`}`;
  }
  const wrap = (x: SExpr, min: number) => (precedence(x, names) >= min ? r2(x) : `(${r2(x)})`);
  switch (e.op) {
    case "neg":
      return `−${wrap(a, PREFIX + 1)}`;
    case "transpose":
      if (isMatrixTranspose(e.attrs)) return `${wrap(a, ATOM)}ᵀ`;
      break;
    case "pow":
      return `${wrap(a, ATOM)}^${formatNumber(e.attrs.exponent!)}`;
    case "sigmoid":
      return `σ(${r2(a)})`;
    case "step":
      return `𝟙[${r2(a)} > 0]`;
    case "gt":
      return `𝟙[${r2(a)} > ${r2(b!)}]`;
    case "lt":
      return `𝟙[${r2(a)} < ${r2(b!)}]`;
    case "count":
      return dimProduct(countDims(a.shape, e.attrs.axis));
    case "unbroadcast":
      return `sumTo(${r2(a)}, ${formatShape(b!.shape)})`;
    case "expandAs":
      // A scalar spreads over any shape: in math it is just itself.
      return a.shape?.length === 0 ? r2(a) : `expand(${r2(a)}, ${formatShape(b!.shape)})`;
    case "reshapeAs":
      return isVectorFlip(a.shape, b!.shape) ? `${wrap(a, ATOM)}ᵀ` : `reshape(${r2(a)}, ${formatShape(b!.shape)})`;
    case "unslice":
      // The second operand only lends its shape: write the shape, as sumTo and expand do.
      return `unslice(${r2(a)}, ${formatShape(b!.shape)}${attrArgs(e)})`;
    case "concat":
      return `concat([${e.args.map(r2).join(", ")}]${attrArgs(e)})`;
  }
  return `${e.op}(${e.args.map(r2).join(", ")}${attrArgs(e)})`;
}

/** A transpose of the last two axes, batch axes in place: written `aᵀ` (batched matmul's VJP has them). */
export function isMatrixTranspose(attrs: OpAttrs): boolean {
  const axes = attrs.axes;
  if (axes === undefined) return true;
  const r = axes.length;
  return r >= 2 && axes.every((x, i) => (i < r - 2 ? x === i : i === r - 2 ? x === r - 1 || x === -1 : x === r - 2 || x === -2));
}

/** `, 1`, `, [0,2,1]`, `, 1, 0, H`: an op's attributes as call arguments, in its surface's order. */
function attrArgs(e: SExpr & { k: "op" }): string {
  let out = "";
  for (const p of getOp(e.op)?.surface.attrs ?? []) {
    const v = e.attrs[p.name];
    if (v === undefined) continue;
    out += `, ${Array.isArray(v) ? `[${v.join(",")}]` : String(v)}`;
  }
  return out;
}

/** [1,n] ↔ [n,1]: a reshape that is a transposition. */
export function isVectorFlip(a: Shape | null, b: Shape | null): boolean {
  return !!a && !!b && a.length === 2 && b.length === 2 && a[0] === b[1] && a[1] === b[0] && (a[0] === 1 || a[1] === 1);
}

function leafText(n: GNode, r: (x: SExpr) => string): string {
  if (n.kind === "math") {
    const args = n.args.map((x) => r(ref(x)));
    if (n.op === "sqrt") return `√${args[0]}`;
    if (n.op === "pow") return `${args[0]}^${args[1]}`;
    return `${n.op}(${args.join(", ")})`;
  }
  return n.text ?? (n.value !== undefined ? formatNumber(n.value) : "?");
}

/** What an expression prints as: an unnamed value's own formula. */
function effective(e: SExpr, names: RenderNames): SExpr {
  if (e.k === "ref" && e.node.kind === "op" && names.name(e.node) === undefined && names.shared?.(e) === undefined) return effective(definition(e.node), names);
  return e;
}

function precedence(e: SExpr, names: RenderNames): number {
  if (names.shared?.(e) !== undefined) return ATOM;
  if (e.k === "const") return e.value < 0 ? PREFIX : ATOM;
  if (e.k === "grad") return names.grad(e.node).endsWith("ᵀ") ? POSTFIX : ATOM;
  if (e.k === "ref") {
    const n = e.node;
    const name = names.name(n);
    // A name like Wᵀ binds like the transpose it is: (Wᵀ)ᵀ.
    if (name !== undefined) return name.endsWith("ᵀ") ? POSTFIX : ATOM;
    if (n.kind !== "op") return ATOM;
    return precedence(definition(n), names);
  }
  const infix = INFIX[e.op];
  if (infix && e.args.length === 2) return infix.prec;
  if (e.op === "neg") return PREFIX;
  if (e.op === "pow") return POSTFIX;
  if ((e.op === "transpose" && isMatrixTranspose(e.attrs)) || (e.op === "reshapeAs" && isVectorFlip(e.args[0]!.shape, e.args[1]!.shape))) return POSTFIX;
  if (e.op === "expandAs" && e.args[0]!.shape?.length === 0) return precedence(e.args[0]!, names);
  return ATOM;
}
