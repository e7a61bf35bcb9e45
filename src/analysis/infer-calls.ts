// Inference of calls: catalog ops as methods (`a.matmul(b)`, `a.T`) and functions (`matmul(a, b)`,
// `cr.matmul(a, b)`), constructors (`zeros([1, "D"])`, `eye(n)`, `tensor([[…]])`), templates,
// the JS built-ins that give numbers (`Math.sqrt`) or arrays (`Array.from`), and the dispatch of
// every other call to user functions, methods and closures (infer-user.ts).

import { ts } from "ts-morph";
import { getOp } from "../ops/catalog";
import { DISTINCTIVE_METHODS as DISTINCTIVE, formatAttrs } from "../ops/surface";
import type { OpAttrs, OpDef } from "../ops/types";
import { normalizeDim } from "../shape/dim";
import { Dim, formatShape, Shape } from "../shape/shape";
import { ExprInferrer } from "./infer-exprs";
import { substituteDims } from "./infer";
import type { FnSig } from "./lookup";
import { literalNumber, type OpCallArgs, readOpCall } from "./op-args";
import type { OpForm } from "../diagnostics/sites";
import { templateAnalyzer } from "./template-hook";
import { elementOf, isNumber, isTensor, join, numberValue, shapeOf, tensor, UNKNOWN, Value } from "./values";

const CONSTRUCTORS = new Set(["zeros", "ones", "randn"]);

const MATH_FOLD: Partial<Record<string, (...xs: number[]) => number>> = {
  sqrt: Math.sqrt, abs: Math.abs, exp: Math.exp, log: Math.log, floor: Math.floor, ceil: Math.ceil, round: Math.round,
  max: Math.max, min: Math.min, pow: Math.pow, log2: Math.log2, log10: Math.log10, trunc: Math.trunc,
};
const NUMBER_FUNCTIONS = new Set(["Number", "parseFloat", "parseInt"]);

function userOp(name: string): OpDef | undefined {
  const op = getOp(name);
  return op && op.kind !== "internal" ? op : undefined;
}

/** `matmul [1,D] @ [D,H]`, `sigmoid [1,H]`, `sum [2,3] axis 1`: the one-line provenance. */
export function opLabel(op: OpDef, shapes: ReadonlyArray<Shape | null>, attrs: OpAttrs): string {
  const f = shapes.map(formatShape);
  const s = f.length === 2 && op.symbol ? `${op.name} ${f[0]} ${op.symbol} ${f[1]}` : `${op.name} ${f.join(", ")}`;
  return s + formatAttrs(attrs);
}

/** The first 48 characters of a node's text on one line: provenance that costs nothing on huge expressions. */
export function short(node: ts.Node, sf: ts.SourceFile): string {
  const start = node.getStart(sf);
  const one = sf.text.slice(start, Math.min(node.end, start + 200)).replace(/\s+/g, " ");
  return one.length > 48 || node.end - start > 200 ? one.slice(0, 45) + "…" : one;
}

function literalDim(e: ts.Expression | undefined): Dim {
  if (!e) return null;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return normalizeDim(e.text);
  return null;
}

/** `tensor(3)` → [], `tensor([[1,2,3],[4,5,6]])` → [2,3]; anything not literal → unknown. */
function literalShape(e: ts.Expression | undefined): Shape | null {
  if (!e) return null;
  if (literalNumber(e) !== undefined) return [];
  if (!ts.isArrayLiteralExpression(e)) return null;
  if (e.elements.length === 0) return [0];
  const inner = literalShape(e.elements[0]);
  return inner === null ? null : [e.elements.length, ...inner];
}

/**
 * A `reshape` shape that is not all literals, item by item: a dim written literally (`"H"`, kept
 * by the array value), a number whose dim is known (`x.shape[0]`), or `-1` (the size inferred), as
 * in the flatten `x.reshape([x.shape[0], -1])`; undefined when an item is none of these.
 */
function shapeAttr(v: Value & { k: "arr" }): Dim[] | undefined {
  const out: Dim[] = [];
  for (let i = 0; i < v.items.length; i++) {
    const x = v.items[i]!;
    const d = v.dims?.[i] ?? (isNumber(x) ? (x.dim ?? (x.value === -1 ? -1 : undefined)) : undefined);
    if (d === undefined || d === null) return undefined;
    out.push(d);
  }
  return out;
}

/** A non-scalar operand broadcast to a larger result. */
function stretched(s: Shape | null, result: Shape): boolean {
  if (!s || s.every((d) => d === 1)) return false;
  return s.length !== result.length || s.some((d, i) => d !== result[i]);
}

export interface Operand {
  v: Value;
  node?: ts.Expression;
}

export abstract class OpInferrer extends ExprInferrer {
  /** The math text of each chainrule template (literal parts, unit-relative, end inclusive). */
  readonly templateParts: Array<[number, number]> = [];

  /** A call of a function of another unit (or an imported one), by its signature. */
  protected abstract userCall(e: ts.CallExpression, sig: FnSig, args: readonly Value[], self?: Value): Value;
  /** How firmly an operand's layout is declared (see OpSite.anchored). */
  protected abstract anchored(e: ts.Expression | undefined, elements?: boolean): number;

  /** `x.T` (see OpSite.restores). */
  protected restores(e: ts.Expression | undefined): boolean {
    while (e && (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e))) e = e.expression;
    return !!e && ts.isPropertyAccessExpression(e) && e.name.text === "T";
  }
  /** A static method's call `C.m(…)`, when `C` names a class that has one (infer-user.ts). */
  protected staticCall(_e: ts.CallExpression, _cls: string, _name: string): Value | undefined {
    return undefined;
  }

  /** `super.m(…)` in a method of a derived class (infer-user.ts). */
  protected superCall(_e: ts.CallExpression, _name: string): Value | undefined {
    return undefined;
  }

  /** `obj.m(args)` on a class instance. */
  protected abstract methodCall(e: ts.CallExpression, recv: Value & { k: "obj" }, name: string, args: readonly Value[]): Value;

  protected argValues(e: ts.CallExpression | ts.NewExpression): Value[] {
    return (e.arguments ?? []).map((a) => (ts.isSpreadElement(a) ? (this.expr(a.expression), UNKNOWN) : this.expr(a)));
  }

  protected call(e: ts.CallExpression): Value {
    const callee = e.expression;
    const cr = this.chainruleCallee(callee);
    if (cr) return this.chainruleCall(e, cr.name, cr.nameNode);
    if (ts.isPropertyAccessExpression(callee)) return this.memberCall(e, callee);
    if (ts.isIdentifier(callee)) {
      const local = this.scope.find(callee.text);
      if (local) {
        if (local.value.k === "fn") return this.callValue(local.value, this.argValues(e), e);
      } else {
        const sig = this.lookup.fn(callee.text);
        if (sig) return this.userCall(e, sig, this.argValues(e));
        if (NUMBER_FUNCTIONS.has(callee.text)) {
          this.argValues(e);
          return numberValue(callee.text);
        }
      }
      this.argValues(e);
      return UNKNOWN;
    }
    const f = this.expr(callee);
    const args = this.argValues(e);
    return f.k === "fn" ? this.callValue(f, args, e) : UNKNOWN;
  }

  private memberCall(e: ts.CallExpression, callee: ts.PropertyAccessExpression): Value {
    const name = callee.name.text;
    if (ts.isIdentifier(callee.expression) && !this.scope.find(callee.expression.text)) {
      const g = this.globalCall(callee.expression.text, name, e);
      if (g) return g;
      // `L.dense(x)` through a namespace import of a workspace module.
      const sig = this.lookup.isNamespace(callee.expression.text) ? undefined : this.lookup.fn(`${callee.expression.text}.${name}`);
      if (sig) return this.userCall(e, sig, this.argValues(e));
      const st = this.staticCall(e, callee.expression.text, name);
      if (st) return st;
    }
    if (callee.expression.kind === ts.SyntaxKind.SuperKeyword) {
      const r = this.superCall(e, name);
      if (r) return r;
    }
    const recv = this.expr(callee.expression);
    const op = userOp(name);
    if (op && (isTensor(recv) || (recv.k === "unknown" && DISTINCTIVE.has(name)))) {
      const call = this.readOp(op, e.arguments, true);
      const operands = this.opOperands(call, { v: recv, node: callee.expression });
      return this.apply(op, operands, call, "method", e, callee.name, callee.name.getStart(this.sf), e.end);
    }
    if (isTensor(recv) && name === "item") return numberValue(short(e, this.sf));
    if (recv.k === "arr" || recv.k === "list") {
      const r = this.arrayMethod(recv, callee.expression, name, e);
      if (r) return r;
    }
    if (recv.k === "obj") {
      const member = recv.props.get(name);
      // `o.m(x)`: a method or function expression gets `o` as `this`; an arrow keeps its own.
      const own = member?.k === "fn" && member.local && (ts.isMethodDeclaration(member.local.node) || ts.isFunctionExpression(member.local.node));
      if (member?.k === "fn") return this.callValue(member, this.argValues(e), e, own ? recv : undefined);
      if (member === undefined && recv.cls !== undefined) return this.methodCall(e, recv, name, this.argValues(e));
    }
    if (recv.k === "fn" && name === "call") {
      const [thisArg, ...rest] = this.argValues(e);
      return this.callValue(recv, rest, e, thisArg);
    }
    this.argValues(e);
    return UNKNOWN;
  }

  /** `Math.sqrt(d)`, `Array.from(…)`, `Object.values(o)`: built-ins whose results matter to shapes. */
  private globalCall(ns: string, name: string, e: ts.CallExpression): Value | undefined {
    if (ns === "Math") {
      const args = this.argValues(e);
      const f = MATH_FOLD[name];
      const vals = args.map((a) => (isNumber(a) ? a.value : undefined));
      const value = f && vals.every((v) => v !== undefined) ? f(...(vals as number[])) : undefined;
      return numberValue(short(e, this.sf), value);
    }
    if (ns === "Number" && (name === "parseFloat" || name === "parseInt")) {
      this.argValues(e);
      return numberValue(short(e, this.sf));
    }
    if (ns === "Array" && name === "from") {
      const [src, f] = this.argValues(e);
      const elem = src ? elementOf(src) : UNKNOWN;
      return { k: "list", elem: f && f.k === "fn" ? this.callValue(f, [elem, numberValue("index")], e) : elem };
    }
    if (ns === "Object" && (name === "values" || name === "entries")) {
      const [o] = this.argValues(e);
      const vals = o?.k === "obj" ? [...o.props.values(), ...(o.other ? [o.other] : [])] : [];
      const elem = vals.length ? vals.reduce(join) : UNKNOWN;
      return { k: "list", elem: name === "values" ? elem : { k: "arr", items: [UNKNOWN, elem] } };
    }
    return undefined;
  }

  protected operand(a: ts.Expression | undefined): Operand {
    return a ? { v: this.expr(a), node: a } : { v: UNKNOWN };
  }

  /**
   * The operands of an op call as its surface splits them (the receiver first, for a method); a
   * list is its array literal's elements, an array value's items, or one tensor. Undefined when a
   * list cannot be known, which makes the result unknown. Unread arguments are still visited.
   */
  private opOperands(call: OpCallArgs, receiver?: Operand): Operand[] | undefined {
    let operands: Operand[] | undefined = receiver ? [receiver] : [];
    for (const a of call.operands) operands.push(this.operand(a));
    const list = call.list;
    if (list) {
      if (ts.isArrayLiteralExpression(list) && !list.elements.some(ts.isSpreadElement)) {
        for (const el of list.elements) operands.push(this.operand(el));
      } else {
        const v = this.expr(list);
        // An array value with no items may only be one whose length inference does not know.
        if (v.k === "arr" && v.items.length > 0) operands.push(...v.items.map((x) => ({ v: x })));
        else if (v.k === "tensor") operands.push({ v, node: list });
        else operands = undefined;
      }
    }
    for (const a of call.unread) this.visit(a);
    return operands;
  }

  /** `matmul` imported from chainrule (unless shadowed), or `cr.matmul` through a namespace import. */
  protected chainruleCallee(callee: ts.Expression): { name: string; nameNode: ts.Node } | undefined {
    if (ts.isIdentifier(callee)) {
      if (this.scope.find(callee.text)) return undefined;
      const name = this.lookup.chainrule(callee.text);
      return name ? { name, nameNode: callee } : undefined;
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && !this.scope.find(callee.expression.text)) {
      if (this.lookup.isNamespace(callee.expression.text)) return { name: callee.name.text, nameNode: callee.name };
    }
    return undefined;
  }

  private chainruleCall(e: ts.CallExpression, name: string, nameNode: ts.Node): Value {
    const args = e.arguments;
    const prov = short(e, this.sf);
    let out: Value | undefined;
    if (CONSTRUCTORS.has(name)) {
      out = tensor(this.shapeArg(args[0]), prov);
      args.slice(1).forEach((a) => this.visit(a));
    } else if (name === "eye") {
      const d = this.dimArg(args[0]);
      out = tensor([d, d], prov);
    } else if (name === "tensor") {
      out = tensor(literalShape(args[0]), prov);
      if (out.k === "tensor" && out.shape === null) args.forEach((a) => this.visit(a));
    }
    if (out) {
      if (out.k === "tensor") this.entry(e, { kind: "expression", shape: out.shape, prov, start: 0, end: 0 });
      return out;
    }
    const op = userOp(name);
    if (!op) {
      args.forEach((a) => this.visit(a));
      return UNKNOWN;
    }
    const call = this.readOp(op, args, false);
    return this.apply(op, this.opOperands(call), call, "function", e, nameNode, nameNode.getStart(this.sf), e.end);
  }

  /**
   * An op call's arguments as the catalog splits them, attributes from literals — or from numbers
   * whose value inference knows (`sum(x, AXIS)` with `const AXIS = 1`, `slice(x, 1, 0, x.shape[1])`).
   */
  private readOp(op: OpDef, args: readonly ts.Expression[], method: boolean): OpCallArgs {
    const call = readOpCall(op, args, method);
    if (!call.nonLiteral) return call;
    const attrs: Record<string, unknown> = { ...call.attrs };
    const resolved = new Set<ts.Expression>();
    for (const [name, node] of Object.entries(call.attrNodes) as Array<[keyof OpAttrs, ts.Expression]>) {
      if (attrs[name] !== undefined || !node) continue;
      const v = this.expr(node);
      resolved.add(node);
      const num = isNumber(v) ? v : undefined;
      let got: unknown;
      if (name === "axis" || name === "exponent") got = num?.value;
      else if (name === "start" || name === "end") got = num?.dim ?? num?.value;
      else if (name === "axes" && v.k === "arr") got = v.items.every((x) => isNumber(x) && Number.isInteger(x.value)) ? v.items.map((x) => (x as { value: number }).value) : undefined;
      else if (name === "shape" && v.k === "arr") got = shapeAttr(v);
      if (got !== undefined) attrs[name] = got;
    }
    const missing = Object.keys(call.attrNodes).some((n) => attrs[n] === undefined);
    return { ...call, attrs: attrs as OpAttrs, nonLiteral: missing, unread: call.unread.filter((a) => !resolved.has(a)) };
  }

  /** A dim written as a literal, or a number whose dim is known (`x.shape[0]`, `const H = 128`). */
  private dimArg(el: ts.Expression | undefined): Dim {
    if (!el) return null;
    const d = literalDim(el);
    if (d !== null) return d;
    const v = this.expr(el);
    return isNumber(v) && v.dim !== undefined ? v.dim : null;
  }

  /** The shape argument of zeros/ones/randn: an array literal of dims, `x.shape`, or a tuple of numbers. */
  private shapeArg(a: ts.Expression | undefined): Shape | null {
    if (!a) return null;
    if (ts.isArrayLiteralExpression(a)) {
      // `[...x.shape, "K"]` is read as its value (a spread tuple splices, infer-exprs.ts).
      if (!a.elements.some((el) => ts.isSpreadElement(el))) return a.elements.map((el) => this.dimArg(el));
    }
    const v = this.expr(a);
    if (v.k === "arr") return v.items.map((x, i) => v.dims?.[i] ?? (isNumber(x) && x.dim !== undefined ? x.dim : null));
    return null;
  }

  protected apply(
    op: OpDef, known: Operand[] | undefined, call: Pick<OpCallArgs, "attrs" | "nonLiteral" | "attrNodes"> | undefined, form: OpForm,
    node: ts.Expression, name: ts.Node, start: number, end: number,
  ): Value {
    const operands = known ?? [];
    // Arrays of exactly their length (map, not push): the entries below keep them.
    const shapes = operands.map((o) => shapeOf(o.v));
    const operandOps = operands.map((o) => (o.v.k === "tensor" ? o.v.op : undefined));
    const attrs: OpAttrs = call?.attrs ?? {};
    const label = opLabel(op, shapes, attrs);
    let shape: Shape | null = null;
    // A non-literal attribute or list: the result's shape cannot be known, and nothing can be reported.
    if (known && !call?.nonLiteral) {
      let r = op.shape(shapes, attrs);
      // `@dims D=784` on the function makes D and 784 one dim here.
      const staticDims = this.frame?.staticDims;
      if (!r.ok && staticDims) {
        const again = op.shape(shapes.map((s) => substituteDims(s, staticDims)), attrs);
        if (again.ok) r = again;
      }
      if (!r.ok || r.warning) {
        const problem = r.ok ? r.warning! : r.problem;
        // Clashing dim k belongs to operand problem.operands[k]: look for its origin inside that operand.
        const origins = (problem.dims ?? [])
          .map((d, k) => this.originOf(d, operands[problem.operands?.[k] ?? k]?.node))
          .filter((o) => o !== undefined);
        this.site({
          kind: "op", problem, op: op.name, form, node, name, operands: operands.map((o) => o.node), shapes, start, end, origins,
          operandOps: operands.map((o) => (o.v.k === "tensor" ? o.v.op : undefined)),
          anchored: operands.map((o) => this.anchored(o.node, op.name !== "matmul")),
          restores: operands.map((o) => this.restores(o.node)),
          ...(call ? { attrs, attrNodes: call.attrNodes } : {}),
        });
      }
      // After an error the result is unknown, so one mistake is reported once (no cascade).
      if (r.ok) shape = r.shape;
      if (r.ok && shape && shapes.length === 2 && op.jacobian === "diagonal" && shapes.some((s) => stretched(s, shape!))) this.broadcasts++;
    }
    this.entry(name, { kind: "operator", name: op.name, op: op.name, operands: shapes, operandOps, shape, prov: label, start: 0, end: 0 });
    this.entry(node, { kind: "expression", shape, prov: label, start: 0, end: 0 });
    return tensor(shape, label, op.name);
  }

  protected override property(e: ts.PropertyAccessExpression): Value {
    const cr = this.chainruleCallee(e);
    if (cr) return UNKNOWN;
    if (e.name.text === "T") {
      const recv = this.expr(e.expression);
      if (isTensor(recv)) {
        return this.apply(userOp("transpose")!, [{ v: recv, node: e.expression }], undefined, "property", e, e.name, e.name.getStart(this.sf), e.end);
      }
      return recv.k === "obj" ? (recv.props.get("T") ?? UNKNOWN) : UNKNOWN;
    }
    return super.property(e);
  }

  protected override template(e: ts.TaggedTemplateExpression): Value {
    const tag = this.chainruleCallee(e.tag);
    const spans = ts.isTemplateExpression(e.template) ? e.template.templateSpans : [];
    const values = spans.map((s) => this.expr(s.expression));
    const operands = values.map(shapeOf);
    if (!tag || tag.name !== "t") {
      if (!tag) this.visit(e.tag);
      return UNKNOWN;
    }
    if (this.collect && this.quiet === 0) this.templateText(e.template, spans, values);
    const analyze = templateAnalyzer();
    if (!analyze) return tensor(null, "t`…` template");
    const r = analyze(e, this.sf, operands);
    // An operand that is a whole `${…}` takes the op its TypeScript value came from (`${h}` with
    // h = sigmoid(…) is an element-wise result, which the diagonal-Jacobian note asks about).
    const interpolationOp = new Map<number, string>();
    spans.forEach((sp, i) => {
      const v = values[i]!;
      if (v.k === "tensor" && v.op !== undefined) interpolationOp.set(sp.expression.getStart(this.sf), v.op);
    });
    for (const p of r.problems) {
      const ops = p.operands?.map((o) => {
        if (o.op !== undefined) return o;
        const text = this.sf.text;
        const inner = text.startsWith("${", o.start) ? o.start + 2 : o.start;
        const op = interpolationOp.get(inner + (text.slice(inner, o.end).length - text.slice(inner, o.end).trimStart().length));
        return op !== undefined ? { ...o, op } : o;
      });
      this.site({ kind: "template", ...p, ...(ops ? { operands: ops } : {}) });
    }
    const prov = r.prov ?? "t`…` template";
    this.entry(e, { kind: "expression", shape: r.shape, prov, start: 0, end: 0 });
    for (const o of r.ops ?? []) {
      const def = getOp(o.op);
      const label = def ? opLabel(def, o.operands, {}) : o.op;
      this.entryAt(o.opStart, o.opEnd, { kind: "operator", name: o.op, op: o.op, operands: o.operands, shape: o.shape, prov: label });
      this.entryAt(o.start, o.end, { kind: "expression", shape: o.shape, prov: label });
    }
    return tensor(r.shape, prov);
  }

  /**
   * What editors need of a chainrule template besides its ops: where its math text is (literal
   * parts, for completions that only apply there) and an entry per tensor operand `${…}` (its
   * inlay hint and its hover on `$`, `{`, `}`). Numbers are left out: `${2}` is plainly a scalar.
   */
  private templateText(tpl: ts.TemplateLiteral, spans: readonly ts.TemplateSpan[], values: readonly Value[]): void {
    const text = this.sf.text;
    const literals: ts.Node[] = ts.isNoSubstitutionTemplateLiteral(tpl) ? [tpl] : [tpl.head, ...spans.map((s) => s.literal)];
    literals.forEach((l, i) => {
      const start = l.getStart(this.sf) + 1;
      const last = i === literals.length - 1;
      // Parts end before `${`, or before the closing backtick (none when the template is unterminated).
      const end = last ? l.end - (text[l.end - 1] === "`" && l.end - 1 >= start ? 1 : 0) : l.end - 2;
      this.templateParts.push([start - this.base, Math.max(start, end) - this.base]);
    });
    spans.forEach((s, i) => {
      const v = values[i]!;
      if (!isTensor(v)) return;
      const start = literals[i]!.end - 2;
      // After the `}`; a template cut off while typing may have none.
      const close = s.literal.getStart(this.sf);
      const end = text[close] === "}" ? close + 1 : s.expression.end;
      this.entryAt(start, end, {
        kind: "expression", name: short(s.expression, this.sf), shape: v.shape, prov: v.prov, interpolation: true,
      });
    });
  }
}
