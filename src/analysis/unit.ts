// Analysis of one top-level statement (a "unit"): inference, diagnostics with verified fixes, and
// what the rest of the file needs from it, all with offsets relative to the unit's start so a
// cached result stays valid when text before it moves.

import { ts } from "ts-morph";
import { diagnose } from "../diagnostics/handlers";
import type { DiagnosticDraft } from "../diagnostics/handlers/types";
import { FunctionTags, readTags } from "../gradient/tags";
import { parseErrorCount, StoredFix, verifyFixes } from "./fixes";
import type { GradientTargets } from "./gradient-of-targets";
import type { FnInfo } from "./infer";
import { Inferrer } from "./infer-user";
import type { CallResult, ClassSig, Dep, FnSig, Lookup } from "./lookup";
import { namesOf, recording } from "./lookup";
import type { Entry } from "./entries";
import { guarded } from "./unit-guard";
import { escape, UNKNOWN, Value } from "./values";

/** A handler's draft once its candidate fixes have been verified. */
export interface StoredDiag extends Omit<DiagnosticDraft, "candidates"> {
  fixes: StoredFix[];
}

/** One call of a function of this unit inferred with its arguments (FileState.instantiate). */
export interface CachedInstance {
  deps: Map<string, Dep>;
  validAt: number;
  /** Its problems' offsets are absolute in the file, as they were with the unit at `pos`. */
  result: CallResult;
  pos: number;
  /** Offsets relative to the unit, for hovers inside the function. */
  entries: Entry[];
}

/** What gradient pairing needs of a function, offsets relative to the unit. */
export interface FnMeta {
  name: string;
  nameStart: number;
  nameEnd: number;
  tags: FunctionTags;
  params: Array<{ name: string; value: Value; typeStart?: number; typeEnd?: number }>;
  returns: Value;
  returnRanges: Array<[number, number]>;
  /** For returned object literals: where each key's value is, for per-entry diagnostics. */
  objectProps: Map<string, [number, number]>;
}

export interface UnitResult {
  text: string;
  /** The key of the file's `@gradient` targets it was analysed with: a tag changed elsewhere invalidates it. */
  targets: string;
  deps: Map<string, Dep>;
  /** World version at which the deps were last confirmed. */
  validAt: number;
  fns: Map<string, FnSig>;
  classes: Map<string, ClassSig>;
  meta: Map<string, FnMeta>;
  vars: Map<string, Value>;
  entries: Entry[];
  /** Literal parts of chainrule templates, [start, end] inclusive: where template completions apply. */
  templateParts: Array<[number, number]>;
  diags: StoredDiag[];
  /** Calls of this unit's per-call functions, by callee and argument values. */
  inst?: Map<string, CachedInstance>;
  /** Set when analysis of this unit threw: a bug, reported nowhere but kept for debugging. */
  failed?: string;
}

/** What callers see of a function the unit declares. */
export function sigOf(f: FnInfo, id: string, file: string): FnSig {
  return {
    id, name: f.name, file, typeParams: f.typeParams, returns: escape(f.returns), perCall: f.perCall,
    params: f.params.map((p) => ({ name: p.name, value: escape(p.value), ...(p.rest ? { rest: true as const } : {}) })),
  };
}

function nameNodeOf(f: FnInfo): ts.Node {
  const n = f.node;
  if (n.name) return n.name;
  if (n.parent && ts.isVariableDeclaration(n.parent)) return n.parent.name;
  return n;
}

/** The shape a @gradient function must return: P's annotation in F, else its own parameter P. */
function expectedGradient(tags: FunctionTags, own: FnInfo, lookup: Lookup): Value | undefined {
  const g = tags.gradient;
  if (!g) return undefined;
  const of = lookup.fn(g.of);
  const paramValue = (p: string): Value => {
    const inF = of?.params.find((q) => q.name === p)?.value;
    if (inF && inF.k === "tensor" && inF.shape) return inF;
    return own.params.find((q) => q.name === p)?.value ?? UNKNOWN;
  };
  if (g.wrt) return paramValue(g.wrt);
  const props = new Map<string, Value>();
  for (const p of of?.params ?? own.params) props.set(p.name, paramValue(p.name));
  return { k: "obj", props };
}

/** A tag's range from its `@` to its last non-blank character (the reader's span starts at the name). */
function tagSpan(text: string, start: number, end: number, base: number): { start: number; end: number } {
  if (text[start - 1] === "@") start--;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start: start - base, end: end - base };
}

/** What a unit analyses: a top-level statement, or one method of a top-level class (`member`). */
export interface UnitTarget {
  stmt: ts.Statement;
  pos: number;
  end: number;
  /** The file's `@gradient` targets (gradient-of-targets.ts). */
  gradientTargets: GradientTargets;
  member?: MemberRef;
}

export interface MemberRef {
  cls: string;
  name: string;
  /** The class's type parameter list as written (`<I extends string, O extends string>`), if any. */
  typeParams?: string;
  /** The class's `extends` clause as written, with a leading space (` extends Linear`), if any. */
  heritage?: string;
}

/**
 * A member's text as a statement of its own, for reparsing a fix candidate: `class C<…> { … }`.
 * The type parameters go along: without them a generic class's dims (`Tensor<[1, I]>`) were
 * unknown in the re-check, so a fix that does not check (`dy.matmul(this.x)` for
 * `[1,O] @ [1,I]`) passed as one.
 */
export function memberWrapper(m: MemberRef): { prefix: string; suffix: string } {
  return { prefix: `class ${m.cls}${m.typeParams ?? ""}${m.heritage ?? ""} {\n`, suffix: "\n}" };
}

/**
 * The inferrer of a unit, or of one instance of its function: it records what it reads into `deps`
 * (to re-confirm the result after an edit) and collects editor data (hover entries, template
 * parts), unless the files are frozen (WorkspaceOptions.frozen), where neither is ever read.
 */
export function unitInferrer(sf: ts.SourceFile, lookup: Lookup, deps: Map<string, Dep>, frozen: boolean, base: number, file: string): Inferrer {
  return new Inferrer(sf, frozen ? lookup : recording(lookup, deps), !frozen, base, file);
}

/** `frozen` (the files never change): no dependencies recorded, no hover entries or template parts. */
export function analyzeUnit(u: UnitTarget, sf: ts.SourceFile, file: string, lookup: Lookup, validAt: number, frozen = false): UnitResult {
  const stmt = u.stmt;
  const base = u.pos;
  const text = sf.text.slice(u.pos, u.end);
  const deps = new Map<string, Dep>();
  const result: UnitResult = { text, targets: u.gradientTargets.key, deps, validAt, fns: new Map(), classes: new Map(), meta: new Map(), vars: new Map(), entries: [], templateParts: [], diags: [] };
  try {
    const inf = unitInferrer(sf, lookup, deps, frozen, base, file);
    const rec = inf.lookup;
    const member = u.member;
    if (member) {
      guarded(inf, stmt, () => {
        const info = inf.member(stmt as ts.ClassDeclaration, member.cls, member.name);
        const qualified = `${member.cls}.${member.name}`;
        if (info) result.fns.set(qualified, sigOf(info, `${file}#${qualified}`, file));
      });
    } else {
      // A top-level class gives its signature here; each method is a unit of its own (FileState).
      inf.splitMembers = ts.isClassDeclaration(stmt);
      guarded(inf, stmt, () => inf.unit(stmt));
    }
    inf.finish();
    result.vars = new Map([...inf.moduleVars()].map(([n, v]) => [n, escape(v)]));
    for (const [name, c] of inf.classes) {
      result.classes.set(name, {
        key: c.key, name, file, fields: new Map([...c.fields].map(([n, v]) => [n, escape(v)])), methods: c.methods, getters: c.getters, statics: c.statics,
        typeParams: c.typeParams, ...(c.base ? { base: c.base } : {}),
      });
    }
    const expected = new Map<string, Value>();
    for (const [name, f] of inf.fns) {
      result.fns.set(name, sigOf(f, `${file}#${name}`, file));
      const tags = readTags(f.node, sf);
      const exp = expectedGradient(tags, f, rec);
      if (exp) expected.set(name, exp);
      // A function a @gradient tag of the file differentiates must keep returning a scalar.
      else if (u.gradientTargets.names.has(name)) expected.set(name, { k: "tensor", shape: [], prov: "@gradient target" });
      const nameNode = nameNodeOf(f);
      const objectProps = new Map<string, [number, number]>();
      for (const r of f.returnExprs) {
        let e: ts.Expression = r;
        while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) e = e.expression;
        if (!ts.isObjectLiteralExpression(e)) continue;
        for (const p of e.properties) {
          if ((ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) {
            objectProps.set(p.name.text, [p.getStart(sf) - base, p.end - base]);
          }
        }
      }
      result.meta.set(name, {
        name,
        nameStart: nameNode.getStart(sf) - base,
        nameEnd: nameNode.end - base,
        tags: {
          ...tags,
          ...(tags.gradient ? { gradient: { ...tags.gradient, ...tagSpan(sf.text, tags.gradient.start, tags.gradient.end, base) } } : {}),
          problems: tags.problems.map((p) => ({ ...p, start: p.start - base, end: p.end - base })),
        },
        params: f.params.map((p) => ({
          name: p.name, value: p.value,
          ...(p.typeNode ? { typeStart: p.typeNode.getStart(sf) - base, typeEnd: p.typeNode.end - base } : {}),
        })),
        returns: f.returns,
        returnRanges: f.returnExprs.map((r) => [r.getStart(sf) - base, r.end - base]),
        objectProps,
      });
    }
    result.entries = inf.entries;
    result.templateParts = inf.templateParts;
    const ctx = { sf, names: namesOf(rec) };
    // The unit's own parse errors, the baseline a fix may not exceed: parsed only when some
    // candidate has parse errors at all (a candidate with none never exceeds it).
    let parseErrors: number | undefined;
    const wrap = member ? memberWrapper(member) : undefined;
    const baseline = () => {
      if (parseErrors === undefined) {
        const whole = wrap ? wrap.prefix + text + wrap.suffix : text;
        parseErrors = parseErrorCount(ts.createSourceFile("unit.ts", whole, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
      }
      return parseErrors;
    };
    for (const site of inf.sites) {
      const draft = diagnose(site, ctx);
      // Fixes may not add syntax errors; the unit's own count is the baseline (half-typed code has some).
      const fixes = draft.candidates.length
        ? verifyFixes(draft, { unitText: text, base, file, lookup: rec, expected, parseErrors: baseline, reshaped: inf.reshaped, ...(member ? { member } : {}) })
        : [];
      result.diags.push({
        code: draft.code, severity: draft.severity, message: draft.message,
        start: draft.start - base, end: draft.end - base,
        related: draft.related.map((r) => (r.file ? r : { ...r, start: r.start - base, end: r.end - base })),
        fixes,
      });
    }
  } catch (err) {
    // One bad statement must not take the file down: keep what was gathered, report nothing more.
    result.failed = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  return result;
}
