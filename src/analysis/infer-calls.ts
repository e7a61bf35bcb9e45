// Inference of calls: catalog ops as methods (`a.matmul(b)`, `a.T`) and functions (`matmul(a, b)`,
// `cr.matmul(a, b)`), constructors (`zeros([1, "D"])`, `eye(n)`, `tensor([[…]])`), templates, and
// calls of user functions with their annotated parameters checked and type-parameter dims bound.

import { ts } from "ts-morph";
import { getOp } from "../ops/catalog";
import type { OpAttrs, OpDef } from "../ops/types";
import { Dim, formatShape, Shape, shapeCompatible } from "../shape/shape";
import { InferBase } from "./infer";
import type { FnSig } from "./lookup";
import type { OpForm } from "./sites";
import { templateAnalyzer } from "./template-hook";
import { shapeOf, tensor, UNKNOWN, Value } from "./values";

/** Method names that mean a tensor op even when the receiver's type is unknown. Names shared with
 *  ordinary JS (`Math.exp`, `set.add`) count only on a known tensor receiver. */
const DISTINCTIVE = new Set(["matmul", "transpose", "sigmoid", "relu", "softmax", "logSoftmax", "crossEntropy", "outer"]);

const CONSTRUCTORS = new Set(["zeros", "ones", "randn"]);

function userOp(name: string): OpDef | undefined {
  const op = getOp(name);
  return op && op.kind !== "internal" ? op : undefined;
}

/** `matmul [1,D] @ [D,H]`, `sigmoid [1,H]`, `sum [2,3] axis 1`: the one-line provenance. */
export function opLabel(op: OpDef, shapes: ReadonlyArray<Shape | null>, attrs: OpAttrs): string {
  const f = shapes.map(formatShape);
  let s: string;
  if (op.arity === 2) s = op.symbol ? `${op.name} ${f[0]} ${op.symbol} ${f[1]}` : `${op.name} ${f[0]}, ${f[1]}`;
  else s = `${op.name} ${f[0]}`;
  return attrs.axis === undefined ? s : `${s} axis ${attrs.axis}`;
}

function short(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > 48 ? one.slice(0, 45) + "…" : one;
}

/** A number literal, possibly negated: an axis. */
function literalNumber(e: ts.Expression | undefined): number | undefined {
  if (!e) return undefined;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
  return undefined;
}

function literalDim(e: ts.Expression | undefined): Dim {
  if (!e) return null;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
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

interface Operand {
  v: Value;
  node?: ts.Expression;
}

export class Inferrer extends InferBase {
  /** The math text of each chainrule template (literal parts, unit-relative, end inclusive). */
  readonly templateParts: Array<[number, number]> = [];

  protected override call(e: ts.CallExpression): Value {
    const callee = e.expression;
    const cr = this.chainruleCallee(callee);
    if (cr) return this.chainruleCall(e, cr.name, cr.nameNode);
    if (ts.isPropertyAccessExpression(callee)) {
      const recv = this.expr(callee.expression);
      const op = userOp(callee.name.text);
      if (op && (recv.k === "tensor" || (recv.k === "unknown" && DISTINCTIVE.has(op.name)))) {
        const args = e.arguments;
        const operands: Operand[] = [{ v: recv, node: callee.expression }];
        let rest: readonly ts.Expression[] = args;
        let axisArg: ts.Expression | undefined;
        if (op.arity === 2) {
          operands.push(this.operand(args[0]));
          rest = args.slice(1);
        } else if (op.kind === "reduce") {
          axisArg = args[0];
          rest = args.slice(1);
        }
        for (const a of rest) this.visit(a);
        return this.apply(op, operands, axisArg, "method", e, callee.name, callee.expression.getStart(this.sf), callee.name.end);
      }
      for (const a of e.arguments) this.visit(a);
      return UNKNOWN;
    }
    if (ts.isIdentifier(callee) && !this.scope.find(callee.text)) {
      const sig = this.lookup.fn(callee.text);
      if (sig) return this.userCall(e, sig);
    } else this.visit(callee);
    for (const a of e.arguments) this.visit(a);
    return UNKNOWN;
  }

  private operand(a: ts.Expression | undefined): Operand {
    return a ? { v: this.expr(a), node: a } : { v: UNKNOWN };
  }

  /** `matmul` imported from chainrule (unless shadowed), or `cr.matmul` through a namespace import. */
  private chainruleCallee(callee: ts.Expression): { name: string; nameNode: ts.Node } | undefined {
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
    const prov = short(e.getText(this.sf));
    let out: Value | undefined;
    if (CONSTRUCTORS.has(name)) {
      out = tensor(this.shapeArg(args[0]), prov);
      args.slice(1).forEach((a) => this.visit(a));
    } else if (name === "eye") {
      const d = literalDim(args[0]);
      if (d === null && args[0]) this.visit(args[0]);
      out = tensor([d, d], prov);
    } else if (name === "tensor") {
      out = tensor(literalShape(args[0]), prov);
      if (out.k === "tensor" && out.shape === null) args.forEach((a) => this.visit(a));
    }
    if (out) {
      if (out.k === "tensor") this.entry(e, { kind: "expression", shape: out.shape, prov });
      return out;
    }
    const op = userOp(name);
    if (!op) {
      args.forEach((a) => this.visit(a));
      return UNKNOWN;
    }
    const operands = [this.operand(args[0])];
    if (op.arity === 2) operands.push(this.operand(args[1]));
    const axisArg = op.kind === "reduce" ? args[1] : undefined;
    args.slice(op.arity + (axisArg ? 1 : 0)).forEach((a) => this.visit(a));
    return this.apply(op, operands, axisArg, "function", e, nameNode, e.getStart(this.sf), e.end);
  }

  /** The shape argument of zeros/ones/randn: an array literal of dims, or `x.shape`. */
  private shapeArg(a: ts.Expression | undefined): Shape | null {
    if (!a) return null;
    if (ts.isArrayLiteralExpression(a)) {
      return a.elements.map((el) => {
        const d = literalDim(el);
        if (d === null) this.visit(el);
        return d;
      });
    }
    if (ts.isPropertyAccessExpression(a) && a.name.text === "shape") return shapeOf(this.expr(a.expression));
    this.visit(a);
    return null;
  }

  private apply(
    op: OpDef, operands: Operand[], axisArg: ts.Expression | undefined, form: OpForm,
    node: ts.Expression, name: ts.Node, start: number, end: number,
  ): Value {
    const shapes = operands.map((o) => shapeOf(o.v));
    const axis = literalNumber(axisArg);
    if (axisArg && axis === undefined) this.visit(axisArg);
    const attrs: OpAttrs = axis === undefined ? {} : { axis };
    const label = opLabel(op, shapes, attrs);
    let shape: Shape | null = null;
    // A non-literal axis: the result's shape cannot be known, and nothing can be reported.
    if (!(axisArg && axis === undefined)) {
      const r = op.shape(shapes, attrs);
      if (!r.ok || r.warning) {
        const problem = r.ok ? r.warning! : r.problem;
        // Clashing dim k belongs to operand problem.operands[k]: look for its origin inside that operand.
        const origins = (problem.dims ?? [])
          .map((d, k) => this.originOf(d, operands[problem.operands?.[k] ?? k]?.node))
          .filter((o) => o !== undefined);
        this.sites.push({ kind: "op", problem, op: op.name, form, node, name, operands: operands.map((o) => o.node), shapes, start, end, origins });
      }
      // After an error the result is unknown, so one mistake is reported once (no cascade).
      if (r.ok) shape = r.shape;
    }
    this.entry(name, { kind: "operator", name: op.name, op: op.name, operands: shapes, shape, prov: label });
    this.entry(node, { kind: "expression", shape, prov: label });
    return tensor(shape, label);
  }

  protected override property(e: ts.PropertyAccessExpression): Value {
    const cr = this.chainruleCallee(e);
    if (cr) return UNKNOWN;
    const recv = this.expr(e.expression);
    const key = e.name.text;
    if (recv.k === "tensor" && !recv.num && key === "T") {
      return this.apply(userOp("transpose")!, [{ v: recv, node: e.expression }], undefined, "property", e, e.name, e.expression.getStart(this.sf), e.end);
    }
    if (recv.k === "obj") return recv.props.get(key) ?? UNKNOWN;
    return UNKNOWN;
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
    if (this.collect) this.templateText(e.template, spans, values);
    const analyze = templateAnalyzer();
    if (!analyze) return tensor(null, "t`…` template");
    const r = analyze(e, this.sf, operands);
    for (const p of r.problems) this.sites.push({ kind: "template", ...p });
    const prov = r.prov ?? "t`…` template";
    this.entry(e, { kind: "expression", shape: r.shape, prov });
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
      if (v.k !== "tensor" || v.num) return;
      const start = literals[i]!.end - 2;
      // After the `}`; a template cut off while typing may have none.
      const close = s.literal.getStart(this.sf);
      const end = text[close] === "}" ? close + 1 : s.expression.end;
      this.entryAt(start, end, {
        kind: "expression", name: short(s.expression.getText(this.sf)), shape: v.shape, prov: v.prov, interpolation: true,
      });
    });
  }

  /** A call of a user function: bind its type-parameter dims, check annotated parameters. */
  private userCall(e: ts.CallExpression, sig: FnSig): Value {
    const args = e.arguments.map((a) => this.expr(a));
    const tps = new Set(sig.typeParams);
    const bound = new Map<string, Dim>();
    sig.params.forEach((p, i) => {
      const ps = shapeOf(p.value);
      const as = args[i] ? shapeOf(args[i]!) : null;
      if (!ps || !as || ps.length !== as.length) return;
      ps.forEach((d, j) => {
        if (typeof d === "string" && tps.has(d) && (bound.get(d) ?? null) === null) bound.set(d, as[j]!);
      });
    });
    const subst = (s: Shape | null): Shape | null => (s && tps.size ? s.map((d) => (typeof d === "string" && tps.has(d) ? (bound.get(d) ?? null) : d)) : s);
    sig.params.forEach((p, i) => {
      const arg = e.arguments[i];
      const expected = subst(shapeOf(p.value));
      const got = args[i] && args[i]!.k === "tensor" ? shapeOf(args[i]!) : null;
      if (arg && p.value.k === "tensor" && expected && got && !shapeCompatible(expected, got)) {
        this.sites.push({
          kind: "annotation", start: arg.getStart(this.sf), end: arg.end, declared: expected, inferred: got,
          role: "argument", what: `${p.name} of ${sig.name}`,
        });
      }
    });
    const prov = `returned by ${sig.name}()`;
    const substValue = (v: Value): Value => {
      if (v.k === "tensor") return tensor(subst(v.shape), prov);
      if (v.k === "obj") return { k: "obj", props: new Map([...v.props].map(([k, w]) => [k, substValue(w)])) };
      if (v.k === "arr") return { k: "arr", items: v.items.map(substValue) };
      return v;
    };
    const out = substValue(sig.returns);
    if (out.k === "tensor") this.entry(e, { kind: "expression", shape: out.shape, prov });
    return out;
  }
}
