// Turns a function's body (TypeScript syntax) into the forward graph over the op catalog, the way
// the user reads it: local variables name their values, helpers (local, module-level, imported)
// and class methods are inlined per call, `this.W` reads a field, templates t`…` evaluate through
// src/template. Nothing is run: the body is interpreted symbolically. What it cannot follow (a
// loop, a branch, an unknown call) is an ExplainError naming the construct and where it is.

import { ts } from "ts-morph";
import { typeValue } from "../analysis/annotations";
import { isNumberType } from "../analysis/gradient-targets";
import { unwrapFunction } from "../analysis/infer";
import { shapeOf } from "../analysis/values";
import { ExplainError, Graph, GNode, SourceSpan } from "./graph";
import { OpSyntax } from "./ops-syntax";
import { Callable, ClassInfo, FileCtx, FunctionNode, IValue, Scope, tensorValue, VOID } from "./values";

/** Inlining deeper than this is almost surely unbounded recursion through other names. */
const MAX_DEPTH = 32;

/** A statement list's outcome: the returned value, or nothing when it ran to its end. */
type Flow = { returned: IValue } | undefined;

const STATEMENT_WORDS: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.IfStatement]: "`if` statements (a branch chosen at run time)",
  [ts.SyntaxKind.ForStatement]: "`for` loops",
  [ts.SyntaxKind.ForOfStatement]: "`for … of` loops",
  [ts.SyntaxKind.ForInStatement]: "`for … in` loops",
  [ts.SyntaxKind.WhileStatement]: "`while` loops",
  [ts.SyntaxKind.DoStatement]: "`do … while` loops",
  [ts.SyntaxKind.SwitchStatement]: "`switch` statements",
  [ts.SyntaxKind.TryStatement]: "`try` statements",
  [ts.SyntaxKind.ThrowStatement]: "`throw` statements",
  [ts.SyntaxKind.ClassDeclaration]: "class declarations inside a function",
};

export class Interpreter {
  private depth = 0;
  private readonly active = new Set<ts.Node>();
  private readonly moduleVars = new Map<string, IValue>();
  readonly ops: OpSyntax;

  constructor(readonly graph: Graph) {
    this.ops = new OpSyntax(this);
  }

  span(ctx: FileCtx, node: ts.Node, opNode?: ts.Node): SourceSpan {
    const start = node.getStart(ctx.sf);
    return { file: ctx.state.file, start, end: node.end, opStart: opNode ? opNode.getStart(ctx.sf) : start, opEnd: node.end };
  }

  fail(message: string, ctx: FileCtx, node: ts.Node): never {
    throw new ExplainError(message, { file: ctx.state.file, start: node.getStart(ctx.sf), end: node.end });
  }

  /** Whether the function being interpreted is the one explained (not a helper inlined into it). */
  get atTop(): boolean {
    return this.depth <= 1;
  }

  // ---- functions --------------------------------------------------------------------------

  call(fn: Callable, args: readonly IValue[], site?: { ctx: FileCtx; node: ts.Node }): IValue {
    const where = site ?? { ctx: fn.ctx, node: fn.node };
    if (this.active.has(fn.node)) this.fail(`${fn.name} calls itself: the derivation does not follow recursion`, where.ctx, where.node);
    if (this.depth >= MAX_DEPTH) this.fail(`calls nest deeper than ${MAX_DEPTH} levels`, where.ctx, where.node);
    this.active.add(fn.node);
    this.depth++;
    try {
      const scope = new Scope(fn.closure);
      if (fn.self) scope.declare("this", fn.self);
      fn.node.parameters.forEach((p, i) => {
        if (p.dotDotDotToken) this.fail("rest parameters (`...args`)", fn.ctx, p);
        let v = args[i];
        if (!v && p.initializer) v = this.expr(p.initializer, scope, fn.ctx);
        if (!v) this.fail(`${fn.name} is called without its parameter ${p.name.getText(fn.ctx.sf)}`, where.ctx, where.node);
        // A parameter is the caller's value under another name: it does not name the value.
        this.bindPattern(p.name, v, scope, fn.ctx, false);
      });
      const body = fn.node.body;
      if (!body) this.fail(`${fn.name} has no body`, fn.ctx, fn.node);
      if (!ts.isBlock(body)) return this.expr(body, scope, fn.ctx);
      return this.block(body.statements, scope, fn.ctx)?.returned ?? VOID;
    } finally {
      this.depth--;
      this.active.delete(fn.node);
    }
  }

  block(stmts: readonly ts.Statement[], scope: Scope, ctx: FileCtx): Flow {
    // Function declarations are hoisted: a helper may be called above the line that declares it.
    for (const s of stmts) {
      if (ts.isFunctionDeclaration(s) && s.name && s.body) scope.declare(s.name.text, { k: "fn", fn: { name: s.name.text, node: s, ctx, closure: scope } });
    }
    for (const s of stmts) {
      const flow = this.statement(s, scope, ctx);
      if (flow) return flow;
    }
    return undefined;
  }

  private statement(s: ts.Statement, scope: Scope, ctx: FileCtx): Flow {
    if (ts.isReturnStatement(s)) return { returned: s.expression ? this.expr(s.expression, scope, ctx) : VOID };
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        if (!d.initializer) {
          scope.declare(d.name.getText(ctx.sf), VOID);
          continue;
        }
        const v = this.expr(d.initializer, scope, ctx);
        this.bindPattern(d.name, v, scope, ctx);
      }
      return undefined;
    }
    if (ts.isExpressionStatement(s)) {
      this.expr(s.expression, scope, ctx);
      return undefined;
    }
    if (ts.isBlock(s)) return this.block(s.statements, new Scope(scope), ctx);
    if (ts.isFunctionDeclaration(s) || ts.isEmptyStatement(s) || ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) return undefined;
    this.fail(`the derivation does not follow ${STATEMENT_WORDS[s.kind] ?? `this statement (${ts.SyntaxKind[s.kind]})`}`, ctx, s);
  }

  /** Binds a declaration's or parameter's name; a tensor value takes the name if it has none yet. */
  bindPattern(p: ts.BindingName, v: IValue, scope: Scope, ctx: FileCtx, names = true): void {
    if (ts.isIdentifier(p)) {
      scope.declare(p.text, v);
      if (names) this.nameValue(v, p.text);
      return;
    }
    if (ts.isObjectBindingPattern(p)) {
      for (const el of p.elements) {
        const key = (el.propertyName ?? el.name).getText(ctx.sf);
        if (el.dotDotDotToken || v.k !== "obj" || !v.props.has(key)) this.fail(`cannot destructure ${key} here`, ctx, el);
        this.bindPattern(el.name, v.props.get(key)!, scope, ctx, names);
      }
      return;
    }
    p.elements.forEach((el, i) => {
      if (ts.isOmittedExpression(el)) return;
      if (el.dotDotDotToken || v.k !== "arr" || !v.items[i]) this.fail("cannot destructure this element", ctx, el);
      this.bindPattern(el.name, v.items[i]!, scope, ctx, names);
    });
  }

  private nameValue(v: IValue, name: string): void {
    if (v.k !== "t" || v.node.kind !== "op" || v.node.name !== undefined) return;
    v.node.name = name;
    if (this.atTop) v.node.ownName = true;
  }

  // ---- expressions ------------------------------------------------------------------------

  expr(e: ts.Expression, scope: Scope, ctx: FileCtx): IValue {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) {
      return this.expr(e.expression, scope, ctx);
    }
    if (ts.isIdentifier(e)) return this.identifier(e, scope, ctx);
    if (e.kind === ts.SyntaxKind.ThisKeyword) return scope.find("this") ?? this.fail("`this` outside a method", ctx, e);
    if (ts.isNumericLiteral(e)) return tensorValue(this.graph.constant(Number(e.text)));
    if (ts.isPrefixUnaryExpression(e)) return this.prefix(e, scope, ctx);
    if (ts.isBinaryExpression(e)) return this.binary(e, scope, ctx);
    if (ts.isCallExpression(e)) return this.ops.call(e, scope, ctx);
    if (ts.isPropertyAccessExpression(e)) return this.ops.property(e, scope, ctx);
    if (ts.isElementAccessExpression(e)) return this.element(e, scope, ctx);
    if (ts.isTaggedTemplateExpression(e)) return this.ops.template(e, scope, ctx);
    if (ts.isNewExpression(e)) return this.construct(e, scope, ctx);
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return { k: "fn", fn: { name: e.name?.text ?? "function", node: e, ctx, closure: scope } };
    if (ts.isArrayLiteralExpression(e)) {
      return { k: "arr", items: e.elements.map((x) => (ts.isSpreadElement(x) ? this.fail("spread elements", ctx, x) : this.expr(x, scope, ctx))) };
    }
    if (ts.isObjectLiteralExpression(e)) return this.object(e, scope, ctx);
    if (ts.isConditionalExpression(e)) this.fail("`?:` (a value chosen at run time)", ctx, e);
    this.fail(`the derivation does not follow \`${short(e.getText(ctx.sf))}\``, ctx, e);
  }

  /** A value that must be a tensor or a number: the operand of an op. */
  node(e: ts.Expression, scope: Scope, ctx: FileCtx): GNode {
    const v = this.expr(e, scope, ctx);
    if (v.k === "t") return v.node;
    this.fail(`\`${short(e.getText(ctx.sf))}\` is not a tensor or a number here`, ctx, e);
  }

  private identifier(e: ts.Identifier, scope: Scope, ctx: FileCtx): IValue {
    const local = scope.find(e.text);
    if (local) {
      if (local.k === "void") this.fail(`${e.text} has no value here`, ctx, e);
      return local;
    }
    return this.moduleName(e.text, ctx) ?? this.fail(`unknown name ${e.text}`, ctx, e);
  }

  /** A module-level (or imported) function or constant. */
  moduleName(name: string, ctx: FileCtx): IValue | undefined {
    const fn = this.moduleFunction(name, ctx);
    if (fn) return { k: "fn", fn };
    return this.moduleVar(name, ctx);
  }

  moduleFunction(name: string, ctx: FileCtx): Callable | undefined {
    const r = ctx.state.resolveFn(name, 0);
    if (!r) return undefined;
    const node = functionIn(r.unit.stmt, r.meta.name);
    return node && r.state.sf ? { name, node, ctx: { state: r.state, sf: r.state.sf } } : undefined;
  }

  moduleClass(name: string, ctx: FileCtx): ClassInfo | undefined {
    for (const st of ctx.sf.statements) {
      if (ts.isClassDeclaration(st) && st.name?.text === name) return { name, decl: st, ctx };
    }
    return undefined;
  }

  /** A module constant: interpreted when declared in this file, else an input known by its shape. */
  private moduleVar(name: string, ctx: FileCtx): IValue | undefined {
    const key = `${ctx.state.file}\0${name}`;
    const known = this.moduleVars.get(key);
    if (known) return known;
    let v: IValue | undefined;
    for (const st of ctx.sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      const d = st.declarationList.declarations.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
      if (!d?.initializer) continue;
      try {
        v = this.expr(d.initializer, new Scope(), ctx);
      } catch (err) {
        if (!(err instanceof ExplainError)) throw err;
      }
      break;
    }
    if (!v || v.k !== "t" || v.node.kind === "op") {
      // Not a plain number: an outside constant, as the analyzer sees it (a tensor of its shape).
      const info = ctx.state.moduleVar(name, 0);
      if (v?.k === "t") v = tensorValue(this.graph.input(name, v.node.shape, { diff: false, ...(v.node.number ? { number: true } : {}) }));
      else if (info?.k === "tensor") v = tensorValue(this.graph.input(name, info.shape, { diff: false, ...(info.num ? { number: true } : {}) }));
    }
    if (v) this.moduleVars.set(key, v);
    return v;
  }

  private prefix(e: ts.PrefixUnaryExpression, scope: Scope, ctx: FileCtx): IValue {
    if (e.operator === ts.SyntaxKind.PlusToken) return this.expr(e.operand, scope, ctx);
    if (e.operator !== ts.SyntaxKind.MinusToken) this.fail(`the operator \`${ts.tokenToString(e.operator)}\``, ctx, e);
    const a = this.node(e.operand, scope, ctx);
    if (a.kind === "const" && a.value !== undefined && a.number) return tensorValue(this.graph.constant(-a.value));
    if (!a.number) this.fail("`-` on a tensor (write neg(…) or sub(…))", ctx, e);
    return tensorValue(this.graph.op("neg", [a], {}, this.span(ctx, e)));
  }

  private binary(e: ts.BinaryExpression, scope: Scope, ctx: FileCtx): IValue {
    const k = e.operatorToken.kind;
    if (k === ts.SyntaxKind.EqualsToken) return this.assign(e, scope, ctx);
    const arith: Partial<Record<ts.SyntaxKind, string>> = {
      [ts.SyntaxKind.PlusToken]: "add", [ts.SyntaxKind.MinusToken]: "sub", [ts.SyntaxKind.AsteriskToken]: "mul", [ts.SyntaxKind.SlashToken]: "div",
    };
    const op = arith[k];
    if (k === ts.SyntaxKind.AsteriskAsteriskToken) {
      return tensorValue(this.graph.math("pow", [this.node(e.left, scope, ctx), this.node(e.right, scope, ctx)]));
    }
    if (!op) this.fail(`the operator \`${e.operatorToken.getText(ctx.sf)}\``, ctx, e.operatorToken);
    const a = this.node(e.left, scope, ctx);
    const b = this.node(e.right, scope, ctx);
    if (!a.number || !b.number) this.fail(`\`${e.operatorToken.getText(ctx.sf)}\` between tensors is not a DSL op`, ctx, e);
    return tensorValue(this.graph.op(op, [a, b], {}, this.span(ctx, e, e.operatorToken)));
  }

  private assign(e: ts.BinaryExpression, scope: Scope, ctx: FileCtx): IValue {
    const v = this.expr(e.right, scope, ctx);
    const left = e.left;
    if (ts.isIdentifier(left)) {
      if (!scope.assign(left.text, v)) this.fail(`assignment to ${left.text}, which is not a local variable`, ctx, left);
      this.nameValue(v, left.text);
      return v;
    }
    if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) {
      const self = scope.find("this");
      if (self?.k === "inst") {
        self.fields.set(left.name.text, v);
        return v;
      }
    }
    this.fail(`assignment to \`${short(left.getText(ctx.sf))}\``, ctx, left);
  }

  private element(e: ts.ElementAccessExpression, scope: Scope, ctx: FileCtx): IValue {
    const obj = this.expr(e.expression, scope, ctx);
    const i = e.argumentExpression;
    const index = ts.isNumericLiteral(i) ? Number(i.text) : undefined;
    if (obj.k === "shape" && index !== undefined) {
      const d = obj.of.shape?.[index];
      if (d === undefined || d === null) this.fail(`dim ${index} of this tensor is not known`, ctx, e);
      return tensorValue(typeof d === "number" ? this.graph.constant(d) : this.graph.dim(d));
    }
    if (obj.k === "arr" && index !== undefined && obj.items[index]) return obj.items[index]!;
    if (obj.k === "obj" && (ts.isStringLiteral(i) || ts.isNoSubstitutionTemplateLiteral(i)) && obj.props.has(i.text)) return obj.props.get(i.text)!;
    this.fail(`\`${short(e.getText(ctx.sf))}\` (an index known only at run time)`, ctx, e);
  }

  private object(e: ts.ObjectLiteralExpression, scope: Scope, ctx: FileCtx): IValue {
    const props = new Map<string, IValue>();
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) props.set(p.name.text, this.expr(p.initializer, scope, ctx));
      else if (ts.isShorthandPropertyAssignment(p)) props.set(p.name.text, this.identifier(p.name, scope, ctx));
      else if (ts.isSpreadAssignment(p)) {
        const v = this.expr(p.expression, scope, ctx);
        if (v.k !== "obj") this.fail("spreading something that is not an object", ctx, p);
        for (const [k, w] of v.props) props.set(k, w);
      } else this.fail("this kind of object member", ctx, p);
    }
    return { k: "obj", props };
  }

  // ---- classes ----------------------------------------------------------------------------

  private construct(e: ts.NewExpression, scope: Scope, ctx: FileCtx): IValue {
    const name = ts.isIdentifier(e.expression) ? e.expression.text : undefined;
    const cls = name !== undefined && !scope.find(name) ? this.moduleClass(name, ctx) : undefined;
    if (!cls) this.fail(`\`new ${short(e.expression.getText(ctx.sf))}\`: the derivation follows classes declared in the same file`, ctx, e);
    const args = (e.arguments ?? []).map((a) => this.expr(a, scope, ctx));
    return this.instantiate(cls, args, { ctx, node: e });
  }

  /** Runs a class's field initialisers and constructor on `args`, giving the instance. */
  instantiate(cls: ClassInfo, args: readonly IValue[], site: { ctx: FileCtx; node: ts.Node }): IValue {
    if (cls.decl.heritageClauses?.length) this.fail(`${cls.name} extends another class: the derivation does not follow inheritance`, site.ctx, site.node);
    const self: IValue = { k: "inst", cls, fields: new Map() };
    const ctor = cls.decl.members.find(ts.isConstructorDeclaration);
    const fieldScope = new Scope();
    fieldScope.declare("this", self);
    for (const m of cls.decl.members) {
      if (ts.isPropertyDeclaration(m) && m.initializer && ts.isIdentifier(m.name)) self.fields.set(m.name.text, this.expr(m.initializer, fieldScope, cls.ctx));
    }
    if (ctor) {
      ctor.parameters.forEach((p, i) => {
        if (ts.getModifiers(p)?.length && ts.isIdentifier(p.name) && args[i]) self.fields.set(p.name.text, args[i]!);
      });
      if (ctor.body) this.call({ name: `${cls.name} constructor`, node: ctor, ctx: cls.ctx, self }, args, site);
    }
    return self;
  }

  /** A method of an instance, as a function with `this` bound. */
  method(self: IValue & { k: "inst" }, name: string): Callable | undefined {
    const m = self.cls.decl.members.find((x): x is ts.MethodDeclaration => ts.isMethodDeclaration(x) && x.name.getText(self.cls.ctx.sf) === name && !!x.body);
    return m ? { name: `${self.cls.name}.${name}`, node: m, ctx: self.cls.ctx, self } : undefined;
  }

  /**
   * The instance a method is explained on: each field a differentiable input of its declared (or
   * initialised) shape, so ∂F/∂W covers the model's weights as the user sees them.
   */
  fieldInstance(cls: ClassInfo): IValue & { k: "inst" } {
    const self = { k: "inst" as const, cls, fields: new Map<string, IValue>() };
    const lookup = cls.ctx.state.lookup;
    const add = (name: string, type: ts.TypeNode | undefined, node: ts.Node) => {
      if (self.fields.has(name)) return;
      const shape = type ? shapeOf(typeValue(type, { lookup, dims: new Map() })) : null;
      const number = isNumberType(type, lookup);
      self.fields.set(name, tensorValue(this.graph.input(name, number ? [] : shape, { diff: !number, number, src: this.span(cls.ctx, node) })));
    };
    for (const m of cls.decl.members) {
      if (ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name)) add(m.name.text, m.type, m.name);
      if (ts.isConstructorDeclaration(m)) {
        for (const p of m.parameters) if (ts.getModifiers(p)?.length && ts.isIdentifier(p.name)) add(p.name.text, p.type, p.name);
      }
    }
    return self;
  }
}

/** The function `name` declared by a top-level statement (`function f` or `const f = (…) => …`). */
export function functionIn(stmt: ts.Statement, name: string): FunctionNode | undefined {
  if (ts.isFunctionDeclaration(stmt)) return stmt.name?.text === name || (!stmt.name && name === "default") ? stmt : undefined;
  if (!ts.isVariableStatement(stmt)) return undefined;
  const d = stmt.declarationList.declarations.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
  return unwrapFunction(d?.initializer);
}

export function short(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > 40 ? `${one.slice(0, 37)}…` : one;
}
