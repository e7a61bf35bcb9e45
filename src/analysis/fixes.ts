// Fix verification: apply a candidate's edits to the enclosing top-level statement's text,
// reparse just that statement, re-infer it in the same environment, and offer the candidate only
// if the diagnosed expression now checks. The preferred fix (at most one) leaves the whole
// statement free of shape problems and agreeing with its annotations and @gradient shape.

import { ts } from "ts-morph";
import type { DiagnosticDraft, FixCandidate, RawEdit } from "../diagnostics/handlers/types";
import { shapeCompatible } from "../shape/shape";
import { Inferrer } from "./infer-calls";
import { Lookup, withImports } from "./lookup";
import type { Value } from "./values";

export interface StoredEdit {
  /** Offsets relative to the start of the unit (its full text, leading trivia included). */
  start: number;
  end: number;
  newText: string;
}

export interface StoredFix {
  title: string;
  isPreferred: boolean;
  edits: StoredEdit[];
  /** A chainrule export to add to the file's import declaration, materialised as a second edit. */
  addImport?: string;
}

const FAMILY_ORDER: Record<FixCandidate["family"], number> = { "swap-op": 0, annotation: 0, transpose: 1, "swap-operands": 2 };

export function applyEdits(text: string, edits: readonly StoredEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** Where offset p lands after the edits. An insertion exactly at p moves p only when `after`. */
function mapOffset(p: number, edits: readonly StoredEdit[], after: boolean): number {
  let delta = 0;
  for (const e of edits) {
    const d = e.newText.length - (e.end - e.start);
    if (e.end < p || (e.end === p && (e.start < p || after))) delta += d;
    else if (e.start < p && p < e.end) return e.start + e.newText.length + delta;
  }
  return p + delta;
}

export function parseErrorCount(sf: ts.SourceFile): number {
  return (sf as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics?.length ?? 0;
}

/** Does a function's return agree with what its @gradient tag expects (unknown never disagrees)? */
function agrees(returns: Value | undefined, expected: Value | undefined): boolean {
  if (!expected || !returns) return true;
  if (expected.k === "tensor" && returns.k === "tensor") return shapeCompatible(expected.shape, returns.shape);
  if (expected.k === "obj" && returns.k === "obj") {
    for (const [key, v] of returns.props) if (!agrees(v, expected.props.get(key))) return false;
  }
  return true;
}

export interface VerifyContext {
  unitText: string;
  /** Offset of the unit's text in the file the draft's offsets refer to. */
  base: number;
  lookup: Lookup;
  /** Per function of the unit: the shape its @gradient tag expects it to return. */
  expected: ReadonlyMap<string, Value>;
  parseErrors: number;
}

export function verifyFixes(draft: DiagnosticDraft, ctx: VerifyContext): StoredFix[] {
  const offered: Array<StoredFix & { clean: boolean; order: number }> = [];
  const rel = (e: RawEdit): StoredEdit => ({ start: e.start - ctx.base, end: e.end - ctx.base, newText: e.newText });
  const start = draft.start - ctx.base;
  const end = draft.end - ctx.base;
  draft.candidates.forEach((c, i) => {
    const edits = c.edits.map(rel);
    const text = applyEdits(ctx.unitText, edits);
    const sf = ts.createSourceFile("fix.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    if (sf.statements.length !== 1 || parseErrorCount(sf) > ctx.parseErrors) return;
    const lookup = c.addImport ? withImports(ctx.lookup, new Map([[c.addImport, c.addImport]])) : ctx.lookup;
    const inf = new Inferrer(sf, lookup, false);
    inf.unit(sf.statements[0]!);
    const s2 = mapOffset(start, edits, false);
    const e2 = mapOffset(end, edits, true);
    // The diagnosed expression must now check: no problem of the same nature left at its range (an
    // annotation complaint about the same expression is a separate, function-level matter).
    const sameNature = (s: (typeof inf.sites)[number]) => (s.kind === "annotation") === (draft.code === "annotation-mismatch");
    if (inf.sites.some((s) => s.start === s2 && s.end === e2 && sameNature(s))) return;
    const clean = inf.sites.length === 0 && [...inf.fns].every(([name, f]) => agrees(f.returns, ctx.expected.get(name)));
    offered.push({
      title: c.title, isPreferred: false, edits, ...(c.addImport ? { addImport: c.addImport } : {}),
      clean, order: FAMILY_ORDER[c.family] * 100 + i,
    });
  });
  const best = offered.filter((f) => f.clean).sort((a, b) => a.order - b.order)[0];
  return offered.map(({ clean: _c, order: _o, ...f }) => ({ ...f, isPreferred: best !== undefined && f.edits === best.edits }));
}
