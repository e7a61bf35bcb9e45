// Fix verification: apply a candidate's edits to the enclosing top-level statement's text,
// reparse just that statement, re-infer it in the same environment, and offer the candidate only
// if the diagnosed expression now checks. At most one is preferred (CLI.md v2): one after which
// the whole statement has no finding at all and agrees with its annotations and @gradient shape;
// among those, the one after which fewer element-wise ops stretch a non-scalar operand (where
// silent bugs hide), then the handler's ranking. A fix that changes a reassigned variable's shape
// (a ⊙ that broadcasts a row into a matrix, a transpose that turns a row into a column) is never
// preferred: it "checks" but corrupts the code.

import { ts } from "ts-morph";
import { parseFile } from "./parse";
import type { DiagnosticDraft, FixCandidate, RawEdit } from "../diagnostics/handlers/types";
import { shapeCompatible } from "../shape/shape";
import { Inferrer } from "./infer-user";
import { Lookup, withImports } from "./lookup";
import { guarded } from "./unit-guard";
import { MemberRef, memberWrapper } from "./unit";
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
  /** The file's path (class keys and ids are made from it). */
  file: string;
  lookup: Lookup;
  /** Per function of the unit: the shape its @gradient tag expects it to return. */
  expected: ReadonlyMap<string, Value>;
  /** The unit's own parse error count (computed when first asked). */
  parseErrors: () => number;
  /** Reassignments that changed a variable's shape in the unit as it is (see Inferrer.reshaped). */
  reshaped: number;
  /** The unit is one method of a class: it is reparsed inside `class C { … }` and inferred as a member. */
  member?: MemberRef;
}

export function verifyFixes(draft: DiagnosticDraft, ctx: VerifyContext): StoredFix[] {
  const offered: Array<StoredFix & { clean: boolean; rank: number[] }> = [];
  const rel = (e: RawEdit): StoredEdit => ({ start: e.start - ctx.base, end: e.end - ctx.base, newText: e.newText });
  const start = draft.start - ctx.base;
  const end = draft.end - ctx.base;
  draft.candidates.forEach((c, i) => {
    const edits = c.edits.map(rel);
    const wrap = ctx.member ? memberWrapper(ctx.member) : { prefix: "", suffix: "" };
    const text = wrap.prefix + applyEdits(ctx.unitText, edits) + wrap.suffix;
    const sf = parseFile(ctx.file, text);
    const errors = parseErrorCount(sf);
    if (sf.statements.length !== 1 || (errors > 0 && errors > ctx.parseErrors())) return;
    const lookup = c.addImport ? withImports(ctx.lookup, new Map([[c.addImport, c.addImport]])) : ctx.lookup;
    // Offsets in the reparsed text are the unit's, moved by the wrapper a member is parsed in.
    const inf = new Inferrer(sf, lookup, false, 0, ctx.file);
    const stmt = sf.statements[0]!;
    const member = ctx.member;
    if (member && ts.isClassDeclaration(stmt)) guarded(inf, stmt, () => inf.member(stmt, member.cls, member.name));
    else guarded(inf, stmt, () => inf.unit(stmt));
    const s2 = mapOffset(start, edits, false) + wrap.prefix.length;
    const e2 = mapOffset(end, edits, true) + wrap.prefix.length;
    // The diagnosed expression must now check: no problem of the same nature left at its range (an
    // annotation complaint about the same expression is a separate, function-level matter).
    const sameNature = (s: (typeof inf.sites)[number]) => (s.kind === "annotation") === (draft.code === "annotation-mismatch");
    if (inf.sites.some((s) => s.start === s2 && s.end === e2 && sameNature(s))) return;
    // CLI.md v2: a fix is never preferred when a variable the expression flows into changes shape
    // after it — any fix, not only a ⊙ that broadcasts: in `h = tanh(Wh.matmul(h))` with h [1,H],
    // transposing h "checks" but makes h [H,1]; swapping keeps [1,H] and is the one preferred.
    const corrupts = inf.reshaped > ctx.reshaped;
    const clean = !corrupts && inf.sites.length === 0 && [...inf.fns].every(([name, f]) => agrees(f.returns, ctx.expected.get(name)));
    offered.push({
      title: c.title, isPreferred: false, edits, ...(c.addImport ? { addImport: c.addImport } : {}),
      clean, rank: [inf.broadcasts, c.priority ?? FAMILY_ORDER[c.family], i],
    });
  });
  const byRank = (a: { rank: number[] }, b: { rank: number[] }) => a.rank[0]! - b.rank[0]! || a.rank[1]! - b.rank[1]! || a.rank[2]! - b.rank[2]!;
  const best = offered.filter((f) => f.clean).sort(byRank)[0];
  // The preferred fix comes first (text output and editors list them in this order).
  return offered
    .sort((a, b) => (a === best ? -1 : b === best ? 1 : byRank(a, b)))
    .map(({ clean: _c, rank: _r, ...f }) => ({ ...f, isPreferred: best !== undefined && f.edits === best.edits }));
}
