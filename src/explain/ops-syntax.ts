// The DSL's calling surface as the interpreter reads it: catalog ops as methods (`a.matmul(b)`,
// `a.T`), as functions (`matmul(a, b)`, `cr.matmul(a, b)`, imported under any name), in math
// templates t`…`, the constructors, and calls of user functions, methods and `Math.*`. Every op
// comes from the catalog by name and is called as its surface says, so a new catalog op is followed
// without a change here.

import { ts } from "ts-morph";
import { getOp } from "../ops/catalog";
import type { Algebra, OpDef } from "../ops/types";
import { readOpCall, type OpCallArgs } from "../analysis/op-args";
import type { Dim, Shape } from "../shape/shape";
import { evaluateTemplate, parseTemplate, templateSpanToOffsets } from "../template";
import { ExplainError, GNode } from "./graph";
import type { Interpreter } from "./interpret";
import { short } from "./interpret";
import { FileCtx, IValue, Scope, tensorValue } from "./values";

function userOp(name: string): OpDef | undefined {
  const op = getOp(name);
  return op && op.kind !== "internal" ? op : undefined;
}

const MATH_FUNCTIONS = new Set(["sqrt", "exp", "log", "abs", "pow", "max", "min", "tanh", "floor", "ceil", "round"]);

/** The literal parts of a template and where each starts in the file (after the backtick or `}`). */
function templateParts(tpl: ts.TemplateLiteral, sf: ts.SourceFile): { parts: string[]; starts: number[] } {
  const text = sf.text;
  const literals: ts.Node[] = ts.isNoSubstitutionTemplateLiteral(tpl) ? [tpl] : [tpl.head, ...tpl.templateSpans.map((s) => s.literal)];
  const starts = literals.map((l) => l.getStart(sf) + 1);
  const parts = literals.map((l, i) => text.slice(starts[i]!, Math.max(starts[i]!, l.end - (i === literals.length - 1 ? 1 : 2))));
  return { parts, starts };
}

export class OpSyntax {
  constructor(private readonly it: Interpreter) {}

  private get graph() {
    return this.it.graph;
  }

  /** The chainrule export a callee names (`matmul`, `mm` imported as matmul, `cr.matmul`), unless shadowed. */
  private chainruleName(callee: ts.Expression, scope: Scope, ctx: FileCtx): { name: string; nameNode: ts.Node } | undefined {
    const lookup = ctx.state.lookup;
    if (ts.isIdentifier(callee)) {
      if (scope.find(callee.text)) return undefined;
      const name = lookup.chainrule(callee.text);
      return name ? { name, nameNode: callee } : undefined;
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && !scope.find(callee.expression.text) && lookup.isNamespace(callee.expression.text)) {
      return { name: callee.name.text, nameNode: callee.name };
    }
    return undefined;
  }

  call(e: ts.CallExpression, scope: Scope, ctx: FileCtx): IValue {
    const callee = e.expression;
    const cr = this.chainruleName(callee, scope, ctx);
    if (cr) return this.chainruleCall(e, cr.name, scope, ctx);
    if (ts.isPropertyAccessExpression(callee)) {
      if (ts.isIdentifier(callee.expression) && callee.expression.text === "Math" && !scope.find("Math")) return this.mathCall(e, callee.name.text, scope, ctx);
      const recv = this.it.expr(callee.expression, scope, ctx);
      const name = callee.name.text;
      if (recv.k === "t") {
        const op = userOp(name);
        if (!op) this.it.fail(`\`${name}\` is not an op of the catalog`, ctx, callee.name);
        // The receiver is the first operand; the catalog's surface says what the arguments are.
        return this.apply(op, readOpCall(op, e.arguments, true), [recv.node], e, callee.name, scope, ctx);
      }
      if (recv.k === "inst") {
        const m = this.it.method(recv, name);
        if (m) return this.it.call(m, this.args(e, scope, ctx), { ctx, node: e });
        const field = recv.fields.get(name);
        if (field?.k === "fn") return this.it.call(field.fn, this.args(e, scope, ctx), { ctx, node: e });
      }
      if (recv.k === "obj" && recv.props.get(name)?.k === "fn") {
        const f = recv.props.get(name) as IValue & { k: "fn" };
        return this.it.call(f.fn, this.args(e, scope, ctx), { ctx, node: e });
      }
      this.it.fail(`the call \`${short(e.getText(ctx.sf))}\``, ctx, e);
    }
    const f = this.it.expr(callee, scope, ctx);
    if (f.k !== "fn") this.it.fail(`\`${short(callee.getText(ctx.sf))}\` is not a function the derivation can follow`, ctx, callee);
    return this.it.call(f.fn, this.args(e, scope, ctx), { ctx, node: e });
  }

  private args(e: ts.CallExpression, scope: Scope, ctx: FileCtx): IValue[] {
    return e.arguments.map((a) => (ts.isSpreadElement(a) ? this.it.fail("spread arguments", ctx, a) : this.it.expr(a, scope, ctx)));
  }

  /**
   * Applies a catalog op to a call's arguments as its surface splits them (src/ops/surface.ts):
   * operands, a list (`concat([a, b], 1)`), attributes written as literals.
   */
  private apply(op: OpDef, call: OpCallArgs, receiver: GNode[], e: ts.CallExpression, opNode: ts.Node, scope: Scope, ctx: FileCtx): IValue {
    const operands = [...receiver];
    for (const a of call.operands) {
      if (!a) this.it.fail(`${op.name} needs ${op.surface.operands.length} operands`, ctx, e);
      operands.push(this.it.node(a, scope, ctx));
    }
    if (call.list) {
      if (!ts.isArrayLiteralExpression(call.list) || call.list.elements.some(ts.isSpreadElement)) this.it.fail(`${op.name}'s list written other than as [a, b, …]`, ctx, call.list);
      for (const el of call.list.elements) operands.push(this.it.node(el, scope, ctx));
    }
    // An attribute that is not a literal may still be a number the interpreter knows (`sum(x, AXIS)`).
    const attrs: Record<string, unknown> = { ...call.attrs };
    const resolved = new Set<ts.Expression>();
    for (const [name, node] of Object.entries(call.attrNodes)) {
      if (attrs[name] !== undefined || !node || (name !== "axis" && name !== "exponent" && name !== "start" && name !== "end")) continue;
      const v = this.it.node(node, scope, ctx);
      if (v.kind === "const" && v.value !== undefined) {
        attrs[name] = v.value;
        resolved.add(node);
      }
    }
    if (Object.keys(call.attrNodes).some((n) => attrs[n] === undefined)) this.it.fail(`${op.name}'s attributes written other than as numbers or literals`, ctx, e);
    if (call.unread.some((a) => !resolved.has(a))) this.it.fail(`the derivation does not follow ${op.name} called with these arguments`, ctx, e);
    return tensorValue(this.graph.op(op.name, operands, attrs as OpCallArgs["attrs"], this.it.span(ctx, e, opNode)));
  }

  private chainruleCall(e: ts.CallExpression, name: string, scope: Scope, ctx: FileCtx): IValue {
    const args = [...e.arguments];
    if (name === "zeros" || name === "ones") {
      const shape = this.shapeArg(args[0], scope, ctx) ?? this.it.fail(`${name}'s shape must be written out`, ctx, e);
      return tensorValue(this.graph.constant(name === "zeros" ? 0 : 1, shape, false));
    }
    if (name === "randn" || name === "eye" || name === "tensor") {
      // Values the derivation cannot see (random, or written out): an outside constant of known shape.
      const shape: Shape | null = name === "randn" ? this.shapeArg(args[0], scope, ctx) : name === "eye" ? square(args[0]) : literalShape(args[0]);
      return tensorValue(this.graph.input(short(e.getText(ctx.sf)), shape, { diff: false, src: this.it.span(ctx, e) }));
    }
    const op = userOp(name);
    if (!op) this.it.fail(`\`${name}\` from chainrule is not something the derivation follows`, ctx, e);
    return this.apply(op, readOpCall(op, args, false), [], e, e, scope, ctx);
  }

  /** `[1, "D"]` or `x.shape`. */
  private shapeArg(a: ts.Expression | undefined, scope: Scope, ctx: FileCtx): Shape | null {
    if (!a) return null;
    if (ts.isArrayLiteralExpression(a)) return a.elements.map(literalDim);
    const v = this.it.expr(a, scope, ctx);
    return v.k === "shape" ? v.of.shape : null;
  }

  private mathCall(e: ts.CallExpression, fn: string, scope: Scope, ctx: FileCtx): IValue {
    if (!MATH_FUNCTIONS.has(fn)) this.it.fail(`Math.${fn}`, ctx, e);
    const args = e.arguments.map((a) => this.it.node(a, scope, ctx));
    if (args.some((a) => !a.number)) this.it.fail(`Math.${fn} of a tensor`, ctx, e);
    return tensorValue(this.graph.math(fn, args));
  }

  property(e: ts.PropertyAccessExpression, scope: Scope, ctx: FileCtx): IValue {
    if (this.chainruleName(e, scope, ctx)) this.it.fail(`\`${e.getText(ctx.sf)}\` used as a value`, ctx, e);
    const recv = this.it.expr(e.expression, scope, ctx);
    const key = e.name.text;
    if (recv.k === "t" && !recv.node.number) {
      if (key === "T") return tensorValue(this.graph.op("transpose", [recv.node], {}, this.it.span(ctx, e, e.name)));
      if (key === "shape") return { k: "shape", of: recv.node };
    }
    if (recv.k === "inst") {
      const field = recv.fields.get(key);
      if (field) return field;
      const m = this.it.method(recv, key);
      if (m) return { k: "fn", fn: m };
    }
    if (recv.k === "obj" && recv.props.has(key)) return recv.props.get(key)!;
    if (recv.k === "arr" && key === "length") return tensorValue(this.graph.constant(recv.items.length));
    if (recv.k === "shape" && key === "length" && recv.of.shape) return tensorValue(this.graph.constant(recv.of.shape.length));
    this.it.fail(`\`${short(e.getText(ctx.sf))}\``, ctx, e);
  }

  template(e: ts.TaggedTemplateExpression, scope: Scope, ctx: FileCtx): IValue {
    const tag = this.chainruleName(e.tag, scope, ctx);
    if (tag?.name !== "t") this.it.fail("a tagged template that is not chainrule's t`…`", ctx, e);
    const tpl = e.template;
    const { parts, starts } = templateParts(tpl, ctx.sf);
    const parsed = parseTemplate(parts);
    const first = parsed.errors[0];
    if (first || !parsed.root) {
      const at = first ? templateSpanToOffsets(first.span, starts) : { start: tpl.getStart(ctx.sf), end: tpl.end };
      throw new ExplainError(`the template does not parse: ${first?.message ?? "it is empty"}`, { file: ctx.state.file, ...at });
    }
    const spans = ts.isTemplateExpression(tpl) ? tpl.templateSpans : [];
    const operands = spans.map((s) => this.it.node(s.expression, scope, ctx));
    const graph = this.graph;
    const alg: Algebra<GNode> = {
      apply: (name, args, attrs) => graph.op(name, args, attrs),
      constant: (v) => graph.constant(v),
      shapeOf: (x) => x.shape,
    };
    const file = ctx.state.file;
    const result = evaluateTemplate(parsed.root, operands, alg, {
      onNode(node, value) {
        // Each op node gets its place in the formula: the sub-expression with its operands (in a
        // one-line formula the operator alone is one character, too small to point at).
        if (value.kind !== "op" || value.src) return;
        const whole = templateSpanToOffsets(node.span, starts);
        value.src = { file, start: whole.start, end: whole.end, opStart: whole.start, opEnd: whole.end };
      },
    });
    return tensorValue(result);
  }
}

function literalDim(e: ts.Expression): Dim {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  return null;
}

function square(e: ts.Expression | undefined): Shape | null {
  if (!e) return null;
  const d = literalDim(e);
  return d === null ? null : [d, d];
}

/** `tensor([[1, 2], [3, 4]])` → [2,2]; `tensor(3)` → []. */
function literalShape(e: ts.Expression | undefined): Shape | null {
  if (!e) return null;
  if (ts.isNumericLiteral(e) || (ts.isPrefixUnaryExpression(e) && ts.isNumericLiteral(e.operand))) return [];
  if (!ts.isArrayLiteralExpression(e)) return null;
  if (e.elements.length === 0) return [0];
  const inner = literalShape(e.elements[0]);
  return inner === null ? null : [e.elements.length, ...inner];
}
