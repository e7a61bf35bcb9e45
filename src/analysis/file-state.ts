// One document as the analyzer holds it: its SourceFile (updated incrementally), an index of its
// top-level statements ("units"), its imports, and the per-unit results cache. Answers the Lookup
// questions other units and other files ask about it.

import path from "node:path";
import { ts } from "ts-morph";
import { parseFile } from "./parse";
import { diagnose } from "../diagnostics/handlers";
import { formatShape, isFullyKnown } from "../shape/shape";
import { unwrapFunction } from "./infer";
import { isMethodProperty, isStatic, staticShadowed } from "./method-properties";
import { bindClosures, Instance } from "./infer-user";
import { AliasRef, CallProblem, CallResult, ClassSig, Dep, depsHold, FnSig, Lookup, namesOf, ThenCall, thenKey } from "./lookup";
import type { Entry } from "./entries";
import { analyzeUnit, FnMeta, MemberRef, UnitResult, unitInferrer } from "./unit";
import { guarded } from "./unit-guard";
import { gradientTargets, NO_TARGETS, type GradientTargets } from "./gradient-of-targets";
import { maskDeepNesting, MaskedRegion } from "./deep-nesting";
import { Value, valueKey } from "./values";

export interface Unit {
  stmt: ts.Statement;
  pos: number;
  end: number;
  text: string;
  result?: UnitResult;
  /** A method of the top-level class `stmt`, analysed on its own (see Inferrer.member). */
  member?: MemberRef;
  /** For a top-level class: the indexes of its member units. */
  members?: number[];
}

/** What a file needs from the workspace that holds it. */
export interface FileHostContext {
  /** Bumped whenever any document changes: results confirmed at the current version are reused as is. */
  world(): number;
  fileAt(absPath: string): FileState | undefined;
  /** `./model` from `file` → an absolute path that exists, if any. */
  resolve(fromFile: string, spec: string): string | undefined;
  /** Nothing ever changes (WorkspaceOptions.frozen): no dependencies recorded, no editor data. */
  readonly frozen: boolean;
  /** Counters for tests and benchmarks: units analysed afresh, and cached results reused. */
  readonly stats: { analyzed: number; reused: number; failed: number; lastFailure?: string };
}

export interface ResolvedFn {
  state: FileState;
  unit: Unit;
  sig: FnSig;
  meta: FnMeta;
}

const MAX_IMPORT_DEPTH = 32;

/** Common prefix and suffix of two texts: the change range ts.updateSourceFile needs. Compares
 *  in blocks first (substring equality runs at memcmp speed), then character by character. */
export function textChange(oldText: string, newText: string): ts.TextChangeRange {
  const min = Math.min(oldText.length, newText.length);
  const B = 512;
  let p = 0;
  while (p + B <= min && oldText.slice(p, p + B) === newText.slice(p, p + B)) p += B;
  while (p < min && oldText.charCodeAt(p) === newText.charCodeAt(p)) p++;
  let s = 0;
  const maxS = min - p;
  while (s + B <= maxS && oldText.slice(oldText.length - s - B, oldText.length - s) === newText.slice(newText.length - s - B, newText.length - s)) s += B;
  while (s < maxS && oldText.charCodeAt(oldText.length - 1 - s) === newText.charCodeAt(newText.length - 1 - s)) s++;
  return ts.createTextChangeRange(ts.createTextSpan(p, oldText.length - p - s), newText.length - p - s);
}

/** Instantiations nest at most this deep (a helper calling a helper calling …). */
const MAX_INSTANCE_DEPTH = 8;
/** Distinct argument shapes remembered per unit; older ones are recomputed when asked again. */
const MAX_INSTANCES_PER_UNIT = 64;
let instanceDepth = 0;

type Here<T> = (s: FileState, name: string) => T | undefined;

export class FileState {
  text = "";
  sf: ts.SourceFile | undefined;
  isDsl = false;
  units: Unit[] = [];
  readonly chainrule = new Map<string, string>();
  readonly namespaces = new Set<string>();
  /** Relative imports: local name → module specifier and imported name. */
  readonly imports = new Map<string, { spec: string; name: string }>();
  /** `import * as L from "./layers"`: local name → module specifier. */
  readonly nsImports = new Map<string, string>();
  /** `export { a as b }` and `export default a`: exported name → local name. */
  readonly exportAliases = new Map<string, string>();
  /** `export { f as g } from "./x"`: exported name → module specifier and its name there. */
  readonly reexports = new Map<string, { spec: string; name: string }>();
  /** `export * as L from "./x"`. */
  readonly nsReexports = new Map<string, string>();
  /** `export * from "./x"`, in order. */
  readonly starExports: string[] = [];
  readonly aliases = new Map<string, ts.TypeAliasDeclaration | ts.InterfaceDeclaration>();
  /** Indexes of the top-level units (text order, not overlapping); member units sit inside their class's. */
  private top: number[] = [];
  private fnUnit = new Map<string, number>();
  private varUnit = new Map<string, number>();
  private clsUnit = new Map<string, number>();
  private memberUnit = new Map<string, number>();
  private cache = new Map<string, UnitResult>();
  /**
   * The file's `@gradient` targets, read once a parse: a fix inside a target must keep it scalar,
   * so a unit's result also depends on tags in other units, and is reused only under the same key.
   */
  private gradientTargets: GradientTargets = NO_TARGETS;
  private inProgress = new Set<number>();
  private instancesInProgress = new Set<string>();
  readonly lookup: Lookup;

  constructor(readonly file: string, text: string, private readonly host: FileHostContext) {
    this.lookup = {
      chainrule: (n) => this.chainrule.get(n),
      chainruleLocal: (n) => {
        for (const [local, exported] of this.chainrule) if (exported === n) return local;
        return undefined;
      },
      isNamespace: (n) => this.namespaces.has(n),
      alias: (n) => this.alias(n, 0),
      fn: (n) => this.resolveFn(n, 0)?.sig,
      moduleVar: (n) => this.moduleVar(n, 0),
      cls: (n) => this.find(n, 0, new Set(), (s, x) => s.localClass(x)),
      clsByKey: (key) => {
        const at = key.lastIndexOf("#");
        return this.host.fileAt(key.slice(0, at))?.localClass(key.slice(at + 1));
      },
      method: (cls, name) => {
        const at = cls.lastIndexOf("#");
        return this.host.fileAt(cls.slice(0, at))?.memberSig(cls.slice(at + 1), name, 0);
      },
      instantiate: (id, args, self, then) => {
        const at = id.lastIndexOf("#");
        return this.host.fileAt(id.slice(0, at))?.instantiate(id.slice(at + 1), args, self, then);
      },
    };
    this.setText(text);
  }

  /** Replace the text, reparsing incrementally from the previous SourceFile when there is one. */
  setText(text: string): void {
    // A byte-order mark is not part of the document (editors never send it): dropped once, here.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text === this.text && (this.sf || !this.isDsl)) return;
    const old = this.sf;
    const oldText = this.text;
    this.text = text;
    this.lineStarts = undefined;
    // Files that never mention chainrule cannot import it: they are parsed only if a DSL file
    // imports from them (a barrel `index.ts` re-exporting helpers), see `find`.
    if (!text.includes("chainrule")) {
      this.sf = undefined;
      this.isDsl = false;
      this.reindex();
      return;
    }
    try {
      this.sf = old && !this.masked.length
        ? ts.updateSourceFile(old, text, textChange(oldText, text))
        : parseFile(this.file, text);
      this.masked = [];
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // Nested too deep for the parser: parse the text with the deepest parts blanked out.
      const m = maskDeepNesting(text);
      this.text = m.text;
      this.masked = m.regions;
      this.sf = parseFile(this.file, m.text);
    }
    this.reindex();
  }

  /** Regions blanked out before parsing because they nest too deeply (see deep-nesting.ts). */
  masked: MaskedRegion[] = [];

  private lineStarts: number[] | undefined;

  /**
   * Line starts by LSP's rules: only `\n`, `\r\n` and `\r` end a line (TypeScript also counts
   * U+2028, U+2029 and NEL, which would put every later position on the wrong line for an editor).
   */
  lines(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const t = this.text;
    const starts = [0];
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (t.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    return (this.lineStarts = starts);
  }

  private reindex(): void {
    this.units = [];
    this.chainrule.clear();
    this.namespaces.clear();
    this.imports.clear();
    this.nsImports.clear();
    this.exportAliases.clear();
    this.reexports.clear();
    this.nsReexports.clear();
    this.starExports.length = 0;
    this.aliases.clear();
    this.fnUnit.clear();
    this.varUnit.clear();
    this.clsUnit.clear();
    this.memberUnit.clear();
    this.top = [];
    this.isDsl = false;
    const sf = this.sf;
    if (!sf) {
      this.cache.clear();
      return;
    }
    const cache = new Map<string, UnitResult>();
    this.gradientTargets = gradientTargets(sf);
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st)) {
        this.indexImport(st);
        continue;
      }
      if (ts.isExportDeclaration(st)) {
        this.indexExport(st);
        continue;
      }
      if (ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) {
        this.aliases.set(st.name.text, st);
        continue;
      }
      if (ts.isModuleDeclaration(st) || ts.isEmptyStatement(st)) continue;
      if (ts.isExportAssignment(st) && ts.isIdentifier(st.expression)) this.exportAliases.set("default", st.expression.text);
      const text = this.text.slice(st.pos, st.end);
      const prev = this.cache.get(text);
      if (prev) cache.set(text, prev);
      const idx = this.units.length;
      this.top.push(idx);
      this.units.push({ stmt: st, pos: st.pos, end: st.end, text, ...(prev ? { result: prev } : {}) });
      if (ts.isClassDeclaration(st) && st.name) this.indexMembers(st, st.name.text, idx, cache);
      const isDefault = (ts.getModifiers(st as ts.HasModifiers) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      if (ts.isFunctionDeclaration(st)) {
        if (st.name) this.fnUnit.set(st.name.text, idx);
        if (isDefault || !st.name) this.fnUnit.set("default", idx);
      }
      if (ts.isClassDeclaration(st) && st.name) {
        this.clsUnit.set(st.name.text, idx);
        if (isDefault) this.exportAliases.set("default", st.name.text);
      }
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          if (!ts.isIdentifier(d.name)) continue;
          if (unwrapFunction(d.initializer)) this.fnUnit.set(d.name.text, idx);
          else this.varUnit.set(d.name.text, idx);
        }
      }
    }
    this.cache = cache;
  }

  /** A top-level class's methods, constructor and getters are units of their own, so an edit inside one re-analyses it alone. */
  private indexMembers(st: ts.ClassDeclaration, cls: string, owner: number, cache: Map<string, UnitResult>): void {
    const members: number[] = [];
    const tps = st.typeParameters;
    const typeParams = tps ? `<${this.text.slice(tps.pos, tps.end)}>` : "";
    // `extends B`, so a fix re-checked in the member's wrapper still sees `super.m()` (unit.ts).
    const hc = st.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
    const heritage = hc ? ` ${this.text.slice(hc.getStart(this.sf), hc.end)}` : "";
    for (const m of st.members) {
      const isCtor = ts.isConstructorDeclaration(m);
      if (!isCtor && !ts.isMethodDeclaration(m) && !ts.isGetAccessorDeclaration(m) && !isMethodProperty(m)) continue;
      // Static methods are units too (analysed without an instance); static getters and properties are not followed.
      const stat = isStatic(m);
      if (stat && !ts.isMethodDeclaration(m)) continue;
      const nameNode = (m as ts.MethodDeclaration | ts.PropertyDeclaration).name;
      const name = isCtor ? "constructor" : nameNode && (ts.isIdentifier(nameNode) || ts.isPrivateIdentifier(nameNode) || ts.isStringLiteral(nameNode)) ? nameNode.text : undefined;
      if (name === undefined) continue;
      // A static method named as an instance member would share its unit's name: not followed.
      if (stat && staticShadowed(st, name)) continue;
      const text = this.text.slice(m.pos, m.end);
      const unit: Unit = { stmt: st, pos: m.pos, end: m.end, text, member: { cls, name, ...(typeParams ? { typeParams } : {}), ...(heritage ? { heritage } : {}) } };
      const key = this.cacheKey(unit);
      const prev = this.cache.get(key);
      if (prev) {
        cache.set(key, prev);
        unit.result = prev;
      }
      members.push(this.units.length);
      this.memberUnit.set(`${cls}.${name}`, this.units.length);
      this.units.push(unit);
    }
    this.units[owner]!.members = members;
  }

  private indexImport(st: ts.ImportDeclaration): void {
    if (!ts.isStringLiteral(st.moduleSpecifier)) return;
    const spec = st.moduleSpecifier.text;
    const clause = st.importClause;
    if (spec === "chainrule") {
      this.isDsl = true;
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) this.namespaces.add(nb.name.text);
      if (nb && ts.isNamedImports(nb)) {
        for (const el of nb.elements) this.chainrule.set(el.name.text, (el.propertyName ?? el.name).text);
      }
      return;
    }
    if (!spec.startsWith(".")) return;
    if (clause?.name) this.imports.set(clause.name.text, { spec, name: "default" });
    const nb = clause?.namedBindings;
    if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) this.imports.set(el.name.text, { spec, name: (el.propertyName ?? el.name).text });
    }
    if (nb && ts.isNamespaceImport(nb)) this.nsImports.set(nb.name.text, spec);
  }

  private indexExport(st: ts.ExportDeclaration): void {
    const spec = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
    if (spec === "chainrule") return;
    const clause = st.exportClause;
    if (!clause) {
      if (spec?.startsWith(".")) this.starExports.push(spec);
      return;
    }
    if (ts.isNamespaceExport(clause)) {
      if (spec?.startsWith(".")) this.nsReexports.set(clause.name.text, spec);
      return;
    }
    for (const el of clause.elements) {
      const exported = el.name.text;
      const local = (el.propertyName ?? el.name).text;
      if (spec === undefined) this.exportAliases.set(exported, local);
      else if (spec.startsWith(".")) this.reexports.set(exported, { spec, name: local });
    }
  }

  private target(spec: string): FileState | undefined {
    const abs = this.host.resolve(this.file, spec);
    return abs ? this.host.fileAt(abs) : undefined;
  }

  /**
   * Parses a file that does not mention chainrule once something looks into it (a barrel
   * re-exporting helpers): until then it is not parsed at all.
   */
  index(): void {
    if (!this.sf && this.text.includes("export")) {
      this.sf = parseFile(this.file, this.text);
      this.reindex();
    }
  }

  /**
   * Resolves a name the way a module does: what the file declares (`here`), `export { a as b }`,
   * imports and `export { f } from`, then `export *` modules; `ns.member` through a namespace import
   * or `export * as ns`. Bounded in depth, and each file is searched once per `export *` walk.
   */
  private find<T>(name: string, depth: number, seen: Set<FileState>, here: Here<T>): T | undefined {
    if (depth > MAX_IMPORT_DEPTH) return undefined;
    this.index();
    const dot = name.indexOf(".");
    if (dot > 0) {
      const spec = this.nsImports.get(name.slice(0, dot)) ?? this.nsReexports.get(name.slice(0, dot));
      return spec ? this.target(spec)?.find(name.slice(dot + 1), depth + 1, new Set(), here) : undefined;
    }
    const mine = here(this, name);
    if (mine !== undefined) return mine;
    const local = this.exportAliases.get(name);
    if (local !== undefined && local !== name) {
      const r = this.find(local, depth + 1, seen, here);
      if (r !== undefined) return r;
    }
    const imp = this.imports.get(name) ?? this.reexports.get(name);
    if (imp) return this.target(imp.spec)?.find(imp.name, depth + 1, new Set(), here);
    if (name === "default" || seen.has(this)) return undefined;
    seen.add(this);
    for (const spec of this.starExports) {
      const r = this.target(spec)?.find(name, depth + 1, seen, here);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  /** Files this one imports or re-exports from (relative specifiers that resolve). */
  /** Every relative module specifier the file imports or re-exports from. */
  importSpecs(): string[] {
    return [...[...this.imports.values()].map((i) => i.spec), ...this.nsImports.values(), ...[...this.reexports.values()].map((r) => r.spec), ...this.nsReexports.values(), ...this.starExports];
  }

  importedFiles(): string[] {
    const out = new Set<string>();
    for (const spec of this.importSpecs()) {
      const abs = this.host.resolve(this.file, spec);
      if (abs) out.add(abs);
    }
    return [...out];
  }

  alias(name: string, depth: number): AliasRef | undefined {
    return this.find(name, depth, new Set(), (s, n) => {
      const local = s.aliases.get(n);
      return local ? { decl: local, lookup: s.lookup, key: `${s.file}:${local.getText(s.sf)}` } : undefined;
    });
  }

  resolveFn(name: string, depth: number): ResolvedFn | undefined {
    return this.find(name, depth, new Set(), (s, n) => {
      const idx = s.fnUnit.get(n);
      if (idx === undefined) return undefined;
      const unit = s.units[idx]!;
      const r = s.result(idx);
      const own = n === "default" ? [...(r?.fns.keys() ?? [])][0] ?? n : n;
      const sig = r?.fns.get(own) ?? r?.fns.get(n);
      const meta = r?.meta.get(own) ?? r?.meta.get(n);
      return sig && meta ? { state: s, unit, sig, meta } : undefined;
    });
  }

  moduleVar(name: string, depth: number): Value | undefined {
    return this.find(name, depth, new Set(), (s, n) => {
      const idx = s.varUnit.get(n);
      const v = idx === undefined ? undefined : s.result(idx)?.vars.get(n);
      // Its closures (`net.apply(x)`) are called through `instantiate(n, [], undefined, then)`.
      return v && bindClosures(v, `${s.file}#${n}`, [], undefined, [], true);
    });
  }

  /** A class this file declares. */
  localClass(name: string): ClassSig | undefined {
    const idx = this.clsUnit.get(name);
    return idx === undefined ? undefined : this.result(idx)?.classes.get(name);
  }

  /** A method's signature from its member unit; an inherited one from the base class's. */
  memberSig(cls: string, name: string, depth: number): FnSig | undefined {
    const idx = this.memberUnit.get(`${cls}.${name}`);
    if (idx !== undefined) return this.result(idx)?.fns.get(`${cls}.${name}`);
    const base = this.localClass(cls)?.base;
    if (!base || depth > MAX_IMPORT_DEPTH) return undefined;
    const at = base.lastIndexOf("#");
    return this.host.fileAt(base.slice(0, at))?.memberSig(base.slice(at + 1), name, depth + 1);
  }

  /**
   * One call of a function (`f`), method (`C.m`) or constructor (`C.constructor`) this file
   * declares, inferred with these argument values. Cached with the unit's result, each instance
   * with its own recorded dependencies; problems the function has whatever its arguments (which
   * its own unit reports) are left out.
   */
  instantiate(name: string, args: readonly Value[], self?: Value, then?: ThenCall): CallResult | undefined {
    const dot = name.indexOf(".");
    const unitName = dot < 0 ? name : name.slice(0, dot);
    // A module variable's closure (`then` set, no arguments) is run in the variable's own unit.
    const isVar = dot < 0 && then !== undefined && !this.fnUnit.has(name) && this.varUnit.has(name);
    const idx = dot < 0 ? (isVar ? this.varUnit.get(name) : this.fnUnit.get(name)) : this.clsUnit.get(unitName);
    const u = idx === undefined ? undefined : this.units[idx];
    const r = idx === undefined ? undefined : this.result(idx);
    if (!u || !r || !this.sf) return undefined;
    const key = `${name}(${args.map(valueKey).join(",")})${self ? valueKey(self) : ""}${thenKey(then)}`;
    const world = this.host.world();
    const inst = (r.inst ??= new Map());
    const cached = inst.get(key);
    if (cached && (cached.validAt === world || depsHold(this.lookup, cached.deps))) {
      cached.validAt = world;
      // The unit's text is unchanged (else its result, and this cache, would be new), but text
      // above it may have moved it: its problems' absolute offsets move with it. Callers see the
      // new offsets in their dependency on this answer, and are re-analysed.
      if (cached.pos !== u.pos) {
        const delta = u.pos - cached.pos;
        cached.result = { ...cached.result, problems: cached.result.problems.map((p: CallProblem) => ({ ...p, start: p.start + delta, end: p.end + delta })) };
        cached.pos = u.pos;
      }
      return cached.result;
    }
    if (this.instancesInProgress.has(key) || instanceDepth >= MAX_INSTANCE_DEPTH) return undefined;
    this.instancesInProgress.add(key);
    instanceDepth++;
    try {
      const deps = new Map<string, Dep>();
      const inf = unitInferrer(this.sf, this.lookup, deps, this.host.frozen, u.pos, this.file);
      let got: Instance | undefined;
      guarded(inf, u.stmt, () => {
        got = isVar ? inf.moduleClosure(u.stmt, name, then!) : inf.instance(u.stmt, name, args, self, dot > 0 ? r.classes.get(unitName) : undefined, then);
      });
      if (!got) return undefined;
      // What the function reports whatever its arguments (in its own unit) is not repeated at calls.
      const mu = dot > 0 ? this.memberUnit.get(name) : undefined;
      const ownUnit = mu !== undefined ? this.units[mu]! : u;
      const ownResult = mu !== undefined ? this.result(mu) : r;
      const own = new Set((ownResult?.diags ?? []).map((d) => `${d.code}@${ownUnit.pos + d.start}`));
      const ctx = { sf: this.sf, names: namesOf(inf.lookup) };
      const problems: CallProblem[] = [];
      for (const site of [...got.sites, ...inf.sites]) {
        const d = diagnose(site, ctx);
        if (own.has(`${d.code}@${d.start}`)) continue;
        problems.push({ code: d.code, message: d.message, file: this.file, start: d.start, end: d.end });
      }
      const result: CallResult = { returns: got.returns, problems, ...(got.fields ? { fields: got.fields } : {}) };
      if (inst.size >= MAX_INSTANCES_PER_UNIT) inst.delete(inst.keys().next().value!);
      inst.set(key, { deps, validAt: world, result, pos: u.pos, entries: got.entries });
      return result;
    } finally {
      instanceDepth--;
      this.instancesInProgress.delete(key);
    }
  }

  /**
   * A unit's hover entries; inside a function inferred per call, entries its own pass could not
   * know take the shapes that every call analysed in this world agrees on.
   */
  entries(idx: number): Entry[] {
    const r = this.result(idx);
    if (!r) return [];
    const world = this.host.world();
    const calls = [...(r.inst?.values() ?? [])].filter((c) => c.validAt === world);
    if (!calls.length) return r.entries;
    const key = (e: Entry) => `${e.start}:${e.end}:${e.kind}`;
    const agreed = new Map<string, Entry | null>();
    for (const c of calls) {
      for (const e of c.entries) {
        const k = key(e);
        const prev = agreed.get(k);
        if (prev === undefined) agreed.set(k, e);
        else if (prev && formatShape(prev.shape) !== formatShape(e.shape)) agreed.set(k, null);
      }
    }
    const known = (e: Entry | null | undefined): e is Entry => !!e && isFullyKnown(e.shape);
    return r.entries.map((e) => {
      if (isFullyKnown(e.shape)) return e;
      const a = agreed.get(key(e));
      return known(a) ? { ...e, shape: a.shape, prov: `${a.prov} (in this file's calls)` } : e;
    });
  }

  /** The unit's analysis: reused when its text is unchanged and every answer it relied on holds. */
  result(idx: number): UnitResult | undefined {
    const u = this.units[idx];
    if (!u || !this.sf) return undefined;
    const world = this.host.world();
    if (u.result && u.result.validAt === world && u.result.text === u.text && u.result.targets === this.gradientTargets.key) return u.result;
    // Recursion (f calls f, or a cycle through other units or files) sees no signature.
    if (this.inProgress.has(idx)) return undefined;
    this.inProgress.add(idx);
    try {
      const key = this.cacheKey(u);
      const cand = u.result ?? this.cache.get(key);
      if (cand && cand.text === u.text && cand.targets === this.gradientTargets.key && depsHold(this.lookup, cand.deps)) {
        cand.validAt = world;
        u.result = cand;
        this.host.stats.reused++;
        return cand;
      }
      const r = analyzeUnit({ stmt: u.stmt, pos: u.pos, end: u.end, gradientTargets: this.gradientTargets, member: u.member }, this.sf, this.file, this.lookup, world, this.host.frozen);
      this.host.stats.analyzed++;
      if (r.failed) {
        this.host.stats.failed++;
        this.host.stats.lastFailure = r.failed;
      }
      u.result = r;
      this.cache.set(key, r);
      return r;
    } finally {
      this.inProgress.delete(idx);
    }
  }

  private cacheKey(u: Unit): string {
    // Two classes can have members of the same text: a member's key says whose it is, in which class header.
    return u.member ? `${u.member.cls}${u.member.typeParams ?? ""}${u.member.heritage ?? ""}\0${u.member.name}\0${u.text}` : u.text;
  }

  /** Index of the innermost unit containing offset `pos`: a class's member unit inside it, else the top-level one. */
  unitAt(pos: number): number {
    let lo = 0;
    let hi = this.top.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const idx = this.top[mid]!;
      const u = this.units[idx]!;
      if (pos < u.pos) hi = mid - 1;
      else if (pos > u.end) lo = mid + 1;
      else return u.members?.find((m) => this.units[m]!.pos <= pos && pos <= this.units[m]!.end) ?? idx;
    }
    return -1;
  }
}

/** `./model`, `./model.js`, `./lib` (→ lib/index.ts) resolved against the importing file. */
export function resolveCandidates(fromFile: string, spec: string): string[] {
  const base = path.resolve(path.dirname(fromFile), spec);
  const out: string[] = [];
  if (/\.(ts|tsx|mts|cts)$/.test(base)) out.push(base);
  if (/\.(js|mjs|cjs)$/.test(base)) out.push(base.replace(/\.(m|c)?js$/, ".$1ts"));
  out.push(base + ".ts", base + ".tsx", path.join(base, "index.ts"));
  return out;
}
