// Inference of expressions that are not calls: names, numbers (every `number`-typed expression is
// a scalar `[]` operand, DSL.md v2 item 6), arithmetic, objects, arrays and tuples, element and
// property access, and the array methods that carry element shapes (`push`, `map`, `reduce`, …).

import { ts } from "ts-morph";
import { dimAdd, dimDivExact, dimMul, dimSub, normalizeDim } from "../shape/dim";
import type { Dim } from "../shape/shape";
import { typeValue } from "./annotations";
import { FunctionLikeWithBody, InferBase } from "./infer";
import { definitionPass, isInlineCallback, iterationCall } from "./callback-scope";
import { inheritedMember } from "./lookup";
import { elementOf, isNumber, isTensor, join, numberValue, UNKNOWN, Value, valueKey } from "./values";

const MATH_CONSTANTS: Record<string, number> = { PI: Math.PI, E: Math.E, LN2: Math.LN2, LN10: Math.LN10, LOG2E: Math.LOG2E, LOG10E: Math.LOG10E, SQRT2: Math.SQRT2, SQRT1_2: Math.SQRT1_2 };
const ARITHMETIC = new Set([
  ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken,
  ts.SyntaxKind.AsteriskAsteriskToken, ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken,
  ts.SyntaxKind.LessThanLessThanToken, ts.SyntaxKind.GreaterThanGreaterThanToken, ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
]);
const COMPOUND = new Set([
  ts.SyntaxKind.PlusEqualsToken, ts.SyntaxKind.MinusEqualsToken, ts.SyntaxKind.AsteriskEqualsToken, ts.SyntaxKind.SlashEqualsToken,
  ts.SyntaxKind.PercentEqualsToken, ts.SyntaxKind.AsteriskAsteriskEqualsToken,
]);

function fold(k: ts.SyntaxKind, a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  switch (k) {
    case ts.SyntaxKind.PlusToken: return a + b;
    case ts.SyntaxKind.MinusToken: return a - b;
    case ts.SyntaxKind.AsteriskToken: return a * b;
    case ts.SyntaxKind.SlashToken: return a / b;
    case ts.SyntaxKind.PercentToken: return a % b;
    case ts.SyntaxKind.AsteriskAsteriskToken: return a ** b;
    default: return undefined;
  }
}

/** The dim of `n * 2`, `n + 1`, `B * T` from the dims of its operands (dim expressions); undefined when it is not a dim. */
export function combineDims(k: ts.SyntaxKind, a: Dim | undefined, b: Dim | undefined): Dim | undefined {
  if (a === undefined || b === undefined || a === null || b === null) return undefined;
  if (typeof a === "number" && typeof b === "number") {
    const v = fold(k, a, b);
    return v !== undefined && Number.isInteger(v) && v >= 0 ? v : undefined;
  }
  const d = k === ts.SyntaxKind.PlusToken ? dimAdd(a, b) : k === ts.SyntaxKind.MinusToken ? dimSub(a, b) : k === ts.SyntaxKind.AsteriskToken ? dimMul(a, b) : k === ts.SyntaxKind.SlashToken ? dimDivExact(a, b) : null;
  return d === null ? undefined : d;
}

/** A dim name or dim expression written as a string element of an array literal (`"H"`, `"H+K"`). */
function stringDim(e: ts.Expression): Dim {
  let u = e;
  while (ts.isParenthesizedExpression(u)) u = u.expression;
  if (!ts.isStringLiteral(u) && !ts.isNoSubstitutionTemplateLiteral(u)) return null;
  try {
    return normalizeDim(u.text);
  } catch {
    return null;
  }
}

export abstract class ExprInferrer extends InferBase {
  /** Calls a function value (a local closure, a method, a function of another unit) with argument values. */
  protected abstract callValue(f: Value, args: readonly Value[], node: ts.Node, self?: Value): Value;
  protected abstract call(e: ts.CallExpression): Value;
  protected abstract newExpr(e: ts.NewExpression): Value;
  protected abstract template(e: ts.TaggedTemplateExpression): Value;
  /** `this.f = v` (infer-user.ts keeps the class's fields). */
  protected abstract assignField(name: string, v: Value, rhs: ts.Expression, target: ts.PropertyAccessExpression): void;
  /** The declared value of `this.f` (a field declared with a type), for checking what is pushed into it. */
  protected declaredField(_name: string): Value | undefined {
    return undefined;
  }

  expr(e: ts.Expression): Value {
    this.enter(e);
    try {
      return this.exprInner(e);
    } finally {
      this.depth--;
    }
  }

  private exprInner(e: ts.Expression): Value {
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (ts.isNumericLiteral(e)) return numberValue(e.text, Number(e.text));
    if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isAwaitExpression(e)) return this.expr(e.expression);
    if (e.kind === ts.SyntaxKind.ThisKeyword) return this.self ?? UNKNOWN;
    if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
      const inner = this.expr(e.expression);
      const asserted = typeValue(e.type, this.typeCtx);
      return asserted.k === "unknown" ? inner : asserted.k === "tensor" && !asserted.num ? { ...asserted, prov: "as annotation" } : asserted;
    }
    if (ts.isPrefixUnaryExpression(e)) return this.prefix(e);
    if (ts.isPostfixUnaryExpression(e)) {
      this.expr(e.operand);
      return numberValue(e.getText(this.sf));
    }
    if (ts.isCallExpression(e)) return this.call(e);
    if (ts.isNewExpression(e)) return this.newExpr(e);
    if (ts.isPropertyAccessExpression(e)) return this.property(e);
    if (ts.isElementAccessExpression(e)) return this.elementAccess(e);
    if (ts.isConditionalExpression(e)) {
      this.expr(e.condition);
      return join(this.expr(e.whenTrue), this.expr(e.whenFalse));
    }
    if (ts.isBinaryExpression(e)) return this.binary(e);
    if (ts.isObjectLiteralExpression(e)) return this.object(e);
    if (ts.isArrayLiteralExpression(e)) return this.array(e);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
      const name = e.name?.text ?? "callback";
      this.fn(e, name);
      return { k: "fn", local: { node: e, name, scope: this.scope, ...(ts.isArrowFunction(e) && this.self ? { self: this.self } : {}) } };
    }
    if (ts.isClassExpression(e)) return this.classDecl(e);
    if (ts.isTaggedTemplateExpression(e)) return this.template(e);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return UNKNOWN;
    this.visitChildren(e);
    return UNKNOWN;
  }

  private identifier(e: ts.Identifier): Value {
    const local = this.scope.find(e.text);
    let v = local?.value;
    if (!local) {
      if (e.text === "undefined") return UNKNOWN;
      if (e.text === "NaN" || e.text === "Infinity") return numberValue(e.text);
      v = this.lookup.moduleVar(e.text);
      if (!v) {
        const sig = this.lookup.fn(e.text);
        if (sig) return { k: "fn", id: sig.id };
      }
    }
    if (!v) return UNKNOWN;
    if (isTensor(v)) this.entry(e, { kind: "variable", name: e.text, shape: v.shape, prov: v.prov, start: 0, end: 0 });
    return v;
  }

  private prefix(e: ts.PrefixUnaryExpression): Value {
    const v = this.expr(e.operand);
    if (e.operator === ts.SyntaxKind.ExclamationToken) return UNKNOWN;
    if (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken) return numberValue(e.getText(this.sf));
    const value = isNumber(v) && v.value !== undefined ? (e.operator === ts.SyntaxKind.MinusToken ? -v.value : e.operator === ts.SyntaxKind.PlusToken ? v.value : undefined) : undefined;
    // `-x`, `+x`, `~x` are numbers in JS whatever x is (a tensor would be NaN).
    return numberValue(e.getText(this.sf), value);
  }

  private binary(e: ts.BinaryExpression): Value {
    const k = e.operatorToken.kind;
    if (k === ts.SyntaxKind.EqualsToken) {
      const v = this.expr(e.right);
      this.assignTo(e.left, v, e.right);
      return v;
    }
    if (COMPOUND.has(k)) {
      const l = this.expr(e.left);
      const r = this.expr(e.right);
      const v = isNumber(l) && (isNumber(r) || k !== ts.SyntaxKind.PlusEqualsToken) ? numberValue(e.getText(this.sf)) : UNKNOWN;
      if (ts.isIdentifier(e.left) && isNumber(l)) this.assign(e.left.text, v, e.right, e.left);
      return v;
    }
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    // `cache.get(k) ?? zeros(w.shape)`: the default tells the shape when the left side is unknown.
    if (k === ts.SyntaxKind.QuestionQuestionToken || k === ts.SyntaxKind.BarBarToken) return l.k === "unknown" ? r : r.k === "unknown" ? l : join(l, r);
    if (k === ts.SyntaxKind.AmpersandAmpersandToken) return join(l, r);
    if (k === ts.SyntaxKind.CommaToken) return r;
    const text = () => e.getText(this.sf);
    const num = (x: Value) => (isNumber(x) ? x : undefined);
    if (ARITHMETIC.has(k)) {
      // `-`, `*`, `/`, `%`, `**` and bitwise operators always give a number in JS.
      const a = num(l);
      const b = num(r);
      return numberValue(text(), fold(k, a?.value, b?.value), combineDims(k, a?.dim, b?.dim));
    }
    if (k === ts.SyntaxKind.PlusToken) {
      // `+` is a number when one side is and the other is not known to be something else (a string).
      const ok = (x: Value) => isNumber(x) || x.k === "unknown";
      if ((isNumber(l) || isNumber(r)) && ok(l) && ok(r) && !ts.isStringLiteralLike(e.left) && !ts.isStringLiteralLike(e.right)) {
        return numberValue(text(), fold(k, num(l)?.value, num(r)?.value), combineDims(k, num(l)?.dim, num(r)?.dim));
      }
    }
    return UNKNOWN;
  }

  private assignTo(target: ts.Expression, v: Value, rhs: ts.Expression): void {
    while (ts.isParenthesizedExpression(target) || ts.isNonNullExpression(target)) target = target.expression;
    if (ts.isIdentifier(target)) this.assign(target.text, v, rhs, target);
    else if (ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword) this.assignField(target.name.text, v, rhs, target);
    else if (ts.isElementAccessExpression(target) && ts.isIdentifier(target.expression)) {
      // `hs[t] = h`: the array's elements now include h.
      this.expr(target.argumentExpression);
      const found = this.scope.find(target.expression.text);
      if (found && !found.annotation && (found.value.k === "list" || found.value.k === "arr")) found.value = join(found.value, { k: "list", elem: v });
    } else if (ts.isArrayLiteralExpression(target) || ts.isObjectLiteralExpression(target)) this.assignPattern(target, v, rhs);
    else this.expr(target);
  }

  private object(e: ts.ObjectLiteralExpression): Value {
    const props = new Map<string, Value>();
    const methods: ts.MethodDeclaration[] = [];
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p)) {
        const v = this.expr(p.initializer);
        if (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name)) props.set(p.name.text, v);
      } else if (ts.isShorthandPropertyAssignment(p)) {
        props.set(p.name.text, this.expr(p.name));
      } else if (ts.isSpreadAssignment(p)) {
        const v = this.expr(p.expression);
        if (v.k === "obj") for (const [key, w] of v.props) props.set(key, w);
      } else if (ts.isMethodDeclaration(p) && ts.isIdentifier(p.name)) {
        const name = p.name.text;
        props.set(name, { k: "fn", local: { node: p as FunctionLikeWithBody, name, scope: this.scope } });
        methods.push(p);
      } else this.visit(p);
    }
    const obj: Value = { k: "obj", props };
    // `this` in an object literal's method is the object (as `o.m(x)` calls it: memberCall passes
    // the receiver), not an enclosing class's instance: the definition pass sees the literal's props.
    for (const m of methods) this.fn(m, (m.name as ts.Identifier).text, { self: obj });
    return obj;
  }

  private array(e: ts.ArrayLiteralExpression): Value {
    let spread = false;
    // A spread tuple splices its items in place (`randn([...x.shape])`, `[...x.shape, "H"]`), so
    // the literal stays a tuple; a spread of anything else makes it an array of the join.
    let spliced: { items: Value[]; dims: Dim[] } | undefined = { items: [], dims: [] };
    const items = e.elements.map((x) => {
      if (ts.isSpreadElement(x)) {
        spread = true;
        const v = this.expr(x.expression);
        if (v.k === "arr" && spliced) {
          spliced.items.push(...v.items);
          spliced.dims.push(...v.items.map((_, i) => v.dims?.[i] ?? null));
        } else spliced = undefined;
        return elementOf(v);
      }
      const v = ts.isOmittedExpression(x) ? UNKNOWN : this.expr(x);
      spliced?.items.push(v);
      spliced?.dims.push(stringDim(x));
      return v;
    });
    if (!spread) {
      const dims = e.elements.map((x) => stringDim(x));
      return dims.some((d) => d !== null) ? { k: "arr", items, dims } : { k: "arr", items };
    }
    if (spliced) return spliced.dims.some((d) => d !== null) ? { k: "arr", items: spliced.items, dims: spliced.dims } : { k: "arr", items: spliced.items };
    return { k: "list", elem: items.length ? items.reduce(join) : UNKNOWN };
  }

  private elementAccess(e: ts.ElementAccessExpression): Value {
    const obj = this.expr(e.expression);
    const i = e.argumentExpression;
    const idx = this.expr(i);
    if (obj.k === "arr") {
      const n = isNumber(idx) ? idx.value : undefined;
      if (n !== undefined && Number.isInteger(n)) return obj.items[n < 0 ? obj.items.length + n : n] ?? UNKNOWN;
      return elementOf(obj);
    }
    if (obj.k === "list") return obj.elem;
    if (obj.k === "obj") {
      if (ts.isStringLiteralLike(i)) return obj.props.get(i.text) ?? obj.other ?? UNKNOWN;
      return obj.other ?? UNKNOWN;
    }
    return UNKNOWN;
  }

  /** Property reads that are not ops (`x.T` is one: infer-calls.ts handles it first). */
  protected property(e: ts.PropertyAccessExpression): Value {
    const key = e.name.text;
    if (ts.isIdentifier(e.expression) && !this.scope.find(e.expression.text)) {
      const ns = e.expression.text;
      if (ns === "Math" && key in MATH_CONSTANTS) return numberValue(`Math.${key}`, MATH_CONSTANTS[key]);
      if (ns === "Number") return numberValue(`Number.${key}`);
      if (this.lookup.isNamespace(ns)) return UNKNOWN;
      // `L.dense`, `L.EPS` through a namespace import of a workspace module.
      const qualified = `${ns}.${key}`;
      const mv = this.lookup.moduleVar(qualified);
      if (mv) return mv;
      const sig = this.lookup.fn(qualified);
      if (sig) return { k: "fn", id: sig.id };
    }
    const recv = this.expr(e.expression);
    if (key === "length") return numberValue(e.getText(this.sf), recv.k === "arr" ? recv.items.length : undefined);
    if (isTensor(recv)) {
      if (key === "shape") {
        return recv.shape
          ? { k: "arr", items: recv.shape.map((d, i) => numberValue(`${e.getText(this.sf)}[${i}]`, typeof d === "number" ? d : undefined, d)) }
          : { k: "list", elem: numberValue("a dim") };
      }
      if (key === "data") return { k: "list", elem: numberValue("an element") };
      return UNKNOWN;
    }
    if (recv.k === "obj") return recv.props.get(key) ?? recv.other ?? this.instanceMember(recv, key, e);
    return UNKNOWN;
  }

  /** A member of a class instance that is not a field: a getter (its value) or a method (a callable). */
  protected instanceMember(recv: Value & { k: "obj" }, key: string, node: ts.Node): Value {
    if (recv.cls === undefined) return UNKNOWN;
    const m = this.lookup.method(recv.cls, key);
    if (!m) return UNKNOWN;
    if (inheritedMember(this.lookup, this.lookup.clsByKey(recv.cls), key, (c) => c.getters.has(key))) return this.callValue({ k: "fn", id: m.id }, [], node, recv);
    return { k: "fn", id: m.id };
  }

  /** Array methods that carry element values; undefined when `name` is not one. */
  protected arrayMethod(recv: Value & { k: "arr" | "list" }, recvNode: ts.Expression, name: string, e: ts.CallExpression): Value | undefined {
    const elem = elementOf(recv);
    const args = e.arguments;
    // A callback written in place is defined without touching the enclosing variables; its calls
    // (below, with the element shapes) assign them, as one pass of a loop body (callback-scope.ts).
    const fnArg = (i: number) =>
      args[i] ? (isInlineCallback(args[i]) ? definitionPass(this.scope, () => this.expr(args[i]!)) : this.expr(args[i]!)) : UNKNOWN;
    const each = <T>(call: () => T): T => (isInlineCallback(args[0]) ? iterationCall(this.scope, call, (b, a) => this.carried(b, a)) : call());
    const index = numberValue("index");
    switch (name) {
      case "push":
      case "unshift": {
        const vals = args.map((a) => (ts.isSpreadElement(a) ? elementOf(this.expr(a.expression)) : this.expr(a)));
        this.grow(recvNode, vals, args);
        return numberValue("length");
      }
      case "pop":
      case "shift":
        return elem;
      case "at":
        fnArg(0);
        return elem;
      case "map": {
        const f = fnArg(0);
        if (recv.k === "arr") return { k: "arr", items: recv.items.map((it, i) => this.callValue(f, [it, numberValue("index", i), recv], e)) };
        return { k: "list", elem: each(() => this.callValue(f, [elem, index, recv], e)) };
      }
      case "forEach": {
        const f = fnArg(0);
        each(() => this.callValue(f, [elem, index, recv], e));
        return UNKNOWN;
      }
      case "filter":
      case "find":
      case "findLast": {
        const f = fnArg(0);
        each(() => this.callValue(f, [elem, index, recv], e));
        return name === "filter" ? { k: "list", elem } : elem;
      }
      case "some":
      case "every": {
        const f = fnArg(0);
        each(() => this.callValue(f, [elem, index, recv], e));
        return UNKNOWN;
      }
      case "reduce": {
        const f = fnArg(0);
        const acc = args[1] ? this.expr(args[1]) : elem;
        // An accumulator that keeps its shape (a running sum) keeps it; one that does not is joined.
        const first = this.callValue(f, [acc, elem, index, recv], e);
        if (valueKey(first) === valueKey(acc)) return first;
        const second = this.silently(() => this.callValue(f, [join(acc, first), elem, index, recv], e));
        return join(first, second);
      }
      case "slice":
      case "reverse":
      case "sort":
      case "toReversed":
      case "toSorted":
        args.forEach((a) => this.visit(a));
        return { k: "list", elem };
      case "concat": {
        const others = args.map((a) => elementOf(this.expr(a)));
        return { k: "list", elem: others.reduce(join, elem) };
      }
      case "fill":
        return { k: "list", elem: fnArg(0) };
      case "entries":
        return { k: "list", elem: { k: "arr", items: [index, elem] } };
      case "keys":
        return { k: "list", elem: index };
      case "values":
        return { k: "list", elem };
      case "indexOf":
      case "lastIndexOf":
      case "findIndex":
        args.forEach((a) => this.visit(a));
        return numberValue(name);
      default:
        return undefined;
    }
  }

  /** `xs.push(v)`: the variable (or field) now holds an array whose elements include v. */
  private grow(target: ts.Expression, vals: readonly Value[], args: readonly ts.Expression[]): void {
    if (!vals.length) return;
    const added: Value = { k: "list", elem: vals.reduce(join) };
    let declared: Value | undefined;
    if (ts.isIdentifier(target)) {
      const found = this.scope.find(target.text);
      if (found && !found.annotation) found.value = join(found.value, added);
      if (found?.annotation) declared = found.declared;
    } else if (ts.isPropertyAccessExpression(target) && target.expression.kind === ts.SyntaxKind.ThisKeyword) {
      declared = this.declaredField(target.name.text);
    }
    // An annotated array (`hs: Tensor<[1, "H"]>[]`, a variable or a declared field) keeps its
    // annotation; what is pushed must fit it.
    const elem = declared?.k === "list" ? declared.elem : undefined;
    if (elem && isTensor(elem) && elem.shape && !elem.num) {
      vals.forEach((v, i) => {
        const arg = args[i];
        if (!arg || ts.isSpreadElement(arg) || !isTensor(v) || v.num || !v.shape || this.compatible(elem.shape!, v.shape)) return;
        this.site({ kind: "annotation", start: arg.getStart(this.sf), end: arg.end, declared: elem.shape, inferred: v.shape, role: "variable", what: `an element of ${target.getText(this.sf)}` });
      });
    }
  }
}
