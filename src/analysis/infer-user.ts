// Inference of what users write beyond ops: calls of their own functions (annotated parameters
// checked, type-parameter dims bound, and functions typed plain `Tensor` or generic over the whole
// shape inferred per call with the arguments' shapes), closures and callbacks inlined per call,
// classes (fields, constructors, methods over `this`) and `new`. The concrete inferrer.

import { ts } from "ts-morph";
import { diagnose } from "../diagnostics/handlers";
import { Dim, Shape } from "../shape/shape";
import { dimOf, instanceOf, typeValue } from "./annotations";
import { FnInfo, FunctionLikeWithBody, unwrapFunction } from "./infer";
import { OpInferrer, short } from "./infer-calls";
import { inheritedMember, namesOf, type CallProblem, type ClassSig, type FnSig, type ThenCall } from "./lookup";
import type { Scope } from "./scope";
import type { Site } from "../diagnostics/sites";
import type { Entry } from "./entries";
import { isMethodProperty, isStatic, staticShadowed } from "./method-properties";
import { escape, fullyKnown, isNumber, isTensor, join, LocalFn, shapeOf, substituteValue, tensor, UNKNOWN, Value } from "./values";

/** A method's signature on an instance of a generic class: its dims as the instance binds them. */
function substituteSig(sig: FnSig, targs: ReadonlyMap<string, Dim>): FnSig {
  return { ...sig, params: sig.params.map((p) => ({ ...p, value: substituteValue(p.value, targs) })), returns: substituteValue(sig.returns, targs) };
}

/**
 * A callee's return value as its caller holds it: each closure in it that left the callee's unit
 * (`opaque`, see values.ts) becomes a reference to this call, so calling it instantiates the callee
 * again and calls the closure there (`const layer = makeLayer(W, b); layer(x)`).
 */
export function bindClosures(v: Value, id: string, args: readonly Value[], self: Value | undefined, path: Array<string | number>, module = false): Value {
  if (path.length > 4) return v;
  if (v.k === "fn" && v.opaque) return { k: "fn", id, from: { args, ...(self ? { self } : {}), path: [...path], ...(module ? { module: true as const } : {}) } };
  if (v.k === "obj" && !v.cls) {
    let changed = false;
    const props = new Map<string, Value>();
    for (const [key, w] of v.props) {
      const b = bindClosures(w, id, args, self, [...path, key], module);
      if (b !== w) changed = true;
      props.set(key, b);
    }
    return changed ? { ...v, props } : v;
  }
  if (v.k === "arr") {
    const items = v.items.map((w, i) => bindClosures(w, id, args, self, [...path, i], module));
    return items.every((w, i) => w === v.items[i]) ? v : { ...v, items };
  }
  return v;
}

/** Array methods whose callback's first parameter is an element of the receiver. */
const ELEMENT_CALLBACKS = new Set(["map", "forEach", "filter", "some", "every", "find", "flatMap"]);

/**
 * The array a name iterates when it is declared as one of its elements: the first parameter of an
 * inline callback (`params.map((p, i) => …)`) or a `for (const p of params)` variable. Syntactic:
 * the nearest declaration of the name above `id` decides.
 */
function elementSource(id: ts.Identifier): ts.Expression | undefined {
  for (let n: ts.Node | undefined = id.parent; n; n = n.parent) {
    if (ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) {
      const i = n.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === id.text);
      if (i < 0) continue;
      const call = n.parent;
      if (i !== 0 || !ts.isCallExpression(call) || call.arguments[0] !== n || !ts.isPropertyAccessExpression(call.expression)) return undefined;
      return ELEMENT_CALLBACKS.has(call.expression.name.text) ? call.expression.expression : undefined;
    }
    if (ts.isForOfStatement(n) && ts.isVariableDeclarationList(n.initializer)) {
      const d = n.initializer.declarations[0];
      if (d && ts.isIdentifier(d.name) && d.name.text === id.text) return n.expression;
    }
    if (ts.isBlock(n) && n.statements.some((st) => ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === id.text))) return undefined;
  }
  return undefined;
}

/** Element-wise ops whose result is laid out as their first operand when it is the larger one. */
const ELEMENTWISE_BINARY = new Set(["add", "sub", "mul", "div"]);

/** Inlining of closures nests at most this deep, and at most this many times per unit. */
const MAX_INLINE_DEPTH = 6;
const MAX_INLINES = 400;

/** A method's function: a declaration, a getter, the constructor, or a method property's arrow (method-properties.ts). */
type MethodNode = ts.MethodDeclaration | ts.GetAccessorDeclaration | ts.ConstructorDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/** A class while its own unit is analysed (or one of its methods instantiated). */
interface ClassCtx {
  key: string;
  name: string;
  node: ts.ClassLikeDeclaration;
  fields: Map<string, Value>;
  /** Fields with a declared shape: assignments are checked against it, and a transpose fix avoids them. */
  declared: Map<string, Value>;
  methods: Map<string, MethodNode>;
  getters: Set<string>;
  /** Static methods: analysed without an instance, reached as `C.m(…)` (never through `this`). */
  statics: Map<string, ts.MethodDeclaration>;
  /**
   * How own methods are reached: analysed here on demand (the class's own unit, or a class nested in
   * a function), or through the lookup (a member unit, an instantiation: each method is its own unit).
   */
  local: boolean;
  /** Own methods analysed on demand (local mode). */
  infos: Map<string, { returns: Value; perCall: boolean }>;
  inProgress: Set<string>;
  /** The base class's key (`extends`), where methods not declared here are looked up. */
  base?: string;
  /** Values assigned to fields outside the constructor (`this.x = x` in forward). */
  assigned: Map<string, Value>;
  /** Where inference is: the constructor sets fields, methods only add to `assigned`. */
  inConstructor: boolean;
  scope: Scope;
}

/** What analysing a class declaration yields for the unit's result. */
export interface ClassInfo {
  key: string;
  name: string;
  fields: Map<string, Value>;
  /** Method names (constructor included); their signatures come from their own units. */
  methods: string[];
  getters: Set<string>;
  statics: string[];
  typeParams: string[];
  base?: string;
}

/** What one instantiation computes (FileState caches it per argument values). */
export interface Instance {
  returns: Value;
  sites: Site[];
  entries: Entry[];
  fields?: Map<string, Value>;
}

function methodName(m: ts.ClassElement): string | undefined {
  if (ts.isConstructorDeclaration(m)) return "constructor";
  if ((ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m)) && m.name && (ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name) || ts.isStringLiteral(m.name))) {
    return m.name.text;
  }
  return undefined;
}

function isParamProperty(p: ts.ParameterDeclaration): boolean {
  return (ts.getModifiers(p) ?? []).some((x) =>
    x.kind === ts.SyntaxKind.PublicKeyword || x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword || x.kind === ts.SyntaxKind.ReadonlyKeyword);
}

/** Does an argument tell more than the parameter's annotation (so the call is worth inferring with it)? */
function informative(sig: FnSig, args: readonly Value[]): boolean {
  return sig.params.some((p, i) => {
    const a = args[i];
    if (a === undefined || a.k === "unknown") return false;
    // A number matters when it is known (`new Linear(784, 128)` sizes `randn([inDim, outDim])`).
    if (isNumber(p.value) || isNumber(a)) return isNumber(a) && (a.value !== undefined || a.dim !== undefined);
    return !fullyKnown(p.value);
  });
}

/** The function `name` declares in a top-level statement (`function f`, `const f = (…) => …`, `export default function`). */
export function functionIn(stmt: ts.Statement, name: string): FunctionLikeWithBody | undefined {
  if (ts.isFunctionDeclaration(stmt)) return stmt.name?.text === name || (!stmt.name && name === "default") ? stmt : undefined;
  if (!ts.isVariableStatement(stmt)) return undefined;
  const d = stmt.declarationList.declarations.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
  return unwrapFunction(d?.initializer);
}

export class Inferrer extends OpInferrer {
  readonly classes = new Map<string, ClassInfo>();
  /**
   * Analysing a top-level class as a unit whose methods are units of their own: the class gives its
   * signature (fields, methods' shapes) silently; each method's findings come from its own unit.
   */
  splitMembers = false;
  private classCtx: ClassCtx | undefined;
  private inlineDepth = 0;
  private inlines = 0;
  /** Entries of closures inferred per call, merged into the definition's entries by `finish`. */
  private readonly inlined: Array<{ node: ts.Node; entries: Entry[] }> = [];

  // ---- calls ------------------------------------------------------------------------------

  protected userCall(e: ts.CallExpression, sig: FnSig, args: readonly Value[], self?: Value): Value {
    const callee = e.expression;
    const nameNode = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
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
    let checked = false;
    sig.params.forEach((p, i) => {
      const arg = e.arguments[i];
      const written = shapeOf(p.value);
      const expected = subst(written);
      const got = args[i] && args[i]!.k === "tensor" ? shapeOf(args[i]!) : null;
      if (arg && isTensor(p.value) && expected && got && !this.compatible(expected, got)) {
        checked = true;
        const bindings = written!.filter((d): d is string => typeof d === "string" && tps.has(d)).map((d) => [d, bound.get(d) ?? null] as const);
        this.site({
          kind: "annotation", start: arg.getStart(this.sf), end: arg.end, declared: expected, inferred: got,
          role: "argument", what: `${p.name} of ${sig.name}`,
          ...(bindings.length ? { written, bindings: bindings.filter((b, k) => bindings.findIndex((c) => c[0] === b[0]) === k) } : {}),
        });
      } else if (arg && p.value.k === "obj" && args[i]?.k === "obj") {
        // An object parameter (`p: Params`): each annotated tensor in it is checked too.
        const clash = propClash(p.value, args[i]!, (a, b) => this.compatible(a, b));
        if (clash) {
          checked = true;
          this.site({ kind: "annotation", start: arg.getStart(this.sf), end: arg.end, declared: clash.declared, inferred: clash.inferred, role: "argument", what: `${p.name}${clash.path} of ${sig.name}` });
        }
      }
    });
    const prov = `returned by ${sig.name}()`;
    let out: Value | undefined;
    if (sig.perCall && !checked && informative(sig, args)) {
      const r = this.lookup.instantiate(sig.id, args, self);
      if (r) {
        this.callProblems(nameNode, e, sig.name, r.problems);
        out = relabel(r.returns, prov);
      }
    }
    if (!out) {
      const substValue = (v: Value): Value => {
        if (v.k === "tensor") return v.num ? v : tensor(subst(v.shape), prov);
        if (v.k === "obj") return { ...v, props: new Map([...v.props].map(([k, w]) => [k, substValue(w)])) };
        if (v.k === "arr") return { k: "arr", items: v.items.map(substValue) };
        if (v.k === "list") return { k: "list", elem: substValue(v.elem) };
        return v;
      };
      out = substValue(sig.returns);
    }
    if (isTensor(out)) this.entry(e, { kind: "expression", shape: out.shape, prov, start: 0, end: 0 });
    return bindClosures(out, sig.id, args, self, []);
  }

  private callProblems(nameNode: ts.Node, e: ts.Node, callee: string, problems: readonly CallProblem[]): void {
    for (const p of problems) {
      this.site({ kind: "call", start: nameNode.getStart(this.sf), end: e.end, callee, problems: [p] });
    }
  }

  /** Calls a callable value: a closure or own method is inlined with the arguments; another unit's function is instantiated. */
  protected callValue(f: Value, args: readonly Value[], node: ts.Node, self?: Value): Value {
    if (f.k !== "fn") return UNKNOWN;
    if (f.local) return this.inline(f.local, args, node, self);
    if (f.id === undefined) return UNKNOWN;
    const r = f.from ? this.lookup.instantiate(f.id, f.from.args, f.from.self, { path: f.from.path, args }) : this.lookup.instantiate(f.id, args, self);
    if (!r) return UNKNOWN;
    const fname = f.id.slice(f.id.lastIndexOf("#") + 1);
    // A returned closure is named by where it came from: `dense().backward`, or `makeLayer` itself.
    const name = f.from?.path.length ? `${fname}${f.from.module ? "" : "()"}.${f.from.path.join(".")}` : fname;
    this.callProblems(ts.isCallExpression(node) ? (ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression) : node, node, name, r.problems);
    return r.returns;
  }

  /** A local function inferred with one call's arguments; what goes wrong inside is reported at the call. */
  private inline(local: LocalFn, args: readonly Value[], node: ts.Node, self?: Value): Value {
    if (this.inlineDepth >= MAX_INLINE_DEPTH || this.inlines >= MAX_INLINES) return UNKNOWN;
    this.inlineDepth++;
    this.inlines++;
    try {
      const cap = this.capture(() => this.fn(local.node, local.name, { args, closure: local.scope, ...(self ?? local.self ? { self: self ?? local.self } : {}) }));
      const reported = new Set(this.sites.map((s) => `${s.kind}:${s.start}:${s.end}`));
      const fresh = cap.sites.filter((s) => !reported.has(`${s.kind}:${s.start}:${s.end}`));
      if (fresh.length && this.quiet === 0) {
        // A callback written inside the call (`hs.map((s) => s.matmul(W))`) is reported where its
        // op is; a helper defined elsewhere is right for other shapes, so the call is what is wrong.
        const inside = local.node.pos >= node.pos && local.node.end <= node.end;
        if (inside) fresh.forEach((s) => this.site(s));
        else {
          const nameNode = ts.isCallExpression(node) ? (ts.isPropertyAccessExpression(node.expression) ? node.expression.name : node.expression) : node;
          const ctx = { sf: this.sf, names: namesOf(this.lookup) };
          for (const s of fresh) {
            const d = diagnose(s, ctx);
            this.site({ kind: "call", start: nameNode.getStart(this.sf), end: node.end, callee: local.name, problems: [{ code: d.code, message: d.message, start: d.start, end: d.end }] });
          }
        }
      }
      this.inlined.push({ node: local.node, entries: cap.entries });
      return cap.value.returns;
    } finally {
      this.inlineDepth--;
    }
  }

  /** `C.m(…)` where `C` is a class with a static method `m` (local, imported, or inherited through `extends`). */
  protected override staticCall(e: ts.CallExpression, cls: string, name: string): Value | undefined {
    const c = this.lookup.cls(cls);
    if (!c || !inheritedMember(this.lookup, c, name, (k) => k.statics.includes(name))) return undefined;
    const sig = this.lookup.method(c.key, name);
    return sig ? this.userCall(e, sig, this.argValues(e)) : (this.argValues(e), UNKNOWN);
  }

  /**
   * `super.m(…)` in a method of a class that extends another: the base's method, with this
   * instance. A generic base is not followed (what the `extends` clause binds is not read).
   */
  protected override superCall(e: ts.CallExpression, name: string): Value | undefined {
    const own = this.classCtx;
    if (!own?.base) return undefined;
    const base = this.lookup.clsByKey(own.base);
    const sig = base && !base.typeParams.length ? this.lookup.method(own.base, name) : undefined;
    const self = this.self;
    return sig && self ? this.userCall(e, sig, this.argValues(e), self) : undefined;
  }

  protected methodCall(e: ts.CallExpression, recv: Value & { k: "obj" }, name: string, args: readonly Value[]): Value {
    const own = this.classCtx;
    if (own && recv.cls === own.key) {
      const node = own.methods.get(name);
      if (own.local && node && !ts.isConstructorDeclaration(node)) {
        const info = this.ownMethod(own, name, node);
        if (info?.perCall && args.some((a) => a.k !== "unknown")) return this.inline({ node, name: `${own.name}.${name}`, scope: own.scope, self: recv }, args, e, recv);
        return info?.returns ?? UNKNOWN;
      }
      const sig = this.lookup.method(node || !own.base ? own.key : own.base, name);
      return sig ? this.userCall(e, sig, args, recv) : UNKNOWN;
    }
    const sig = this.lookup.method(recv.cls!, name);
    if (!sig) return UNKNOWN;
    // A generic class's type parameters this instance does not bind (two instances joined) are
    // unknown here, not the names they have inside the class.
    const tps = this.lookup.clsByKey(recv.cls!)?.typeParams ?? [];
    const targs = new Map<string, Dim>(tps.map((t) => [t, recv.targs?.get(t) ?? null]));
    return this.userCall(e, targs.size ? substituteSig(sig, targs) : sig, args, recv);
  }

  protected override instanceMember(recv: Value & { k: "obj" }, key: string, node: ts.Node): Value {
    const own = this.classCtx;
    if (own && recv.cls === own.key && own.local) {
      const m = own.methods.get(key);
      if (m && ts.isGetAccessorDeclaration(m)) return this.ownMethod(own, key, m)?.returns ?? UNKNOWN;
      if (m) return { k: "fn", local: { node: m, name: `${own.name}.${key}`, scope: own.scope, self: recv } };
      return UNKNOWN;
    }
    return super.instanceMember(recv, key, node);
  }

  /** An own method's signature in local mode: inferred (silently) on first use. */
  private ownMethod(own: ClassCtx, name: string, node: MethodNode): { returns: Value; perCall: boolean } | undefined {
    const known = own.infos.get(name);
    if (known) return known;
    if (own.inProgress.has(name)) return undefined;
    own.inProgress.add(name);
    try {
      const self: Value = { k: "obj", props: own.fields, cls: own.key };
      const info = this.silently(() => this.fn(node, `${own.name}.${name}`, { self }));
      own.infos.set(name, info);
      return info;
    } finally {
      own.inProgress.delete(name);
    }
  }

  protected newExpr(e: ts.NewExpression): Value {
    const args = this.argValues(e);
    const c = e.expression;
    const name = ts.isIdentifier(c) ? c.text : ts.isPropertyAccessExpression(c) && ts.isIdentifier(c.expression) ? `${c.expression.text}.${c.name.text}` : undefined;
    if (name === undefined) return UNKNOWN;
    if (name === "Array") return { k: "list", elem: UNKNOWN };
    const local = ts.isIdentifier(c) ? this.scope.find(name) : undefined;
    if (local) return local.value.k === "obj" ? local.value : UNKNOWN;
    const sig = this.lookup.cls(name);
    if (!sig) return UNKNOWN;
    const ctor = sig.methods.includes("constructor") ? this.lookup.method(sig.key, "constructor") : undefined;
    let fields: ReadonlyMap<string, Value> = sig.fields;
    const targs = this.classTypeArgs(e, sig, ctor, args);
    if (ctor) {
      const bound = targs.size ? substituteSig(ctor, targs) : ctor;
      this.checkArguments(e, bound, args);
      if (ctor.perCall && informative(ctor, args)) {
        const self = targs.size ? instanceOf(sig, targs) : undefined;
        const r = this.lookup.instantiate(ctor.id, args, self);
        if (r) {
          this.callProblems(e.expression, e, sig.name, r.problems);
          if (r.fields) fields = r.fields;
        }
      }
    }
    return instanceOf(sig, targs, fields);
  }

  /** A generic class's type arguments: written (`new Linear<"D", "H">()`) or bound by the constructor's arguments. */
  private classTypeArgs(e: ts.NewExpression, sig: ClassSig, ctor: FnSig | undefined, args: readonly Value[]): Map<string, Dim> {
    const targs = new Map<string, Dim>();
    if (!sig.typeParams.length) return targs;
    const written = e.typeArguments;
    if (written?.length) {
      sig.typeParams.forEach((tp, i) => written[i] && targs.set(tp, dimOf(written[i]!, this.typeCtx)));
      return targs;
    }
    const tps = new Set(sig.typeParams);
    ctor?.params.forEach((p, i) => {
      const ps = shapeOf(p.value);
      const as = args[i] ? shapeOf(args[i]!) : null;
      if (!ps || !as || ps.length !== as.length) return;
      ps.forEach((d, j) => {
        if (typeof d === "string" && tps.has(d) && !targs.has(d) && as[j] !== null) targs.set(d, as[j]!);
      });
    });
    return targs;
  }

  /** Annotated constructor parameters are checked against `new C(…)`'s arguments as a call's are. */
  private checkArguments(e: ts.NewExpression, sig: FnSig, args: readonly Value[]): void {
    sig.params.forEach((p, i) => {
      const arg = e.arguments?.[i];
      const expected = shapeOf(p.value);
      const got = args[i] && isTensor(args[i]!) ? shapeOf(args[i]!) : null;
      if (arg && isTensor(p.value) && expected && got && !sig.typeParams.length && !this.compatible(expected, got)) {
        this.site({ kind: "annotation", start: arg.getStart(this.sf), end: arg.end, declared: expected, inferred: got, role: "argument", what: `${p.name} of ${sig.name}` });
      }
    });
  }

  protected anchored(e: ts.Expression | undefined, elements = false): number {
    if (!e) return 0;
    while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
    if (ts.isIdentifier(e)) {
      const v = this.scope.find(e.text);
      if (!v) return 0;
      if (v.annotation) return 2;
      // `params.map((p, i) => p.sub(grads[i].mul(lr)))`: p is a declared parameter too. Not for a
      // matmul, where transposing a declared row is the usual outer product (`h.T.matmul(dz)`).
      const source = elements ? elementSource(e) : undefined;
      return source && this.anchored(source) === 2 ? 2 : 0;
    }
    if (ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword) return this.classCtx?.declared.has(e.name.text) ? 2 : 0;
    // `x.sub(mu)` with x declared: the data the formula is about, laid out as x is (a transpose
    // belongs on the statistic it is combined with: `x.sub(mu).div(sqrt(v.T))` transposes the right).
    if (ts.isCallExpression(e)) {
      const c = e.expression;
      if (ts.isPropertyAccessExpression(c) && ELEMENTWISE_BINARY.has(c.name.text)) return Math.min(1, this.anchored(c.expression, elements));
      if (ts.isIdentifier(c) && ELEMENTWISE_BINARY.has(this.lookup.chainrule(c.text) ?? "")) return Math.min(1, this.anchored(e.arguments[0], elements));
    }
    return 0;
  }

  // ---- classes ------------------------------------------------------------------------------

  protected override declaredField(name: string): Value | undefined {
    return this.self?.k === "obj" && this.self.cls === this.classCtx?.key ? this.classCtx?.declared.get(name) : undefined;
  }

  protected assignField(name: string, v: Value, rhs: ts.Expression, target: ts.PropertyAccessExpression): void {
    const own = this.classCtx;
    if (!own || this.self?.k !== "obj" || this.self.cls !== own.key) return;
    const declared = own.declared.get(name);
    if (declared) {
      const ds = shapeOf(declared);
      const is = shapeOf(v);
      if (isTensor(declared) && isTensor(v) && ds && is && !this.compatible(ds, is)) {
        this.site({ kind: "annotation", start: rhs.getStart(this.sf), end: rhs.end, declared: ds, inferred: is, role: "variable", what: `this.${name}` });
      }
      return;
    }
    if (own.inConstructor) own.fields.set(name, v);
    else own.assigned.set(name, own.assigned.has(name) ? join(own.assigned.get(name)!, v) : v);
    if (isTensor(v)) this.entry(target.name, { kind: "variable", name: `this.${name}`, shape: v.shape, prov: v.prov, start: 0, end: 0 });
  }

  protected classDecl(c: ts.ClassDeclaration | ts.ClassExpression): Value {
    const name = c.name?.text ?? "class";
    const saved = this.classCtx;
    const savedDims = this.dims;
    // A generic class's type parameters are dims inside it (`W: Tensor<[I, O]>`), as a function's are.
    this.dims = new Map(savedDims);
    for (const tp of c.typeParameters ?? []) this.dims.set(tp.name.text, tp.name.text);
    const own = this.classContext(c, name, undefined, true);
    this.classCtx = own;
    try {
      const self = (): Value => ({ k: "obj", props: own.fields, cls: own.key });
      const ctor = own.methods.get("constructor");
      const runCtor = (silent: boolean) => {
        if (!ctor) return;
        own.inConstructor = true;
        try {
          const go = () => this.fn(ctor, `${name}.constructor`, { self: self() });
          if (silent) this.silently(go);
          else go();
        } finally {
          own.inConstructor = false;
        }
      };
      // Fields first: declarations, parameter properties and initializers (classContext), then
      // what the constructor assigns, then fields declared without a shape that only methods
      // assign (`x!: Tensor` cached in forward).
      runCtor(true);
      const others = [...own.methods].filter(([m]) => m !== "constructor");
      const assigners = others.filter(([, node]) => assignsShapeless(node, own));
      for (let round = 0; round < 2 && assigners.length; round++) {
        own.infos.clear();
        for (const [m, node] of assigners) this.ownMethod(own, m, node);
        let grew = false;
        for (const [f, v] of own.assigned) {
          const cur = own.fields.get(f);
          if (!own.declared.has(f) && (!cur || !fullyKnown(cur)) && v.k !== "unknown" && valueDiffers(cur, v)) {
            own.fields.set(f, v);
            grew = true;
          }
        }
        if (!grew) break;
      }
      // A top-level class's members are units of their own (FileState); a class nested in a
      // function is analysed here in one piece, with its findings.
      if (!(this.splitMembers && !this.frame)) {
        own.infos.clear();
        runCtor(false);
        for (const [m, node] of others) own.infos.set(m, this.fn(node, `${name}.${m}`, { self: self() }));
      }
      if (!this.frame) {
        this.classes.set(name, {
          key: own.key, name, fields: own.fields, methods: [...own.methods.keys()], getters: own.getters, statics: [...own.statics.keys()],
          typeParams: (c.typeParameters ?? []).map((t) => t.name.text), ...(own.base ? { base: own.base } : {}),
        });
      }
      return UNKNOWN;
    } finally {
      this.classCtx = saved;
      this.dims = savedDims;
    }
  }

  /** The class's fields from declarations, parameter properties and its base class, and its members by name. */
  private classContext(c: ts.ClassLikeDeclaration, name: string, sig: ClassSig | undefined, local: boolean): ClassCtx {
    const own: ClassCtx = {
      key: `${this.file}#${name}`, name, node: c, fields: new Map(), declared: new Map(), methods: new Map(), getters: new Set(), statics: new Map(),
      local, infos: new Map(), inProgress: new Set(), assigned: new Map(), inConstructor: false, scope: this.scope,
    };
    const base = c.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
    if (base && (ts.isIdentifier(base) || ts.isPropertyAccessExpression(base))) {
      const b = this.lookup.cls(base.getText(this.sf));
      if (b) {
        for (const [f, v] of b.fields) own.fields.set(f, v);
        own.base = b.key;
      }
    }
    for (const m of c.members) {
      if (isStatic(m)) {
        const mn = ts.isMethodDeclaration(m) ? methodName(m) : undefined;
        if (mn !== undefined) own.statics.set(mn, m as ts.MethodDeclaration);
        continue;
      }
      if (isMethodProperty(m)) {
        own.methods.set(m.name.text, m.initializer);
        continue;
      }
      if (ts.isPropertyDeclaration(m) && (ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name))) {
        const f = m.name.text;
        const declared = m.type ? typeValue(m.type, this.typeCtx) : UNKNOWN;
        // A declared shape is the field's; `x!: Tensor` declares none, so assignments may give one.
        if (fullyKnown(declared)) own.declared.set(f, declared);
        if (declared.k !== "unknown") own.fields.set(f, declared);
        else if (m.initializer && !sig) {
          const saved = this.self;
          this.self = { k: "obj", props: own.fields, cls: own.key };
          try {
            own.fields.set(f, this.expr(m.initializer));
          } finally {
            this.self = saved;
          }
        }
        continue;
      }
      const mn = methodName(m);
      if (mn === undefined) continue;
      own.methods.set(mn, m as MethodNode);
      if (ts.isGetAccessorDeclaration(m)) own.getters.add(mn);
      if (ts.isConstructorDeclaration(m)) {
        for (const p of m.parameters) {
          if (!isParamProperty(p) || !ts.isIdentifier(p.name)) continue;
          const declared = p.type ? typeValue(p.type, this.typeCtx) : UNKNOWN;
          if (fullyKnown(declared)) own.declared.set(p.name.text, declared);
          own.fields.set(p.name.text, declared);
        }
      }
    }
    if (sig) for (const [f, v] of sig.fields) if (!own.fields.has(f) || !fullyKnown(own.fields.get(f)!)) own.fields.set(f, v);
    // A static named as an instance member would share its member unit (file-state.ts skips it too).
    for (const n of own.statics.keys()) if (staticShadowed(c, n)) own.statics.delete(n);
    return own;
  }

  /** Parameter properties (`constructor(public W: Tensor)`) take the constructor's argument values. */
  override fn(node: FunctionLikeWithBody, name: string, call?: Parameters<OpInferrer["fn"]>[2]): FnInfo {
    const own = this.classCtx;
    const info = super.fn(node, name, call);
    if (own && ts.isConstructorDeclaration(node) && own.inConstructor && call?.args) {
      node.parameters.forEach((p, i) => {
        if (isParamProperty(p) && ts.isIdentifier(p.name) && !own.declared.has(p.name.text) && call.args![i]) own.fields.set(p.name.text, call.args![i]!);
      });
    }
    return info;
  }

  // ---- members and instantiation (FileState runs these) ----------------------------------------

  /** One method of a top-level class as a unit of its own, in the class as its signature describes it. */
  member(c: ts.ClassDeclaration, cname: string, mname: string): FnInfo | undefined {
    const sig = this.lookup.clsByKey(`${this.file}#${cname}`);
    const savedDims = this.dims;
    this.dims = new Map(savedDims);
    for (const tp of c.typeParameters ?? []) this.dims.set(tp.name.text, tp.name.text);
    const own = this.classContext(c, cname, sig, false);
    const stat = own.statics.get(mname);
    const node = own.methods.get(mname) ?? stat;
    const saved = this.classCtx;
    this.classCtx = own;
    try {
      if (!node) return undefined;
      own.inConstructor = mname === "constructor";
      return this.fn(node, `${cname}.${mname}`, stat ? undefined : { self: { k: "obj", props: own.fields, cls: own.key } });
    } finally {
      own.inConstructor = false;
      this.classCtx = saved;
      this.dims = savedDims;
    }
  }


  /**
   * One call of a function or method of `stmt` with these arguments: its return value, findings
   * and entries, and for a constructor the instance's fields. `sig` is the class's signature from
   * the unit's own analysis (for `C.m`).
   */
  instance(stmt: ts.Statement, name: string, args: readonly Value[], self: Value | undefined, sig: ClassSig | undefined, then?: ThenCall): Instance | undefined {
    const dot = name.indexOf(".");
    if (dot < 0) {
      const node = functionIn(stmt, name);
      if (!node) return undefined;
      const cap = this.capture(() => this.fn(node, name, { args }));
      if (then) return this.thenCall(cap.value.returns, then);
      this.finish();
      return { returns: escape(cap.value.returns), sites: cap.sites, entries: this.mergedEntries(cap.entries) };
    }
    const cname = name.slice(0, dot);
    const mname = name.slice(dot + 1);
    const c = ts.isClassDeclaration(stmt) && stmt.name?.text === cname ? stmt : undefined;
    if (!c) return undefined;
    const savedDims = this.dims;
    this.dims = new Map(savedDims);
    for (const tp of c.typeParameters ?? []) {
      const t = tp.name.text;
      // For a caller's instance, what it binds; a type parameter it leaves open is unknown to it.
      this.dims.set(t, self?.k === "obj" ? (self.targs?.get(t) ?? null) : t);
    }
    const own = this.classContext(c, cname, sig, false);
    if (self?.k === "obj") for (const [f, v] of self.props) own.fields.set(f, v);
    const stat = own.statics.get(mname);
    const node = own.methods.get(mname) ?? stat;
    if (!node) {
      this.dims = savedDims;
      return undefined;
    }
    const saved = this.classCtx;
    this.classCtx = own;
    try {
      const selfValue: Value = { k: "obj", props: own.fields, cls: own.key };
      own.inConstructor = mname === "constructor";
      const cap = this.capture(() => this.fn(node, name, stat ? { args } : { args, self: selfValue }));
      own.inConstructor = false;
      if (then) return this.thenCall(cap.value.returns, then);
      this.finish();
      return {
        returns: escape(cap.value.returns), sites: cap.sites, entries: this.mergedEntries(cap.entries),
        ...(mname === "constructor" ? { fields: new Map([...own.fields].map(([f, v]) => [f, escape(v)])) } : {}),
      };
    } finally {
      this.classCtx = saved;
      this.dims = savedDims;
    }
  }

  /** A closure held by a module variable (`export const net = { apply: (x) => … }`), called with `then.args`. */
  moduleClosure(stmt: ts.Statement, name: string, then: ThenCall): Instance | undefined {
    const cap = this.capture(() => {
      this.unit(stmt);
      return this.moduleVars().get(name) ?? UNKNOWN;
    });
    return this.thenCall(cap.value, then);
  }

  /**
   * The closure a call returned (at `then.path`), called with `then.args`: only the closure's own
   * findings for these arguments, which the caller reports at its call of the closure.
   */
  private thenCall(returned: Value, then: ThenCall): Instance | undefined {
    let v: Value | undefined = returned;
    let holder: Value | undefined;
    for (const p of then.path) {
      holder = v;
      v = v?.k === "obj" && typeof p === "string" ? v.props.get(p) : v?.k === "arr" && typeof p === "number" ? v.items[p] : undefined;
    }
    if (v?.k !== "fn" || !v.local) return undefined;
    const local = v.local;
    // An object's method (not an arrow) has the object as `this`, as `o.m(x)` calls it.
    const self = ts.isMethodDeclaration(local.node) || ts.isFunctionExpression(local.node) ? (holder?.k === "obj" ? holder : undefined) : local.self;
    const cap = this.capture(() => this.fn(local.node, local.name, { args: then.args, closure: local.scope, ...(self ? { self } : {}) }));
    this.finish();
    return { returns: escape(cap.value.returns), sites: cap.sites, entries: this.mergedEntries(cap.entries) };
  }

  // ---- entries of inlined closures ------------------------------------------------------------

  /** Gives a closure's entries the shapes its calls agree on, where its own pass could not know them. */
  finish(): void {
    this.entries = this.mergedEntries(this.entries);
  }

  private mergedEntries(entries: Entry[]): Entry[] {
    if (!this.inlined.length) return entries;
    const key = (e: Entry) => `${e.start}:${e.end}:${e.kind}`;
    const agreed = new Map<string, Entry | null>();
    const byNode = new Map<ts.Node, Entry[][]>();
    for (const x of this.inlined) {
      const list = byNode.get(x.node) ?? [];
      list.push(x.entries);
      byNode.set(x.node, list);
    }
    for (const calls of byNode.values()) {
      const seen = new Map<string, { entry: Entry; count: number; same: boolean }>();
      for (const list of calls) {
        for (const e of list) {
          const k = key(e);
          const prev = seen.get(k);
          if (!prev) seen.set(k, { entry: e, count: 1, same: true });
          else {
            prev.count++;
            if (shapeKey(prev.entry.shape) !== shapeKey(e.shape)) prev.same = false;
          }
        }
      }
      for (const [k, s] of seen) agreed.set(k, s.same && s.count >= calls.length ? s.entry : null);
    }
    const known = (a: Entry | null | undefined): a is Entry => !!a && !!a.shape && a.shape.every((d) => d !== null);
    const out = entries.map((e) => {
      if (e.shape && e.shape.every((d) => d !== null)) return e;
      const a = agreed.get(key(e));
      return known(a) ? { ...e, shape: a.shape, prov: a.prov } : e;
    });
    // What only the calls could see: an unannotated callback parameter (`xs.map((p) => …)`) is no
    // tensor in the definition pass, so it has an entry only where the callback was called.
    const present = new Set(entries.map(key));
    for (const [k, a] of agreed) if (!present.has(k) && known(a) && a.kind === "parameter") out.push(a);
    return out;
  }
}

/** The first tensor inside an annotated object whose shape the argument's contradicts. */
function propClash(declared: Value, got: Value, compatible: (a: Shape, b: Shape) => boolean, path = ""): { path: string; declared: Shape; inferred: Shape } | undefined {
  if (declared.k === "obj" && got.k === "obj") {
    for (const [key, d] of declared.props) {
      const g = got.props.get(key);
      const c = g && propClash(d, g, compatible, `${path}.${key}`);
      if (c) return c;
    }
    return undefined;
  }
  if (isTensor(declared) && isTensor(got) && declared.shape && got.shape && !compatible(declared.shape, got.shape)) {
    return { path, declared: declared.shape, inferred: got.shape };
  }
  return undefined;
}

/** Does a method assign a field declared without a shape (`this.x = x` for `x!: Tensor`)? */
function assignsShapeless(node: MethodNode, own: ClassCtx): boolean {
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(n.left) && n.left.expression.kind === ts.SyntaxKind.ThisKeyword) {
      const f = n.left.name.text;
      const cur = own.fields.get(f);
      if (!own.declared.has(f) && (!cur || !fullyKnown(cur))) found = true;
    }
    ts.forEachChild(n, visit);
  };
  if (node.body) visit(node.body);
  return found;
}

function shapeKey(s: Shape | null): string {
  return s === null ? "?" : s.map(String).join(",");
}

function valueDiffers(a: Value | undefined, b: Value): boolean {
  if (!a) return true;
  return a.k !== b.k || (a.k === "tensor" && b.k === "tensor" && shapeKey(a.shape) !== shapeKey(b.shape)) || (a.k !== "tensor");
}

function relabel(v: Value, prov: string): Value {
  return isTensor(v) ? { ...v, prov } : isNumber(v) ? v : v;
}

export { short };
