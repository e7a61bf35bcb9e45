// Analysis of one top-level statement (a "unit"): inference, diagnostics with verified fixes, and
// what the rest of the file needs from it, all with offsets relative to the unit's start so a
// cached result stays valid when text before it moves.

import { ts } from "ts-morph";
import { diagnose } from "../diagnostics/handlers";
import type { DiagnosticDraft } from "../diagnostics/handlers/types";
import { FunctionTags, readTags } from "../gradient/tags";
import { parseErrorCount, StoredFix, verifyFixes } from "./fixes";
import type { FnInfo } from "./infer";
import { Inferrer } from "./infer-calls";
import { Dep, FnSig, Lookup, recording } from "./lookup";
import type { Entry } from "./sites";
import { UNKNOWN, Value } from "./values";

/** A handler's draft once its candidate fixes have been verified. */
export interface StoredDiag extends Omit<DiagnosticDraft, "candidates"> {
  fixes: StoredFix[];
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
  deps: Map<string, Dep>;
  /** World version at which the deps were last confirmed. */
  validAt: number;
  fns: Map<string, FnSig>;
  meta: Map<string, FnMeta>;
  vars: Map<string, Value>;
  entries: Entry[];
  /** Literal parts of chainrule templates, [start, end] inclusive: where template completions apply. */
  templateParts: Array<[number, number]>;
  diags: StoredDiag[];
  /** Set when analysis of this unit threw: a bug, reported nowhere but kept for debugging. */
  failed?: string;
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

export function analyzeUnit(stmt: ts.Statement, sf: ts.SourceFile, file: string, lookup: Lookup, validAt: number): UnitResult {
  const base = stmt.pos;
  const text = sf.text.slice(stmt.pos, stmt.end);
  const deps = new Map<string, Dep>();
  const result: UnitResult = { text, deps, validAt, fns: new Map(), meta: new Map(), vars: new Map(), entries: [], templateParts: [], diags: [] };
  try {
    const rec = recording(lookup, deps);
    const inf = new Inferrer(sf, rec, true, base);
    inf.unit(stmt);
    result.vars = inf.moduleVars();
    const expected = new Map<string, Value>();
    for (const [name, f] of inf.fns) {
      result.fns.set(name, { name, file, params: f.params.map((p) => ({ name: p.name, value: p.value })), typeParams: f.typeParams, returns: f.returns });
      const tags = readTags(f.node, sf);
      const exp = expectedGradient(tags, f, rec);
      if (exp) expected.set(name, exp);
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
    const ctx = { sf, lookup: rec };
    let parseErrors: number | undefined;
    for (const site of inf.sites) {
      const draft = diagnose(site, ctx);
      // Fixes may not add syntax errors; the unit's own count is the baseline (half-typed code has some).
      if (draft.candidates.length && parseErrors === undefined) {
        parseErrors = parseErrorCount(ts.createSourceFile("unit.ts", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
      }
      const fixes = draft.candidates.length ? verifyFixes(draft, { unitText: text, base, lookup: rec, expected, parseErrors: parseErrors ?? 0 }) : [];
      result.diags.push({
        code: draft.code, severity: draft.severity, message: draft.message,
        start: draft.start - base, end: draft.end - base,
        related: draft.related.map((r) => ({ ...r, start: r.start - base, end: r.end - base })),
        fixes,
      });
    }
  } catch (err) {
    // One bad statement must not take the file down: keep what was gathered, report nothing more.
    result.failed = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  return result;
}
