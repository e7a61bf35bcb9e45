// Shape inference over one top-level statement (a function, a `const F = (…) => …`, or module
// code), syntax only: raw TypeScript nodes, no type checker. Produces hover entries, diagnostic
// sites and what callers need (function signatures, module variables). Expressions live here;
// op applications and calls live in infer-calls.ts.

import { ts } from "ts-morph";
import type { Dim } from "../shape/shape";
import { shapeCompatible } from "../shape/shape";
import { typeValue, TypeCtx } from "./annotations";
import type { Lookup } from "./lookup";
import { Scope, Var } from "./scope";
import type { DimOrigin, Entry, Site } from "./sites";
import { join, numberValue, shapeOf, UNKNOWN, Value } from "./values";

/** A function as inference saw it: its signature for callers and its return expressions. */
export interface FnInfo {
  name: string;
  node: ts.SignatureDeclaration;
  params: Array<{ name: string; value: Value; typeNode?: ts.TypeNode }>;
  typeParams: string[];
  returns: Value;
  declaredReturn: boolean;
  returnExprs: ts.Expression[];
}

interface Frame {
  name: string;
  returns: Value[];
  returnExprs: ts.Expression[];
  declared?: Value;
  declaredNode?: ts.TypeNode;
}

export type FunctionLikeWithBody = ts.SignatureDeclaration & { readonly body?: ts.ConciseBody };

export function unwrapFunction(e: ts.Expression | undefined): (ts.ArrowFunction | ts.FunctionExpression) | undefined {
  while (e && (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e))) e = e.expression;
  return e && (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) ? e : undefined;
}

function endsAbruptly(s: ts.Statement | undefined): boolean {
  if (!s) return false;
  if (ts.isReturnStatement(s) || ts.isThrowStatement(s) || ts.isBreakStatement(s) || ts.isContinueStatement(s)) return true;
  if (ts.isBlock(s)) return endsAbruptly(s.statements[s.statements.length - 1]);
  return false;
}

export class InferBase {
  readonly entries: Entry[] = [];
  readonly sites: Site[] = [];
  readonly fns = new Map<string, FnInfo>();
  protected scope = new Scope();
  protected frame: Frame | undefined;
  protected dims = new Map<string, Dim>();
  /** Annotations seen so far, for "where did dim H come from" related information. */
  protected origins: DimOrigin[] = [];

  constructor(
    readonly sf: ts.SourceFile,
    readonly lookup: Lookup,
    /** Hover entries are only collected for the real file, not for fix verification. */
    readonly collect: boolean,
    /** Entries are stored relative to this offset (the unit's start), ready for caching. */
    readonly base = 0,
  ) {}

  protected get typeCtx(): TypeCtx {
    return { lookup: this.lookup, dims: this.dims };
  }

  /** Variables the statement declared at module level. */
  moduleVars(): Map<string, Value> {
    const m = new Map<string, Value>();
    for (const [n, v] of this.scope.vars) m.set(n, v.value);
    return m;
  }

  protected entry(node: ts.Node, e: Omit<Entry, "start" | "end">): void {
    if (this.collect) {
      const entry = e as Entry;
      entry.start = node.getStart(this.sf) - this.base;
      entry.end = node.end - this.base;
      this.entries.push(entry);
    }
  }

  /** An entry at file offsets (template operators have no TS node of their own). */
  protected entryAt(start: number, end: number, e: Omit<Entry, "start" | "end">): void {
    if (this.collect) this.entries.push({ ...e, start: start - this.base, end: end - this.base });
  }

  protected noteOrigins(value: Value, node: ts.Node, what: string): void {
    if (value.k !== "tensor" || !value.shape) return;
    for (const d of value.shape) {
      if (d !== null && d !== 1 && !this.origins.some((o) => o.dim === d)) {
        this.origins.push({ dim: d, start: node.getStart(this.sf), end: node.end, what });
      }
    }
  }

  /** Where dim d of an operand came from: the annotation of a variable used in the operand whose
   *  annotated shape has d, else the first annotation in scope that mentions d. */
  originOf(d: Dim, operand?: ts.Node): DimOrigin | undefined {
    if (d === null || d === 1) return undefined;
    let found: DimOrigin | undefined;
    const search = (n: ts.Node): void => {
      if (found) return;
      if (ts.isIdentifier(n)) {
        const v = this.scope.find(n.text);
        const shape = v?.declared?.k === "tensor" ? v.declared.shape : null;
        if (v?.annotation && shape?.includes(d)) found = { dim: d, ...v.annotation, what: `the annotation of ${n.text}` };
        return;
      }
      // Property names (`x.T`'s T, `a.matmul`'s matmul) are not variables.
      if (ts.isPropertyAccessExpression(n)) return search(n.expression);
      ts.forEachChild(n, search);
    };
    if (operand) search(operand);
    return found ?? this.origins.find((o) => o.dim === d);
  }

  // ---- statements -------------------------------------------------------------------------

  unit(stmt: ts.Statement): void {
    if (ts.isFunctionDeclaration(stmt)) {
      const name = stmt.name?.text ?? "default";
      this.fns.set(name, this.fn(stmt, name));
    } else this.statement(stmt);
  }

  fn(node: FunctionLikeWithBody, name: string): FnInfo {
    const saved = { scope: this.scope, frame: this.frame, dims: this.dims, origins: this.origins };
    this.scope = new Scope(saved.scope);
    this.dims = new Map(saved.dims);
    this.origins = [...saved.origins];
    const typeParams = (node.typeParameters ?? []).map((p) => p.name.text);
    for (const tp of typeParams) this.dims.set(tp, tp);
    const frame: Frame = { name, returns: [], returnExprs: [] };
    this.frame = frame;
    try {
      const params: FnInfo["params"] = [];
      for (const p of node.parameters) {
        const declared = p.type ? typeValue(p.type, this.typeCtx) : UNKNOWN;
        const value = declared.k !== "unknown" ? declared : p.initializer ? this.expr(p.initializer) : UNKNOWN;
        if (ts.isIdentifier(p.name)) {
          const pname = p.name.text;
          params.push({ name: pname, value: declared, ...(p.type ? { typeNode: p.type } : {}) });
          this.scope.vars.set(pname, { value, ...(p.type ? { declared, annotation: { start: p.type.getStart(this.sf), end: p.type.end } } : {}) });
          if (p.type) this.noteOrigins(declared, p.type, `the annotation of ${pname}`);
          if (value.k === "tensor") {
            this.entry(p.name, { kind: "parameter", name: pname, shape: value.shape, prov: value.prov, decl: true, annotated: !!p.type });
          }
        } else {
          params.push({ name: p.name.getText(this.sf), value: UNKNOWN });
          this.bindPattern(p.name, declared);
        }
      }
      if (node.type) {
        frame.declared = typeValue(node.type, this.typeCtx);
        frame.declaredNode = node.type;
      }
      const body = node.body;
      if (body && ts.isBlock(body)) this.block(body);
      else if (body) this.returned(body, this.expr(body));
      const declaredReturn = frame.declared !== undefined && frame.declared.k !== "unknown";
      const inferred = frame.returns.length ? frame.returns.reduce(join) : UNKNOWN;
      return {
        name, node, params, typeParams, returnExprs: frame.returnExprs, declaredReturn,
        returns: declaredReturn ? frame.declared! : inferred,
      };
    } finally {
      this.scope = saved.scope;
      this.frame = saved.frame;
      this.dims = saved.dims;
      this.origins = saved.origins;
    }
  }

  protected returned(e: ts.Expression, v: Value): void {
    const f = this.frame;
    if (!f) return;
    f.returns.push(v);
    f.returnExprs.push(e);
    const d = f.declared;
    if (d && d.k === "tensor" && v.k === "tensor" && d.shape && v.shape && !shapeCompatible(d.shape, v.shape)) {
      this.sites.push({
        kind: "annotation", start: e.getStart(this.sf), end: e.end, declared: d.shape, inferred: v.shape,
        role: "return", what: f.name, ...(f.declaredNode ? { typeNode: f.declaredNode } : {}),
      });
    }
  }

  protected block(b: ts.Block): void {
    const saved = this.scope;
    this.scope = new Scope(saved);
    try {
      for (const s of b.statements) this.statement(s);
    } finally {
      this.scope = saved;
    }
  }

  statement(s: ts.Statement): void {
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) this.declare(d);
    } else if (ts.isExpressionStatement(s)) {
      this.expr(s.expression);
    } else if (ts.isReturnStatement(s)) {
      if (s.expression) this.returned(s.expression, this.expr(s.expression));
    } else if (ts.isBlock(s)) {
      this.block(s);
    } else if (ts.isIfStatement(s)) {
      this.expr(s.expression);
      const before = this.scope.snapshot();
      this.statement(s.thenStatement);
      const afterThen = endsAbruptly(s.thenStatement) ? null : this.scope.snapshot();
      this.scope.restore(before);
      if (s.elseStatement) this.statement(s.elseStatement);
      const afterElse = endsAbruptly(s.elseStatement) ? null : this.scope.snapshot();
      this.scope.joinPaths(afterThen, afterElse);
    } else if (ts.isIterationStatement(s, false)) {
      this.loop(s);
    } else if (ts.isFunctionDeclaration(s)) {
      this.fn(s, s.name?.text ?? "function");
    } else {
      this.visitChildren(s);
    }
  }

  private loop(s: ts.IterationStatement): void {
    const saved = this.scope;
    this.scope = new Scope(saved);
    try {
      if (ts.isForStatement(s) && s.initializer) this.visit(s.initializer);
      if ((ts.isForOfStatement(s) || ts.isForInStatement(s)) && ts.isVariableDeclarationList(s.initializer)) {
        this.expr(s.expression);
        for (const d of s.initializer.declarations) this.bindPattern(d.name, UNKNOWN);
      }
      const before = this.scope.snapshot();
      if (ts.isForStatement(s)) {
        if (s.condition) this.expr(s.condition);
        if (s.incrementor) this.expr(s.incrementor);
      } else if (ts.isWhileStatement(s) || ts.isDoStatement(s)) this.expr(s.expression);
      // One pass over the body, then join with the state before it: a variable the body
      // reassigns to another shape becomes unknown where they differ.
      this.statement(s.statement);
      this.scope.joinPaths(before, this.scope.snapshot());
    } finally {
      this.scope = saved;
    }
  }

  protected declare(d: ts.VariableDeclaration): void {
    if (!ts.isIdentifier(d.name)) {
      this.bindPattern(d.name, d.initializer ? this.expr(d.initializer) : UNKNOWN);
      return;
    }
    const name = d.name.text;
    const fnNode = unwrapFunction(d.initializer);
    if (fnNode) {
      const info = this.fn(fnNode, name);
      if (!this.frame) this.fns.set(name, info);
      this.scope.vars.set(name, { value: UNKNOWN });
      return;
    }
    const inferred = d.initializer ? this.expr(d.initializer) : UNKNOWN;
    let value = inferred;
    const v: Var = { value };
    if (d.type) {
      const declared = typeValue(d.type, this.typeCtx);
      this.noteOrigins(declared, d.type, `the annotation of ${name}`);
      const ds = shapeOf(declared);
      const is = shapeOf(inferred);
      if (declared.k === "tensor" && inferred.k === "tensor" && ds && is && !shapeCompatible(ds, is)) {
        this.sites.push({ kind: "annotation", start: d.name.getStart(this.sf), end: d.name.end, typeNode: d.type, declared: ds, inferred: is, role: "variable", what: name });
      }
      if (declared.k !== "unknown") value = declared;
      v.value = value;
      v.declared = declared;
      v.annotation = { start: d.type.getStart(this.sf), end: d.type.end };
    }
    this.scope.vars.set(name, v);
    if (value.k === "tensor" && !value.num) {
      this.entry(d.name, { kind: "variable", name, shape: value.shape, prov: d.type ? "annotation" : value.prov, decl: true, annotated: !!d.type });
    }
  }

  protected bindPattern(p: ts.BindingName, v: Value): void {
    if (ts.isIdentifier(p)) {
      this.scope.vars.set(p.text, { value: v });
      if (v.k === "tensor" && !v.num) this.entry(p, { kind: "variable", name: p.text, shape: v.shape, prov: v.prov, decl: true, annotated: false });
      return;
    }
    if (ts.isObjectBindingPattern(p)) {
      for (const el of p.elements) {
        const keyNode = el.propertyName ?? el.name;
        const key = ts.isIdentifier(keyNode) || ts.isStringLiteral(keyNode) ? keyNode.text : undefined;
        const sub = !el.dotDotDotToken && key !== undefined && v.k === "obj" ? (v.props.get(key) ?? UNKNOWN) : UNKNOWN;
        this.bindPattern(el.name, sub);
      }
      return;
    }
    p.elements.forEach((el, i) => {
      if (ts.isOmittedExpression(el)) return;
      const sub = !el.dotDotDotToken && v.k === "arr" ? (v.items[i] ?? UNKNOWN) : UNKNOWN;
      this.bindPattern(el.name, sub);
    });
  }

  /** Assignment to a local: an annotated variable keeps its annotation (and is checked). */
  protected assign(name: string, v: Value, rhs: ts.Expression): void {
    const target = this.scope.find(name);
    if (!target) return;
    const d = target.declared;
    if (d && d.k !== "unknown") {
      const ds = shapeOf(d);
      const is = shapeOf(v);
      if (d.k === "tensor" && v.k === "tensor" && ds && is && !shapeCompatible(ds, is)) {
        this.sites.push({ kind: "annotation", start: rhs.getStart(this.sf), end: rhs.end, declared: ds, inferred: is, role: "variable", what: name });
      }
      return;
    }
    target.value = v;
  }

  // ---- expressions --------------------------------------------------------------------------

  /** Any node met while walking: statements, expressions, nested functions; types are skipped. */
  visit(n: ts.Node): void {
    if (ts.isTypeNode(n)) return;
    if (ts.isFunctionLike(n)) {
      const fn = n as FunctionLikeWithBody;
      if ("body" in fn) this.fn(fn, fn.name && ts.isIdentifier(fn.name) ? fn.name.text : "function");
      return;
    }
    if (n.kind >= ts.SyntaxKind.FirstStatement && n.kind <= ts.SyntaxKind.LastStatement) this.statement(n as ts.Statement);
    else if (ts.isBlock(n)) this.block(n);
    else if (ts.isVariableDeclarationList(n)) for (const d of n.declarations) this.declare(d);
    else this.expr(n as ts.Expression);
  }

  protected visitChildren(n: ts.Node): void {
    ts.forEachChild(n, (c) => {
      this.visit(c);
    });
  }

  expr(e: ts.Expression): Value {
    if (ts.isIdentifier(e)) return this.identifier(e);
    if (ts.isNumericLiteral(e)) return numberValue(e.text);
    if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) return this.expr(e.expression);
    if (ts.isAsExpression(e) || ts.isTypeAssertionExpression(e)) {
      const inner = this.expr(e.expression);
      const asserted = typeValue(e.type, this.typeCtx);
      return asserted.k === "unknown" ? inner : asserted.k === "tensor" ? { ...asserted, prov: "as annotation" } : asserted;
    }
    if (ts.isPrefixUnaryExpression(e)) {
      const v = this.expr(e.operand);
      return v.k === "tensor" && v.num ? numberValue(e.getText(this.sf)) : UNKNOWN;
    }
    if (ts.isCallExpression(e)) return this.call(e);
    if (ts.isPropertyAccessExpression(e)) return this.property(e);
    if (ts.isElementAccessExpression(e)) {
      const obj = this.expr(e.expression);
      this.expr(e.argumentExpression);
      const i = e.argumentExpression;
      if (obj.k === "arr" && ts.isNumericLiteral(i)) return obj.items[Number(i.text)] ?? UNKNOWN;
      if (obj.k === "obj" && ts.isStringLiteral(i)) return obj.props.get(i.text) ?? UNKNOWN;
      return UNKNOWN;
    }
    if (ts.isConditionalExpression(e)) {
      this.expr(e.condition);
      return join(this.expr(e.whenTrue), this.expr(e.whenFalse));
    }
    if (ts.isBinaryExpression(e)) return this.binary(e);
    if (ts.isObjectLiteralExpression(e)) return this.object(e);
    if (ts.isArrayLiteralExpression(e)) return { k: "arr", items: e.elements.map((x) => this.expr(x)) };
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
      this.fn(e, e.name?.text ?? "function");
      return UNKNOWN;
    }
    if (ts.isTaggedTemplateExpression(e)) return this.template(e);
    this.visitChildren(e);
    return UNKNOWN;
  }

  private identifier(e: ts.Identifier): Value {
    const local = this.scope.find(e.text);
    const v = local ? local.value : e.text === "undefined" ? undefined : this.lookup.moduleVar(e.text);
    if (!v) return UNKNOWN;
    if (v.k === "tensor" && !v.num) this.entry(e, { kind: "variable", name: e.text, shape: v.shape, prov: v.prov });
    return v;
  }

  private binary(e: ts.BinaryExpression): Value {
    const k = e.operatorToken.kind;
    if (k === ts.SyntaxKind.EqualsToken) {
      const v = this.expr(e.right);
      if (ts.isIdentifier(e.left)) this.assign(e.left.text, v, e.right);
      else this.expr(e.left);
      return v;
    }
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    if (k === ts.SyntaxKind.QuestionQuestionToken || k === ts.SyntaxKind.BarBarToken) return join(l, r);
    if (k === ts.SyntaxKind.CommaToken) return r;
    if (l.k === "tensor" && l.num && r.k === "tensor" && r.num) return numberValue(e.getText(this.sf));
    return UNKNOWN;
  }

  private object(e: ts.ObjectLiteralExpression): Value {
    const props = new Map<string, Value>();
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p)) {
        const v = this.expr(p.initializer);
        if (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name)) props.set(p.name.text, v);
      } else if (ts.isShorthandPropertyAssignment(p)) {
        props.set(p.name.text, this.expr(p.name));
      } else if (ts.isSpreadAssignment(p)) {
        const v = this.expr(p.expression);
        if (v.k === "obj") for (const [key, w] of v.props) props.set(key, w);
      } else this.visit(p);
    }
    return { k: "obj", props };
  }

  // Implemented in infer-calls.ts.
  protected call(_e: ts.CallExpression): Value {
    return UNKNOWN;
  }
  protected property(_e: ts.PropertyAccessExpression): Value {
    return UNKNOWN;
  }
  protected template(_e: ts.TaggedTemplateExpression): Value {
    return UNKNOWN;
  }
}
