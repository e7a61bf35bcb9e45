// Prints derivation expressions as DSL code in one of the two styles users write: method chains
// (`yhat.sub(y).matmul(W2.T)`) or math templates (t`(${yhat} - ${y}) @ ${W2}ᵀ`). Ops the catalog
// uses only inside VJPs are written in user ops, or refused with the reason.

import { getOp } from "../ops/catalog";
import { attrsKey, type OpAttrs, type OpDef } from "../ops/types";
import type { Shape } from "../shape/shape";
import { TEMPLATE_FUNCTIONS } from "../template";
import { ExplainError, GNode } from "./graph";
import { definition, isVectorFlip } from "./render";
import { SExpr } from "./sexpr";

export interface CodeStyle {
  readonly templates: boolean;
  /** `⊙` or `*` for mul inside templates. */
  readonly mulToken: string;
  /** `ᵀ` or `.T` inside templates. */
  readonly transposeToken: string;
  readonly sigma: boolean;
}

export interface CodeNames {
  /** A value's identifier, or undefined to write it in place. */
  name(n: GNode): string | undefined;
  /** The identifier of a named gradient (a shared one). */
  shared(e: SExpr): string | undefined;
  /** How a chainrule export is called here (`sub`, `cr.sub`); records the imports needed. */
  fn(name: string): string;
  /** The name the file already calls a chainrule export by, if it imports it. */
  local(name: string): string | undefined;
  /** A tensor parameter of exactly this shape, to write a constant tensor of it without a constructor. */
  like(shape: Shape | null): string | undefined;
  /** Code for a symbolic dim as a number (`b1.shape[1]`). */
  dim(d: string): string;
}

const TS_ARITH: Record<string, string> = { add: "+", sub: "-", mul: "*", div: "/" };
const COMMUTES = new Set(["add", "mul"]);

function literal(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(17)));
}

export function shapeLiteral(s: Shape | null): string {
  if (!s || s.some((d) => d === null)) throw new ExplainError("emit: a gradient of unknown shape cannot be written out");
  return `[${s.map((d) => (typeof d === "number" ? String(d) : JSON.stringify(d))).join(", ")}]`;
}

/** A value made of constants and numbers only (1 / N·K spread over a shape): it can be written as a number. */
export function isConstantExpr(e: SExpr): boolean {
  if (e.k === "const") return true;
  if (e.k === "ref") return e.node.number === true;
  // A list op (concat) of constants is not one number: its parts differ along the axis.
  if (e.k === "op") return e.op === "count" || (e.op === "expandAs" ? isConstantExpr(e.args[0]!) : !getOp(e.op)?.surface.list && e.args.every(isConstantExpr));
  return false;
}

/** A constant-only expression as TypeScript number arithmetic (its shape dropped: the caller broadcasts it). */
function scalarCode(e: SExpr, names: CodeNames): string {
  if (e.k === "const") return literal(e.value);
  if (e.k === "ref") return methodCode(e, names, "arg");
  if (e.k !== "op") return fail("a gradient symbol");
  const [a, b] = e.args as [SExpr, SExpr | undefined];
  if (e.op === "count") return methodCode(e, names, "arg");
  if (e.op === "expandAs") return scalarCode(a, names);
  if (TS_ARITH[e.op] && b) return `(${scalarCode(a, names)} ${TS_ARITH[e.op]} ${scalarCode(b, names)})`;
  if (e.op === "neg") return `(-${scalarCode(a, names)})`;
  return fail(`${e.op} of numbers`);
}

/** Whether every leaf is a plain number (dims, `Math.*`, constants): TypeScript arithmetic. */
function isNumber(e: SExpr): boolean {
  if (e.k === "const") return e.shape === null || e.shape.length === 0;
  if (e.k === "ref") return e.node.number === true;
  if (e.k === "op") return e.op === "count" || e.args.every(isNumber);
  return false;
}

function countDims(e: SExpr & { k: "op" }): Array<string | number | null> {
  const s = e.args[0]!.shape;
  if (!s) return [null];
  const ax = e.attrs.axis;
  return ax === undefined ? [...s] : [s[ax < 0 ? s.length + ax : ax] ?? null];
}

/** An op's attributes as call arguments, in its surface's order, stopping at the first left out. */
function attrCode(def: OpDef, attrs: OpAttrs): string[] {
  const out: string[] = [];
  for (const p of def.surface.attrs) {
    const v = attrs[p.name];
    if (v === undefined) break;
    out.push(typeof v === "number" ? String(v) : JSON.stringify(v));
  }
  return out;
}

/** Method-chain code. `role`: a receiver cannot be a number literal; a top-level value must have its full shape. */
export function methodCode(e: SExpr, names: CodeNames, role: "receiver" | "arg" | "top" = "top"): string {
  const m = (x: SExpr, r: "receiver" | "arg" | "top" = "arg") => methodCode(x, names, r);
  const shared = names.shared(e);
  if (shared) return shared;
  switch (e.k) {
    case "const": {
      const full = e.shape !== null && e.shape.length > 0;
      if (role === "arg" || !full) return role === "receiver" ? `(${literal(e.value)})` : literal(e.value);
      return filled(e.shape, literal(e.value), names);
    }
    case "grad":
      throw new ExplainError("emit: internal error, a gradient symbol left in a whole gradient");
    case "ref":
      return refCode(e.node, names, role, m);
  }
  const [a, b] = e.args as [SExpr, SExpr | undefined];
  if (isNumber(e) && TS_ARITH[e.op] && b) return `(${m(a)} ${TS_ARITH[e.op]} ${m(b)})`;
  if (isNumber(e) && e.op === "neg") return `(-${m(a)})`;
  switch (e.op) {
    case "transpose":
      // `.T` is the rank-2 transpose; a permutation is written as a call with its axes (below).
      if (e.attrs.axes === undefined) return `${m(a, "receiver")}.T`;
      break;
    case "count": {
      const factors = countDims(e).map((d) => (d === null ? fail("a count over an unknown dim") : typeof d === "number" ? String(d) : names.dim(d)));
      return factors.length === 1 ? factors[0]! : `(${factors.join(" * ")})`;
    }
    case "expandAs":
      if (role === "arg" && a.shape?.length === 0) return m(a);
      return filled(b!.shape, m(a), names);
    case "reshapeAs":
      if (isVectorFlip(a.shape, b!.shape)) return `${m(a, "receiver")}.T`;
      // Any other reshape back: the user op with the target's dims (names and dim expressions as strings).
      if (b!.shape && b!.shape.every((d) => d !== null)) return `${names.fn("reshape")}(${m(a, "top")}, ${shapeLiteral(b!.shape)})`;
      return fail(`reshaping ${JSON.stringify(a.shape)} to ${JSON.stringify(b!.shape)}`);
    case "step":
      // 𝟙[a > 0]: the gt op when the catalog has it, else relu(a) / a (undefined only at exactly 0).
      if (getOp("gt")) return `${m(a, "receiver")}.gt(0)`;
      return `${names.local("relu") ? `${names.local("relu")}(${m(a)})` : `${m(a, "receiver")}.relu()`}.div(${m(a)})`;
    case "unbroadcast": {
      // Σ over the axes `like` was broadcast along (kept with size 1), then the leading ones dropped.
      const from = a.shape;
      const to = b!.shape;
      if (!from || !to || to.some((d) => d === null) || from.length < to.length) return fail(`the catalog's ${e.op}`);
      const lead = from.length - to.length;
      let code = m(a, "receiver");
      for (let ax = 0; ax < from.length; ax++) {
        const target = ax < lead ? 1 : to[ax - lead]!;
        if (from[ax] === target) continue;
        if (target !== 1 || from[ax] === null) return fail(`the catalog's ${e.op}`);
        code = `${code}.sum(${ax})`;
      }
      return lead ? `${names.fn("reshape")}(${code}, ${shapeLiteral(to)})` : code;
    }
    case "diagPart": {
      // The diagonal of g as the vector v: Σ of g ⊙ I down the columns (a row) or along the rows (a column).
      const n = b!.shape?.length === 2 ? (b!.shape[0] === 1 ? b!.shape[1] : b!.shape[0]) : null;
      if (n === null || n === undefined) return fail(`the catalog's ${e.op}`);
      const eye = `${names.fn("eye")}(${typeof n === "number" ? n : JSON.stringify(n)})`;
      return `${m(a, "receiver")}.mul(${eye}).sum(${b!.shape![0] === 1 ? 0 : 1})`;
    }
  }
  const def = getOp(e.op);
  if (!def || def.kind === "internal") return fail(`the catalog's ${e.op}`);
  const binary = def.surface.operands.length === 2 && !def.surface.list;
  if (def.surface.list || def.surface.attrs.some((p) => p.name !== "axis" && e.attrs[p.name] !== undefined)) {
    // Any other calling form (a list, attributes beyond an axis): the function form, as the surface says.
    // A list's parts are written with their full shapes (a zero block is zeros([1, "H"]), not 0).
    const ops = def.surface.list ? [`[${e.args.map((x) => m(x, "top")).join(", ")}]`] : e.args.map((x) => m(x));
    return `${names.fn(e.op)}(${[...ops, ...attrCode(def, e.attrs)].join(", ")})`;
  }
  const axis = e.attrs.axis === undefined ? "" : String(e.attrs.axis);
  if (binary && b && (e.op === "mul" || e.op === "div" || e.op === "add" || e.op === "sub")) {
    // A constant spread over the other operand's shape is just a number to it: x.mul(1 / N).
    const same = (x: SExpr) => x.shape !== null && e.shape !== null && x.shape.length === e.shape.length && x.shape.every((d, i) => d === e.shape![i]);
    if (isConstantExpr(b) && !isConstantExpr(a) && same(a)) return `${m(a, "receiver")}.${e.op}(${scalarCode(b, names)})`;
    if (isConstantExpr(a) && !isConstantExpr(b) && same(b)) {
      if (COMMUTES.has(e.op)) return `${m(b, "receiver")}.${e.op}(${scalarCode(a, names)})`;
      return numberFirst(e.op, scalarCode(a, names), b, names);
    }
  }
  if (binary && b) {
    // Only an element-wise op broadcasts a number: anywhere else a constant is written with its shape.
    const operand = (x: SExpr) => m(x, def.jacobian === "diagonal" ? "arg" : "top");
    // A number cannot be a method's receiver: swap when the op commutes, else the function form.
    if (!isNumber(a)) return `${m(a, "receiver")}.${e.op}(${operand(b)})`;
    if (COMMUTES.has(e.op) && !isNumber(b)) return `${m(b, "receiver")}.${e.op}(${m(a)})`;
    if (!isNumber(b)) return numberFirst(e.op, m(a), b, names);
    return `${names.fn(e.op)}(${m(a)}, ${m(b)})`;
  }
  if (e.args.length > 2) return `${names.fn(e.op)}(${[...e.args.map((x) => m(x)), ...(axis ? [axis] : [])].join(", ")})`;
  // A reduction (sum, mean, max over an axis or all) reads as a method; softmax keeps its shape.
  const reduces = def.kind === "reduce" && !(e.shape !== null && a.shape !== null && e.shape.length === a.shape.length && e.shape.every((d, i) => d === a.shape![i]) && e.attrs.axis === undefined);
  if (reduces && def.jacobian === "linear") return `${m(a, "receiver")}.${e.op}(${axis})`;
  // A unary op the file calls as a function (`sigmoid(…)`) is written the same way.
  const fnForm = names.local(e.op);
  return fnForm ? `${fnForm}(${[m(a), ...(axis ? [axis] : [])].join(", ")})` : `${m(a, "receiver")}.${e.op}(${axis})`;
}

/**
 * `c − x` and the like, with the number first: the function form when the file imports it
 * (`sub(1, h)`, as the seed writes it), else methods (`h.neg().add(1)`), so the code needs no
 * import line (two appended gradients would otherwise import the same name twice).
 */
function numberFirst(op: string, num: string, b: SExpr, names: CodeNames): string {
  const local = names.local(op);
  const x = methodCode(b, names, "receiver");
  if (local) return `${local}(${num}, ${methodCode(b, names, "arg")})`;
  if (op === "sub") return `${x}.neg().add(${num})`;
  return `${names.fn(op)}(${num}, ${methodCode(b, names, "arg")})`;
}

/** A tensor of `shape` filled with `value`: from a parameter of that shape when there is one (no import needed). */
function filled(shape: Shape | null, value: string, names: CodeNames): string {
  const like = names.like(shape);
  if (like) return value === "0" ? `${like}.mul(0)` : `${like}.mul(0).add(${value})`;
  if (value === "0") return `${names.fn("zeros")}(${shapeLiteral(shape)})`;
  const ones = `${names.fn("ones")}(${shapeLiteral(shape)})`;
  return value === "1" ? ones : `${ones}.mul(${value})`;
}

function refCode(n: GNode, names: CodeNames, role: "receiver" | "arg" | "top", m: (x: SExpr, r?: "receiver" | "arg" | "top") => string): string {
  const name = names.name(n);
  if (name !== undefined) return name;
  switch (n.kind) {
    case "op":
      return methodCode(definition(n), names, role);
    case "dim":
      return names.dim(n.text!);
    case "math":
      return `Math.${n.op}(${n.args.map((a) => m({ k: "ref", node: a, shape: a.shape })).join(", ")})`;
    case "const":
      return literal(n.value ?? 0);
    default:
      return n.text ?? fail("a value with no name");
  }
}

function fail(what: string): never {
  throw new ExplainError(`emit cannot write ${what} in DSL code`);
}

// ---- templates ---------------------------------------------------------------------------------

const T_INFIX: Record<string, { prec: number }> = { add: { prec: 1 }, sub: { prec: 1 }, mul: { prec: 2 }, div: { prec: 2 }, matmul: { prec: 2 } };

/** The body of a t`…` template for `e` (interpolations `${…}` for values and for what templates cannot write). */
export function templateBody(e: SExpr, names: CodeNames, style: CodeStyle): string {
  const tok: Record<string, string> = { add: "+", sub: "-", mul: style.mulToken, div: "/", matmul: "@" };
  const interp = (x: SExpr) => `\${${methodCode(x, names, "top")}}`;
  const prec = (x: SExpr): number => {
    if (names.shared(x) !== undefined) return 5;
    if (x.k === "ref" && x.node.kind === "op" && names.name(x.node) === undefined) return prec(definition(x.node));
    if (x.k !== "op") return x.k === "const" && x.value < 0 ? 3 : 5;
    if (T_INFIX[x.op] && x.args.length === 2 && !isNumber(x)) return T_INFIX[x.op]!.prec;
    if (x.op === "neg") return 3;
    if (x.op === "transpose" && x.attrs.axes === undefined) return 4;
    return 5;
  };
  const effective = (x: SExpr): SExpr =>
    x.k === "ref" && x.node.kind === "op" && names.name(x.node) === undefined && names.shared(x) === undefined ? effective(definition(x.node)) : x;
  const p = (x: SExpr): string => {
    if (names.shared(x) !== undefined || isNumber(x) && x.k !== "const") return interp(x);
    switch (x.k) {
      case "const":
        return x.shape && x.shape.length > 0 ? interp(x) : literal(x.value);
      case "ref":
        return x.node.kind === "op" && names.name(x.node) === undefined ? p(definition(x.node)) : interp(x);
      case "grad":
        return interp(x);
    }
    const [a, b] = x.args as [SExpr, SExpr | undefined];
    const inf = T_INFIX[x.op];
    if (inf && b) {
      const left = prec(a) < inf.prec || (x.op === "matmul" && effective(a).k === "op" && ["mul", "div"].includes((effective(a) as { op: string }).op));
      // a ⊙ (b ⊙ c) is (a ⊙ b) ⊙ c: the brackets only cost reading.
      const right = prec(b) < inf.prec || (prec(b) === inf.prec && !(x.op === "mul" && effective(b).k === "op" && (effective(b) as { op: string }).op === "mul"));
      return `${left ? `(${p(a)})` : p(a)} ${tok[x.op]} ${right ? `(${p(b)})` : p(b)}`;
    }
    if (x.op === "neg") return `-${prec(a) < 3 ? `(${p(a)})` : p(a)}`;
    if (x.op === "transpose" && x.attrs.axes === undefined) return `${prec(a) < 4 ? `(${p(a)})` : p(a)}${style.transposeToken}`;
    const fn = TEMPLATE_FUNCTIONS.get(x.op);
    // By name only with no attributes at all: `transpose(${X})` would drop a permutation's axes.
    if (fn && attrsKey(x.attrs) === "" && getOp(x.op)?.surface.operands.length === 1) {
      return `${x.op === "sigmoid" && style.sigma ? "σ" : x.op}(${x.args.map(p).join(", ")})`;
    }
    return interp(x);
  };
  return p(e);
}
