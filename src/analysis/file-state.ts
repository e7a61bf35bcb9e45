// One document as the analyzer holds it: its SourceFile (updated incrementally), an index of its
// top-level statements ("units"), its imports, and the per-unit results cache. Answers the Lookup
// questions other units and other files ask about it.

import path from "node:path";
import { ts } from "ts-morph";
import { AliasRef, depsHold, FnSig, Lookup } from "./lookup";
import { analyzeUnit, FnMeta, UnitResult } from "./unit";
import type { Value } from "./values";
import { unwrapFunction } from "./infer";

export interface Unit {
  stmt: ts.Statement;
  pos: number;
  end: number;
  text: string;
  result?: UnitResult;
}

/** What a file needs from the workspace that holds it. */
export interface FileHostContext {
  /** Bumped whenever any document changes: results confirmed at the current version are reused as is. */
  world(): number;
  fileAt(absPath: string): FileState | undefined;
  /** `./model` from `file` → an absolute path that exists, if any. */
  resolve(fromFile: string, spec: string): string | undefined;
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

export class FileState {
  text = "";
  sf: ts.SourceFile | undefined;
  isDsl = false;
  units: Unit[] = [];
  readonly chainrule = new Map<string, string>();
  readonly namespaces = new Set<string>();
  /** Relative imports: local name → module specifier and imported name. */
  readonly imports = new Map<string, { spec: string; name: string }>();
  readonly aliases = new Map<string, ts.TypeAliasDeclaration>();
  private fnUnit = new Map<string, number>();
  private varUnit = new Map<string, number>();
  private cache = new Map<string, UnitResult>();
  private inProgress = new Set<number>();
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
    };
    this.setText(text);
  }

  /** Replace the text, reparsing incrementally from the previous SourceFile when there is one. */
  setText(text: string): void {
    if (text === this.text && (this.sf || !this.isDsl)) return;
    const old = this.sf;
    const oldText = this.text;
    this.text = text;
    // Files that never mention chainrule cannot import it: skip parsing them altogether.
    if (!text.includes("chainrule")) {
      this.sf = undefined;
      this.isDsl = false;
      this.reindex();
      return;
    }
    this.sf = old
      ? ts.updateSourceFile(old, text, textChange(oldText, text))
      : ts.createSourceFile(this.file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    this.reindex();
  }

  private reindex(): void {
    this.units = [];
    this.chainrule.clear();
    this.namespaces.clear();
    this.imports.clear();
    this.aliases.clear();
    this.fnUnit.clear();
    this.varUnit.clear();
    this.isDsl = false;
    const sf = this.sf;
    if (!sf) {
      this.cache.clear();
      return;
    }
    const cache = new Map<string, UnitResult>();
    for (const st of sf.statements) {
      if (ts.isImportDeclaration(st)) {
        this.indexImport(st);
        continue;
      }
      if (ts.isTypeAliasDeclaration(st)) {
        this.aliases.set(st.name.text, st);
        continue;
      }
      if (ts.isInterfaceDeclaration(st) || ts.isModuleDeclaration(st) || ts.isEmptyStatement(st)) continue;
      const text = this.text.slice(st.pos, st.end);
      const prev = this.cache.get(text);
      if (prev) cache.set(text, prev);
      const idx = this.units.length;
      this.units.push({ stmt: st, pos: st.pos, end: st.end, text, ...(prev ? { result: prev } : {}) });
      if (ts.isFunctionDeclaration(st) && st.name) this.fnUnit.set(st.name.text, idx);
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
  }

  /** The file an imported name comes from, and its name there. */
  private importTarget(local: string): { state: FileState; name: string } | undefined {
    const imp = this.imports.get(local);
    if (!imp) return undefined;
    const abs = this.host.resolve(this.file, imp.spec);
    const state = abs ? this.host.fileAt(abs) : undefined;
    return state ? { state, name: imp.name } : undefined;
  }

  /** Files this one imports (relative imports that resolve). */
  importedFiles(): string[] {
    const out = new Set<string>();
    for (const imp of this.imports.values()) {
      const abs = this.host.resolve(this.file, imp.spec);
      if (abs) out.add(abs);
    }
    return [...out];
  }

  alias(name: string, depth: number): AliasRef | undefined {
    const local = this.aliases.get(name);
    if (local) return { decl: local, lookup: this.lookup, key: `${this.file}:${local.getText(this.sf)}` };
    if (depth > MAX_IMPORT_DEPTH) return undefined;
    const t = this.importTarget(name);
    return t?.state.alias(t.name, depth + 1);
  }

  resolveFn(name: string, depth: number): ResolvedFn | undefined {
    const idx = this.fnUnit.get(name);
    if (idx !== undefined) {
      const unit = this.units[idx]!;
      const r = this.result(idx);
      const sig = r?.fns.get(name);
      const meta = r?.meta.get(name);
      return sig && meta ? { state: this, unit, sig, meta } : undefined;
    }
    if (depth > MAX_IMPORT_DEPTH) return undefined;
    const t = this.importTarget(name);
    return t?.state.resolveFn(t.name, depth + 1);
  }

  moduleVar(name: string, depth: number): Value | undefined {
    const idx = this.varUnit.get(name);
    if (idx !== undefined) return this.result(idx)?.vars.get(name);
    if (depth > MAX_IMPORT_DEPTH) return undefined;
    const t = this.importTarget(name);
    return t?.state.moduleVar(t.name, depth + 1);
  }

  /** The unit's analysis: reused when its text is unchanged and every answer it relied on holds. */
  result(idx: number): UnitResult | undefined {
    const u = this.units[idx];
    if (!u || !this.sf) return undefined;
    const world = this.host.world();
    if (u.result && u.result.validAt === world && u.result.text === u.text) return u.result;
    // Recursion (f calls f, or a cycle through other units or files) sees no signature.
    if (this.inProgress.has(idx)) return undefined;
    this.inProgress.add(idx);
    try {
      const cand = u.result ?? this.cache.get(u.text);
      if (cand && cand.text === u.text && depsHold(this.lookup, cand.deps)) {
        cand.validAt = world;
        u.result = cand;
        this.host.stats.reused++;
        return cand;
      }
      const r = analyzeUnit(u.stmt, this.sf, this.file, this.lookup, world);
      this.host.stats.analyzed++;
      if (r.failed) {
        this.host.stats.failed++;
        this.host.stats.lastFailure = r.failed;
      }
      u.result = r;
      this.cache.set(u.text, r);
      return r;
    } finally {
      this.inProgress.delete(idx);
    }
  }

  /** Index of the unit containing offset `pos` (units are in text order). */
  unitAt(pos: number): number {
    let lo = 0;
    let hi = this.units.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const u = this.units[mid]!;
      if (pos < u.pos) hi = mid - 1;
      else if (pos > u.end) lo = mid + 1;
      else return mid;
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
