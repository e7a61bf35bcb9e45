// Shape inference over one unit (a top-level function, class, `const F = (…) => …`, or module
// statement), syntax only: raw TypeScript nodes, no type checker. This layer walks statements:
// scopes, functions and their parameters, branches, loops (with the loop-shape check), and
// declarations. Expressions are in infer-exprs.ts, ops in infer-calls.ts, user calls and classes
// in infer-user.ts; the concrete inferrer is `Inferrer` (infer-user.ts).

import { ts } from "ts-morph";
import type { Dim, Shape } from "../shape/shape";
import { shapeCompatible } from "../shape/shape";
import { readTags } from "../gradient/tags";
import { isShapeParam, typeValue, TypeCtx } from "./annotations";
import type { Lookup } from "./lookup";
import { containerClash } from "./container-annotations";
import { Scope, Var } from "./scope";
import type { DimOrigin, Site } from "../diagnostics/sites";
import type { Entry } from "./entries";
import { elementOf, fullyKnown, isNumber, isTensor, join, numberValue, shapeOf, UNKNOWN, Value } from "./values";

/** A function as inference saw it: its signature for callers and its return expressions. */
export interface FnInfo {
  name: string;
  node: ts.SignatureDeclaration;
  params: Array<{ name: string; value: Value; typeNode?: ts.TypeNode; rest?: true }>;
  typeParams: string[];
  returns: Value;
  declaredReturn: boolean;
  returnExprs: ts.Expression[];
  /** Whether each call should be inferred with its arguments (see FnSig.perCall). */
  perCall: boolean;
}

interface Frame {
  name: string;
  returns: Value[];
  returnExprs: ts.Expression[];
  declared?: Value;
  declaredNode?: ts.TypeNode;
  /** `@dims D=784` on the function: D and 784 are the same dim inside it. */
  staticDims?: Readonly<Record<string, number>>;
}

/** How a function is entered: with the arguments of one call (instantiation, inlining) or not. */
export interface CallCtx {
  args?: readonly Value[];
  self?: Value;
  /** The scope a local function was defined in. */
  closure?: Scope;
}

export type FunctionLikeWithBody = ts.SignatureDeclaration & { readonly body?: ts.ConciseBody };

/** Nesting deeper than this (expressions or statements) is reported, not walked: the stack is finite. */
export const MAX_DEPTH = 400;

export class TooDeep extends Error {
  constructor(readonly start: number, readonly end: number) {
    super("too deep");
  }
}

export function unwrapFunction(e: ts.Expression | undefined): (ts.ArrowFunction | ts.FunctionExpression) | undefined {
  while (e && (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e))) e = e.expression;
  return e && (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) ? e : undefined;
}

function endsWithBreak(s: ts.Statement | undefined): boolean {
  if (!s) return false;
  if (ts.isBreakStatement(s)) return true;
  return ts.isBlock(s) && endsWithBreak(s.statements[s.statements.length - 1]);
}

function endsAbruptly(s: ts.Statement | undefined): boolean {
  if (!s) return false;
  if (ts.isReturnStatement(s) || ts.isThrowStatement(s) || ts.isBreakStatement(s) || ts.isContinueStatement(s)) return true;
  if (ts.isBlock(s)) return endsAbruptly(s.statements[s.statements.length - 1]);
  return false;
}

/**
 * Where a carried value's known shapes clash before and after one pass of a loop body: itself, or
 * a tensor inside it (`state.h` of an LSTM's `{ h, c }`); undefined when nothing clashes.
 */
export function shapeChange(before: Value, after: Value, path = ""): { path: string; before: Shape; after: Shape } | undefined {
  if (before.k === "obj" && after.k === "obj") {
    for (const [key, v] of before.props) {
      const w = after.props.get(key);
      const c = w && shapeChange(v, w, `${path}.${key}`);
      if (c) return c;
    }
    return undefined;
  }
  if (before.k === "arr" && after.k === "arr" && before.items.length === after.items.length) {
    for (let i = 0; i < before.items.length; i++) {
      const c = shapeChange(before.items[i]!, after.items[i]!, `${path}[${i}]`);
      if (c) return c;
    }
    return undefined;
  }
  if (!isTensor(before) || !isTensor(after) || !before.shape || !after.shape) return undefined;
  const clash = before.shape.length !== after.shape.length || before.shape.some((d, i) => d !== null && after.shape![i] !== null && d !== after.shape![i]);
  return clash ? { path, before: before.shape, after: after.shape } : undefined;
}

function shapeChanged(before: Value, after: Value): boolean {
  return shapeChange(before, after) !== undefined;
}

function sameValues(a: ReadonlyMap<Var, Value>, b: ReadonlyMap<Var, Value>): boolean {
  for (const [v, x] of a) if (b.get(v) !== x) return false;
  return true;
}

export function substituteDims(s: Shape | null, dims: Readonly<Record<string, number>> | undefined): Shape | null {
  if (!s || !dims) return s;
  return s.map((d) => (typeof d === "string" && dims[d] !== undefined ? dims[d]! : d));
}

export abstract class InferBase {
  entries: Entry[] = [];
  sites: Site[] = [];
  readonly fns = new Map<string, FnInfo>();
  protected scope = new Scope();
  protected frame: Frame | undefined;
  protected dims = new Map<string, Dim>();
  protected shapeParams = new Map<string, Shape | null>();
  /** `this` where inference is (a method, a constructor, an arrow inside one). */
  protected self: Value | undefined;
  /** Annotations seen so far, for "where did dim H come from" related information. */
  protected origins: DimOrigin[] = [];
  /** Passes whose findings are thrown away (a loop's extra passes): no template parts either. */
  protected quiet = 0;
  protected depth = 0;
  protected loopDepth = 0;
  /** Reassignments that gave a variable another known shape than it had (fix ranking reads it). */
  reshaped = 0;
  /** Element-wise ops that stretch a non-scalar operand (`[N,D] ⊙ [1,D]`): fewer ranks a fix first. */
  broadcasts = 0;
  /** The last assignment of each variable, for the loop-shape-changes range. */
  private readonly lastAssign = new Map<Var, { start: number; end: number }>();

  constructor(
    readonly sf: ts.SourceFile,
    readonly lookup: Lookup,
    /** Hover entries are only collected for the real file, not for fix verification. */
    readonly collect: boolean,
    /** Entries are stored relative to this offset (the unit's start), ready for caching. */
    readonly base = 0,
    /** The file's path, for the global ids of what it declares. */
    readonly file = sf.fileName,
  ) {}

  abstract expr(e: ts.Expression): Value;
  /** A class declaration (infer-user.ts). */
  protected abstract classDecl(c: ts.ClassDeclaration | ts.ClassExpression): Value;

  protected get typeCtx(): TypeCtx {
    return { lookup: this.lookup, dims: this.dims, shapes: this.shapeParams };
  }

  /** Variables the statement declared at module level. */
  moduleVars(): Map<string, Value> {
    const m = new Map<string, Value>();
    for (const [n, v] of this.scope.vars) m.set(n, v.value);
    return m;
  }

  /** Callers write `start: 0, end: 0` last in the literal: the object gets its slots at once (set here), no second allocation. */
  protected entry(node: ts.Node, e: Entry): void {
    if (this.collect) {
      e.start = node.getStart(this.sf) - this.base;
      e.end = node.end - this.base;
      this.entries.push(e);
    }
  }

  /** An entry at file offsets (template operators have no TS node of their own). */
  protected entryAt(start: number, end: number, e: Omit<Entry, "start" | "end">): void {
    if (this.collect) this.entries.push({ ...e, start: start - this.base, end: end - this.base });
  }

  protected site(s: Site): void {
    this.sites.push(s);
  }

  /** Runs `f` with fresh site and entry lists, returned alongside its value; the outer lists are untouched. */
  protected capture<T>(f: () => T): { value: T; sites: Site[]; entries: Entry[] } {
    const sites = this.sites;
    const entries = this.entries;
    this.sites = [];
    this.entries = [];
    try {
      const value = f();
      return { value, sites: this.sites, entries: this.entries };
    } finally {
      this.sites = sites;
      this.entries = entries;
    }
  }

  /** Runs `f` and throws its findings away. */
  protected silently<T>(f: () => T): T {
    this.quiet++;
    try {
      return this.capture(f).value;
    } finally {
      this.quiet--;
    }
  }

  /**
   * Deep nesting is cut off with a report rather than a stack overflow. The caller leaves with
   * `this.depth--` in a `finally`: no closure per expression or statement on this hot path.
   */
  protected enter(node: ts.Node): void {
    if (this.depth >= MAX_DEPTH) throw new TooDeep(node.getStart(this.sf), node.end);
    this.depth++;
  }

  /** Shapes compatible as annotations are compared: `@dims D=784` makes D and 784 one dim. */
  protected compatible(a: Shape | null, b: Shape | null): boolean {
    if (shapeCompatible(a, b)) return true;
    const d = this.frame?.staticDims;
    return d !== undefined && shapeCompatible(substituteDims(a, d), substituteDims(b, d));
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
    let budget = 200;
    const search = (n: ts.Node): void => {
      if (found || --budget < 0) return;
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

  // ---- units and functions ------------------------------------------------------------------

  unit(stmt: ts.Statement): void {
    if (ts.isFunctionDeclaration(stmt)) {
      const name = stmt.name?.text ?? "default";
      this.fns.set(name, this.fn(stmt, name));
    } else this.statement(stmt);
  }

  /** The values a function's parameters take: annotations, F's for an unannotated `@gradient`, or a call's arguments. */
  private paramValues(node: FunctionLikeWithBody, call: CallCtx | undefined): { declared: Value[]; values: Value[] } {
    const ps = node.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"));
    let inherited: ReadonlyArray<{ name: string; value: Value }> | undefined;
    if (ps.some((p) => !p.type)) {
      const g = readTags(node, this.sf).gradient;
      if (g) inherited = this.lookup.fn(g.of)?.params;
    }
    const declared = ps.map((p) => {
      if (p.type) return typeValue(p.type, this.typeCtx);
      const name = ts.isIdentifier(p.name) ? p.name.text : undefined;
      return (name !== undefined && inherited?.find((q) => q.name === name)?.value) || UNKNOWN;
    });
    const args = call?.args;
    if (!args) return { declared, values: declared };
    // A call binds the type parameters first (`<N>`, `<S extends Shape>`), from the arguments' shapes.
    if (this.dims.size || this.shapeParams.size) {
      let bound = false;
      ps.forEach((p, i) => {
        const arg = args[i];
        if (!p.type || !arg || arg.k !== "tensor" || !arg.shape) return;
        bound = this.bindTypeParams(p.type, arg.shape) || bound;
      });
      if (bound) ps.forEach((p, i) => (declared[i] = p.type ? typeValue(p.type, this.typeCtx) : declared[i]!));
    }
    const values = ps.map((p, i) => {
      const d = declared[i]!;
      if (p.dotDotDotToken) {
        const rest = args.slice(i);
        const elem = rest.length ? rest.reduce(join) : UNKNOWN;
        return fullyKnown(d) ? d : { k: "list", elem } as Value;
      }
      const arg = args[i];
      if (fullyKnown(d) || !arg || arg.k === "unknown") return d;
      return arg;
    });
    return { declared, values };
  }

  /** Binds `N` in `Tensor<[1, N]>` or `S` in `Tensor<S>` from an argument's shape; true when something got bound. */
  private bindTypeParams(type: ts.TypeNode, shape: Shape): boolean {
    if (!ts.isTypeReferenceNode(type) || !type.typeArguments?.length) return false;
    const arg = type.typeArguments[0]!;
    if (ts.isTypeReferenceNode(arg) && ts.isIdentifier(arg.typeName) && this.shapeParams.has(arg.typeName.text) && this.shapeParams.get(arg.typeName.text) === null) {
      this.shapeParams.set(arg.typeName.text, shape);
      return true;
    }
    if (!ts.isTupleTypeNode(arg) || arg.elements.length !== shape.length) return false;
    let bound = false;
    arg.elements.forEach((el, j) => {
      const t = ts.isNamedTupleMember(el) ? el.type : el;
      if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && !t.typeArguments) {
        const n = t.typeName.text;
        if (this.dims.get(n) === n && shape[j] !== null) {
          this.dims.set(n, shape[j]!);
          bound = true;
        }
      }
    });
    return bound;
  }

  fn(node: FunctionLikeWithBody, name: string, call?: CallCtx): FnInfo {
    const saved = { scope: this.scope, frame: this.frame, dims: this.dims, shapes: this.shapeParams, origins: this.origins, self: this.self };
    this.scope = new Scope(call?.closure ?? saved.scope);
    this.dims = new Map(saved.dims);
    this.shapeParams = new Map(saved.shapes);
    this.origins = [...saved.origins];
    if (call && "self" in call) this.self = call.self;
    else if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) this.self = undefined;
    const typeParams: string[] = [];
    for (const tp of node.typeParameters ?? []) {
      if (isShapeParam(tp)) this.shapeParams.set(tp.name.text, null);
      else {
        typeParams.push(tp.name.text);
        this.dims.set(tp.name.text, tp.name.text);
      }
    }
    const tags = readTags(node, this.sf);
    const frame: Frame = { name, returns: [], returnExprs: [], ...(Object.keys(tags.dims).length ? { staticDims: tags.dims } : {}) };
    this.frame = frame;
    try {
      const { declared, values } = this.paramValues(node, call);
      const params: FnInfo["params"] = [];
      let i = 0;
      for (const p of node.parameters) {
        if (ts.isIdentifier(p.name) && p.name.text === "this") continue;
        const decl = declared[i]!;
        let value = values[i]!;
        i++;
        if (value.k === "unknown" && p.initializer) value = this.expr(p.initializer);
        else if (p.initializer && !call?.args) this.expr(p.initializer);
        if (p.dotDotDotToken && !call?.args && value.k !== "list") value = { k: "list", elem: elementOf(value) };
        if (ts.isIdentifier(p.name)) {
          const pname = p.name.text;
          params.push({ name: pname, value: decl, ...(p.type ? { typeNode: p.type } : {}), ...(p.dotDotDotToken ? { rest: true as const } : {}) });
          this.scope.vars.set(pname, { value, ...(p.type ? { declared: decl, annotation: { start: p.type.getStart(this.sf), end: p.type.end } } : decl.k !== "unknown" ? { declared: decl } : {}) });
          if (p.type) this.noteOrigins(decl, p.type, `the annotation of ${pname}`);
          if (isTensor(value)) {
            this.entry(p.name, { kind: "parameter", name: pname, shape: value.shape, prov: value.prov, decl: true, annotated: !!p.type, start: 0, end: 0 });
          }
        } else {
          params.push({ name: p.name.getText(this.sf), value: decl });
          this.bindPattern(p.name, value);
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
      const returns = declaredReturn ? frame.declared! : inferred;
      // Numbers count too: their values can size tensors (`zeros([n, 10])`). A declared return
      // still leaves the body to check with each call's shapes.
      const perCall = params.some((p) => !fullyKnown(p.value) || isNumber(p.value));
      return { name, node, params, typeParams, returnExprs: frame.returnExprs, declaredReturn, returns, perCall };
    } finally {
      this.scope = saved.scope;
      this.frame = saved.frame;
      this.dims = saved.dims;
      this.shapeParams = saved.shapes;
      this.origins = saved.origins;
      this.self = saved.self;
    }
  }

  protected returned(e: ts.Expression, v: Value): void {
    const f = this.frame;
    if (!f) return;
    f.returns.push(v);
    f.returnExprs.push(e);
    const d = f.declared;
    if (d && d.k === "tensor" && v.k === "tensor" && d.shape && v.shape && !this.compatible(d.shape, v.shape)) {
      this.site({
        kind: "annotation", start: e.getStart(this.sf), end: e.end, declared: d.shape, inferred: v.shape,
        role: "return", what: f.name, ...(f.declaredNode ? { typeNode: f.declaredNode } : {}),
      });
    }
    const inner = d ? containerClash(d, v, f.declaredNode, (a, b) => this.compatible(a, b)) : undefined;
    if (inner) {
      this.site({
        kind: "annotation", start: e.getStart(this.sf), end: e.end, declared: inner.declared, inferred: inner.inferred,
        role: "return", what: `${f.name}${inner.path}`, ...(inner.typeNode ? { typeNode: inner.typeNode } : {}),
      });
    }
  }

  // ---- statements -------------------------------------------------------------------------

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
    this.enter(s);
    try {
      this.statementInner(s);
    } finally {
      this.depth--;
    }
  }

  private statementInner(s: ts.Statement): void {
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
    } else if (ts.isSwitchStatement(s)) {
      this.switchStatement(s);
    } else if (ts.isIterationStatement(s, false)) {
      this.loop(s);
    } else if (ts.isFunctionDeclaration(s)) {
      this.declareFunction(s);
    } else if (ts.isClassDeclaration(s)) {
      const v = this.classDecl(s);
      if (s.name) this.scope.vars.set(s.name.text, { value: v });
    } else if (ts.isLabeledStatement(s)) {
      this.statement(s.statement);
    } else if (ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isImportDeclaration(s)) {
      // Types carry no values; imports are indexed by the file.
    } else {
      this.visitChildren(s);
    }
  }

  /** A nested `function f` is a local callable, analysed once for its own findings and per call. */
  protected declareFunction(s: ts.FunctionDeclaration): void {
    const name = s.name?.text ?? "function";
    this.fn(s, name);
    if (s.name) this.scope.vars.set(name, { value: { k: "fn", local: { node: s, name, scope: this.scope, ...(this.self ? { self: this.self } : {}) } } });
  }

  private switchStatement(s: ts.SwitchStatement): void {
    this.expr(s.expression);
    const before = this.scope.snapshot();
    const outs: Array<Map<Var, Value>> = [];
    let hasDefault = false;
    for (const clause of s.caseBlock.clauses) {
      if (ts.isDefaultClause(clause)) hasDefault = true;
      else this.expr(clause.expression);
      this.scope.restore(before);
      for (const st of clause.statements) this.statement(st);
      const last = clause.statements[clause.statements.length - 1];
      // A clause that returns or throws does not reach the code after the switch; one that breaks
      // or falls through does (fall-through approximated as reaching the end).
      if (!endsAbruptly(last) || endsWithBreak(last)) outs.push(this.scope.snapshot());
    }
    if (!hasDefault) outs.push(before);
    this.scope.restore(before);
    let acc = outs[0];
    for (const o of outs.slice(1)) {
      this.scope.joinPaths(acc!, o);
      acc = this.scope.snapshot();
    }
    if (acc) this.scope.restore(acc);
  }

  /**
   * After one pass of a loop body (or one call of an iteration callback, callback-scope.ts), from
   * the variables' values `before` it to those `after` it. DSL.md: a variable carried around the
   * loop keeps its entry shape when one pass leaves it unchanged; when one pass changes it, that is
   * reported and its shape after the loop is unknown. Leaves the scope at the joined values.
   */
  protected carried(before: ReadonlyMap<Var, Value>, after: ReadonlyMap<Var, Value>): void {
    const changed = new Set<Var>();
    for (const [v, x] of before) {
      const y = after.get(v);
      const c = y && shapeChange(x, y);
      if (!c) continue;
      changed.add(v);
      const at = this.lastAssign.get(v);
      const name = this.scope.nameOf(v);
      if (at && name !== undefined && this.quiet === 0) {
        this.site({ kind: "loop", start: at.start, end: at.end, name: name + c.path, before: c.before, after: c.after });
      }
    }
    this.scope.joinPaths(before, after);
    for (const v of changed) v.value = isTensor(v.value) ? { k: "tensor", shape: null, prov: "changes shape in a loop" } : UNKNOWN;
  }

  private loop(s: ts.IterationStatement): void {
    const saved = this.scope;
    this.scope = new Scope(saved);
    this.loopDepth++;
    try {
      if (ts.isForStatement(s) && s.initializer) this.visit(s.initializer);
      let elem: Value = UNKNOWN;
      if (ts.isForOfStatement(s)) elem = elementOf(this.expr(s.expression));
      else if (ts.isForInStatement(s)) this.expr(s.expression);
      const bindElem = () => {
        if ((ts.isForOfStatement(s) || ts.isForInStatement(s)) && ts.isVariableDeclarationList(s.initializer)) {
          for (const d of s.initializer.declarations) this.bindPattern(d.name, ts.isForInStatement(s) ? UNKNOWN : elem);
        } else if ((ts.isForOfStatement(s) || ts.isForInStatement(s)) && ts.isIdentifier(s.initializer)) {
          this.assign(s.initializer.text, ts.isForInStatement(s) ? UNKNOWN : elem, s.initializer, s.initializer);
        }
      };
      const pass = () => {
        bindElem();
        if (ts.isForStatement(s) && s.condition) this.expr(s.condition);
        if (ts.isWhileStatement(s)) this.expr(s.expression);
        this.statement(s.statement);
        if (ts.isForStatement(s) && s.incrementor) this.expr(s.incrementor);
        if (ts.isDoStatement(s)) this.expr(s.expression);
      };
      const before = this.scope.snapshot();
      pass();
      this.carried(before, this.scope.snapshot());
      // A body that is not shape-stable gets further passes (findings discarded) from the joined
      // state, so that what depends on the carried variables is right after the loop; bounded.
      let state = this.scope.snapshot();
      for (let i = 0; i < 2 && !sameValues(before, state) && this.loopDepth <= 3; i++) {
        this.silently(pass);
        const again = this.scope.snapshot();
        this.scope.restore(state);
        this.scope.joinPaths(state, again);
        const next = this.scope.snapshot();
        if (sameValues(state, next)) break;
        state = next;
      }
    } finally {
      this.loopDepth--;
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
      this.scope.vars.set(name, { value: { k: "fn", local: { node: fnNode, name, scope: this.scope, ...(this.self ? { self: this.self } : {}) } } });
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
      if (declared.k === "tensor" && inferred.k === "tensor" && ds && is && !this.compatible(ds, is)) {
        this.site({ kind: "annotation", start: d.name.getStart(this.sf), end: d.name.end, typeNode: d.type, declared: ds, inferred: is, role: "variable", what: name });
      }
      const inner = containerClash(declared, inferred, d.type, (a, b) => this.compatible(a, b));
      if (inner) {
        this.site({
          kind: "annotation", start: d.name.getStart(this.sf), end: d.name.end, ...(inner.typeNode ? { typeNode: inner.typeNode } : {}),
          declared: inner.declared, inferred: inner.inferred, role: "variable", what: name + inner.path,
        });
      }
      if (declared.k !== "unknown") value = declared;
      v.value = value;
      v.declared = declared;
      v.annotation = { start: d.type.getStart(this.sf), end: d.type.end };
    }
    this.scope.vars.set(name, v);
    if (isTensor(value)) {
      this.entry(d.name, { kind: "variable", name, shape: value.shape, prov: d.type ? "annotation" : value.prov, decl: true, annotated: !!d.type, start: 0, end: 0 });
    }
  }

  protected bindPattern(p: ts.BindingName, v: Value): void {
    if (ts.isIdentifier(p)) {
      this.scope.vars.set(p.text, { value: v });
      if (isTensor(v)) this.entry(p, { kind: "variable", name: p.text, shape: v.shape, prov: v.prov, decl: true, annotated: false, start: 0, end: 0 });
      return;
    }
    if (ts.isObjectBindingPattern(p)) {
      const used = new Set<string>();
      for (const el of p.elements) {
        if (el.dotDotDotToken) {
          const rest = new Map<string, Value>();
          if (v.k === "obj") for (const [key, w] of v.props) if (!used.has(key)) rest.set(key, w);
          this.bindPattern(el.name, v.k === "obj" ? { k: "obj", props: rest } : UNKNOWN);
          continue;
        }
        const keyNode = el.propertyName ?? el.name;
        const key = ts.isIdentifier(keyNode) || ts.isStringLiteral(keyNode) ? keyNode.text : undefined;
        if (key !== undefined) used.add(key);
        let sub = key !== undefined && v.k === "obj" ? (v.props.get(key) ?? v.other ?? UNKNOWN) : UNKNOWN;
        if (sub.k === "unknown" && el.initializer) sub = this.expr(el.initializer);
        this.bindPattern(el.name, sub);
      }
      return;
    }
    p.elements.forEach((el, i) => {
      if (ts.isOmittedExpression(el)) return;
      let sub: Value;
      if (el.dotDotDotToken) sub = v.k === "arr" ? { k: "arr", items: v.items.slice(i) } : v.k === "list" ? v : UNKNOWN;
      else sub = v.k === "arr" ? (v.items[i] ?? UNKNOWN) : v.k === "list" ? v.elem : UNKNOWN;
      if (sub.k === "unknown" && el.initializer) sub = this.expr(el.initializer);
      this.bindPattern(el.name, sub);
    });
  }

  /**
   * Assignment to a local: an annotated variable keeps its annotation (and is checked); any other
   * takes the new value, and an inlay hint shows its new shape where it was assigned.
   */
  protected assign(name: string, v: Value, rhs: ts.Expression, target: ts.Node): void {
    const found = this.scope.find(name);
    if (!found) return;
    this.lastAssign.set(found, { start: target.getStart(this.sf), end: rhs.end });
    const d = found.declared;
    if (d && d.k !== "unknown" && found.annotation) {
      const ds = shapeOf(d);
      const is = shapeOf(v);
      if (d.k === "tensor" && v.k === "tensor" && ds && is && !this.compatible(ds, is)) {
        this.site({ kind: "annotation", start: rhs.getStart(this.sf), end: rhs.end, declared: ds, inferred: is, role: "variable", what: name });
      }
      // `st = { h: x, c }` to `let st: State`: the tensors inside are checked as at the declaration.
      const inner = containerClash(d, v, undefined, (a, b) => this.compatible(a, b));
      if (inner) this.site({ kind: "annotation", start: rhs.getStart(this.sf), end: rhs.end, declared: inner.declared, inferred: inner.inferred, role: "variable", what: name + inner.path });
      return;
    }
    if (shapeChanged(found.value, v)) this.reshaped++;
    found.value = v;
    if (isTensor(v) && ts.isIdentifier(target)) {
      this.entry(target, { kind: "variable", name, shape: v.shape, prov: v.prov, decl: true, annotated: false, reassigned: true, start: 0, end: 0 });
    }
  }

  /** `[a, b] = [b, a]`, `({ W } = params)`. */
  protected assignPattern(target: ts.Expression, v: Value, rhs: ts.Expression): void {
    if (ts.isIdentifier(target)) this.assign(target.text, v, rhs, target);
    else if (ts.isArrayLiteralExpression(target)) {
      target.elements.forEach((el, i) => {
        if (ts.isOmittedExpression(el) || ts.isSpreadElement(el)) return;
        this.assignPattern(el, v.k === "arr" ? (v.items[i] ?? UNKNOWN) : v.k === "list" ? v.elem : UNKNOWN, rhs);
      });
    } else if (ts.isObjectLiteralExpression(target)) {
      for (const p of target.properties) {
        if (ts.isShorthandPropertyAssignment(p)) this.assign(p.name.text, v.k === "obj" ? (v.props.get(p.name.text) ?? UNKNOWN) : UNKNOWN, rhs, p.name);
        else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
          this.assignPattern(p.initializer, v.k === "obj" ? (v.props.get(p.name.text) ?? UNKNOWN) : UNKNOWN, rhs);
        }
      }
    } else this.expr(target);
  }

  // ---- walking --------------------------------------------------------------------------------

  /** Any node met while walking: statements, expressions, nested functions; types are skipped. */
  visit(n: ts.Node): void {
    if (ts.isTypeNode(n)) return;
    if (ts.isFunctionLike(n)) {
      const fn = n as FunctionLikeWithBody;
      if ("body" in fn) this.fn(fn, fn.name && ts.isIdentifier(fn.name) ? fn.name.text : "function");
      return;
    }
    if (ts.isClassLike(n)) {
      this.classDecl(n as ts.ClassDeclaration);
      return;
    }
    if (n.kind >= ts.SyntaxKind.FirstStatement && n.kind <= ts.SyntaxKind.LastStatement) this.statement(n as ts.Statement);
    else if (ts.isBlock(n)) this.block(n);
    else if (ts.isVariableDeclarationList(n)) for (const d of n.declarations) this.declare(d);
    else if (ts.isExpression(n)) this.expr(n);
    else this.visitChildren(n);
  }

  protected visitChildren(n: ts.Node): void {
    ts.forEachChild(n, (c) => {
      this.visit(c);
    });
  }
}

export { numberValue };
