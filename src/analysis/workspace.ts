// The analyzer's entry point for the language server and the CLI: open documents overlaid on the
// disk, per-file incremental analysis (synchronous, or in time slices that can be cancelled),
// hover/inlay shape queries, and who imports whom. Never throws on any input (except
// CancelledError when asked to stop).

import { readFileSync } from "node:fs";
import { ts } from "ts-morph";
import { diagnose } from "../diagnostics/handlers";
import type { DiagnosticDraft, HandlerContext } from "../diagnostics/handlers/types";
import type { CancellationToken, Diagnostic, FileAnalysis, Fix, GradientPairing, GradientTarget, Position, Range, RelatedInfo, ShapeInfo, TextEdit } from "./api";
import { CancelledError } from "./api";
import { MAX_NESTING } from "./deep-nesting";
import { FileState, resolveCandidates } from "./file-state";
import { checkGradients } from "./gradients";
import { gradientTargets } from "./gradient-targets";
import type { Entry } from "./entries";
import type { ExplainService } from "../explain/index";
import { hoverContent, type HoverContent } from "../ide/hover";
import { shapeHints, type ShapeHint } from "../ide/inlay-hints";
import { materialiseFix } from "./import-edit";
import { namesOf } from "./lookup";
import { templateAnalyzerImpl } from "./template-adapter";
import { setTemplateAnalyzer, templateAnalyzer } from "./template-hook";

export interface FileHost {
  readFile(absPath: string): string | undefined;
}

/**
 * How long `analyzeAsync` works before giving the event loop a turn: short enough that a
 * keystroke waits at most about one frame, long enough that the yields cost little (each is one
 * setImmediate, a few microseconds, against ~8 ms of work).
 */
const DEFAULT_SLICE_MS = 8;

/** Diagnostics in reading order: by line, then column. */
export function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

const nodeFs: FileHost = {
  readFile(p) {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
};

export interface WorkspaceOptions {
  /**
   * The files never change while the workspace lives (`chainrule check`): results record no
   * dependencies to re-confirm, and no editor data (hover entries, template parts), which on the
   * 200-file benchmark were a third of the heap. `update`, `close` and `invalidate` then throw.
   */
  frozen?: boolean;
}

export class Workspace {
  private readonly open = new Map<string, FileState>();
  private readonly disk = new Map<string, FileState | null>();
  private worldVersion = 0;
  /** importer → files it imports, as last seen; inverted by importersOf. */
  private readonly importGraph = new Map<string, Set<string>>();
  /** Units analysed afresh, cached results reused, and units whose analysis threw (a bug), for tests and benchmarks. */
  readonly stats: { analyzed: number; reused: number; failed: number; lastFailure?: string } = { analyzed: 0, reused: 0, failed: 0 };
  private readonly ctx = {
    stats: this.stats,
    frozen: false,
    world: () => this.worldVersion,
    fileAt: (p: string) => this.state(p),
    resolve: (from: string, spec: string) => resolveCandidates(from, spec).find((p) => this.state(p) !== undefined),
  };

  constructor(private readonly host: FileHost = nodeFs, options: WorkspaceOptions = {}) {
    this.ctx.frozen = options.frozen === true;
    // Math templates are analysed by src/template unless something else was plugged in.
    if (!templateAnalyzer()) setTemplateAnalyzer(templateAnalyzerImpl);
  }

  update(file: string, text: string): void {
    this.mutable();
    try {
      const s = this.open.get(file);
      if (s) {
        if (s.text === text) return;
        s.setText(text);
      } else this.open.set(file, new FileState(file, text, this.ctx));
      this.worldVersion++;
    } catch {
      // A parser crash on pathological text: drop the document rather than the server.
      this.open.delete(file);
      this.worldVersion++;
    }
  }

  close(file: string): void {
    this.mutable();
    this.open.delete(file);
    this.disk.delete(file);
    this.worldVersion++;
  }

  /** Forget what was read from disk (all files, or one): the next query reads it again. */
  invalidate(file?: string): void {
    this.mutable();
    if (file === undefined) this.disk.clear();
    else this.disk.delete(file);
    this.worldVersion++;
  }

  private mutable(): void {
    if (this.ctx.frozen) throw new Error("a frozen Workspace's files do not change");
  }

  private state(file: string): FileState | undefined {
    const o = this.open.get(file);
    if (o) return o;
    let d = this.disk.get(file);
    if (d === undefined) {
      const text = this.host.readFile(file);
      try {
        d = text === undefined ? null : new FileState(file, text, this.ctx);
      } catch {
        d = null;
      }
      this.disk.set(file, d);
    }
    return d ?? undefined;
  }

  /**
   * One file's state (its syntax, imports and per-function results), for src/explain, which
   * interprets function bodies through the same resolution of names and imports.
   */
  fileState(file: string): FileState | undefined {
    return this.state(file);
  }

  /** The whole file's diagnostics and gradient pairings, synchronously (the CLI, verification). */
  analyze(file: string, token?: CancellationToken): FileAnalysis {
    const steps = this.steps(file, token);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * The same analysis as `analyze`, but it gives the event loop a turn (setImmediate) whenever a
   * slice of `sliceMs` has been used, so a server keeps reading messages during a long cold
   * analysis and a newer version's change can cancel this one mid-file. The token is checked
   * after every yield and before every unit, so a cancellation stops it before any more work.
   * If the workspace changed during a yield (`update`, `close`, `invalidate`), the units already
   * done may no longer hold: the walk starts again (cached results make that cheap), so the
   * answer is always exactly what `analyze` gives for the workspace as it is when the walk ends,
   * never a mix of two versions.
   */
  async analyzeAsync(file: string, token?: CancellationToken, options: { sliceMs?: number } = {}): Promise<FileAnalysis> {
    const sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    let world = this.worldVersion;
    let steps = this.steps(file, token);
    let sliceStart = performance.now();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      if (performance.now() - sliceStart < sliceMs) continue;
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Checked here as well as before each unit: after a close, a restart would first read the
      // file from disk (and parse it) only to stop.
      if (token?.isCancellationRequested) throw new CancelledError();
      // Never resume a walk over a file that changed under it; an abandoned walk holds nothing
      // (a unit's analysis never spans a yield), so it is simply dropped.
      if (this.worldVersion !== world) {
        world = this.worldVersion;
        steps = this.steps(file, token);
      }
      sliceStart = performance.now();
    }
  }

  /**
   * The one walk over a file's units that both `analyze` and `analyzeAsync` drive: it yields
   * after each unit (a point where the work may pause) and returns the result. Results computed
   * before a cancellation stay cached, valid for the world they were computed in, so a cancelled
   * walk leaves the caches exactly as a lazy query (hover) would.
   */
  private *steps(file: string, token?: CancellationToken): Generator<void, FileAnalysis, void> {
    const empty: FileAnalysis = { file, isDsl: false, diagnostics: [], gradients: [] };
    const s = this.state(file);
    if (!s || !s.isDsl || !s.sf) return empty;
    const diagnostics: Diagnostic[] = [];
    try {
      this.importGraph.set(file, new Set(s.importedFiles()));
      for (let i = 0; i < s.units.length; i++) {
        if (token?.isCancellationRequested) throw new CancelledError();
        this.unitDiagnostics(s, i, diagnostics);
        yield;
      }
      if (token?.isCancellationRequested) throw new CancelledError();
      const ctx = handlerContext(s);
      for (const m of s.masked) {
        const message = `code nested more than ${MAX_NESTING} levels deep is not analysed (TypeScript's parser cannot go deeper here); shapes inside it are unknown`;
        diagnostics.push(this.convert(s, diagnose({ kind: "limit", start: m.start, end: Math.min(m.end, m.start + 1), message }, ctx)));
      }
      const g = checkGradients(s);
      for (const site of g.sites) diagnostics.push(this.convert(s, diagnose(site, ctx)));
      diagnostics.sort(byPosition);
      const gradients: GradientPairing[] = g.pairings.map((p) => ({
        gradient: p.gradient, range: this.range(s, p.nameStart, p.nameEnd), tagRange: this.range(s, p.tagStart, p.tagEnd), of: p.of, wrt: p.wrt, dims: p.dims, samples: p.samples,
        ...(p.ofFile ? { ofFile: p.ofFile } : {}), resolved: p.resolved,
      }));
      return { file, isDsl: true, diagnostics, gradients };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      // An analyzer bug must not reach the editor as a crash: report what was gathered.
      return { file, isDsl: true, diagnostics, gradients: [] };
    }
  }

  /** Unit `i`'s diagnostics in file coordinates, appended to `out`. */
  private unitDiagnostics(s: FileState, i: number, out: Diagnostic[]): void {
    const u = s.units[i]!;
    const r = s.result(i);
    if (!r) return;
    for (const d of r.diags) {
      const fixes = d.fixes.map((f) => materialiseFix(s, u.pos, f, (a, b) => this.range(s, a, b))).filter((f): f is Fix => f !== undefined);
      out.push(this.convert(s, d, fixes, u.pos));
    }
  }

  /**
   * A worded draft as API data: offsets (relative to `base` in `s`, or absolute in a related
   * spot's own `file`) to LSP ranges. Every diagnostic the Workspace returns goes through here.
   */
  private convert(s: FileState, d: Omit<DiagnosticDraft, "candidates">, fixes: Fix[] = [], base = 0): Diagnostic {
    return {
      code: d.code, severity: d.severity, message: d.message, range: this.range(s, base + d.start, base + d.end), fixes,
      related: d.related.map((x): RelatedInfo => {
        const other = x.file !== undefined && x.file !== s.file ? this.state(x.file) : undefined;
        if (other) return { file: other.file, range: this.range(other, x.start, x.end), message: x.message };
        const at = x.file !== undefined ? 0 : base;
        return { range: this.range(s, at + x.start, at + x.end), message: x.message };
      }),
    };
  }

  /**
   * `syntax-error` for `chainrule check` (editors show TypeScript's own): the file's first parse
   * error, or nothing. The rest of the file is analysed as usual by `analyze`.
   */
  syntaxError(file: string): Diagnostic | undefined {
    try {
      const s = this.state(file);
      if (!s || !s.isDsl || !s.sf) return undefined;
      // Parse errors inside blanked-out deep nesting are ours, not the user's.
      const inMasked = (p: number) => s.masked.some((m) => m.start - 1 <= p && p <= m.end + 1);
      const errors = ((s.sf as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? []).filter((d) => !inMasked(d.start));
      const first = errors[0];
      if (!first) return undefined;
      const message = ts.flattenDiagnosticMessageText(first.messageText, " ").replace(/\.$/, "");
      const site = { kind: "syntax" as const, start: first.start, end: first.start + Math.max(first.length, 0), message, more: errors.length - 1 };
      return this.convert(s, diagnose(site, handlerContext(s)));
    } catch {
      return undefined;
    }
  }

  /**
   * The top-level function (a declaration or `const f = (…) => …`) around a position, from its
   * JSDoc (where `@gradient` is written) to the end of its body; none inside a class or elsewhere.
   */
  functionAt(file: string, pos: Position): { name: string; range: Range } | undefined {
    try {
      const s = this.state(file);
      if (!s || !s.isDsl || !s.sf) return undefined;
      const idx = s.unitAt(this.offset(s, pos));
      const u = s.units[idx];
      const meta = u && !u.member ? s.result(idx)?.meta : undefined;
      const name = meta ? [...meta.keys()][0] : undefined;
      return name === undefined ? undefined : { name, range: this.range(s, u!.pos, u!.end) };
    } catch {
      return undefined;
    }
  }

  /**
   * The gradients a cursor means: inside a `@gradient` function, that one; inside a function F that
   * gradients differentiate, all of F's gradients; elsewhere none (a caller then verifies the file).
   */
  gradientsAt(file: string, pos: Position, pairings: readonly GradientPairing[] = this.analyze(file).gradients): string[] {
    const fn = this.functionAt(file, pos);
    if (!fn) return [];
    if (pairings.some((p) => p.gradient === fn.name)) return [fn.name];
    return pairings.filter((p) => p.of === fn.name).map((p) => p.gradient);
  }

  private explainService?: ExplainService;

  /** What editors ask of src/explain (hover, lenses, the explain command, Generate), made on first use. */
  explainer(): ExplainService {
    // Loaded on demand: `check` and the analysis alone never need the derivation writer.
    return (this.explainService ??= new (require("../explain/index") as typeof import("../explain/index")).ExplainService(this));
  }

  /** Offsets of a file's text as LSP positions (for core modules that work in offsets, src/explain). */
  rangeAt(file: string, start: number, end: number): Range | undefined {
    const s = this.state(file);
    return s ? this.range(s, start, end) : undefined;
  }

  /** An LSP position as an offset of a file's text. */
  offsetAt(file: string, pos: Position): number | undefined {
    const s = this.state(file);
    return s ? this.offset(s, pos) : undefined;
  }

  /** What a hover shows at a position: the shape and where it came from, an op's rule and Jacobian. */
  hover(file: string, pos: Position): HoverContent | null {
    const info = this.shapeAt(file, pos);
    return info ? hoverContent(info) : null;
  }

  shapeAt(file: string, pos: Position): ShapeInfo | null {
    try {
      const s = this.state(file);
      if (!s || !s.isDsl || !s.sf) return null;
      const off = this.offset(s, pos);
      const idx = s.unitAt(off);
      if (idx < 0) return null;
      const u = s.units[idx]!;
      const r = s.result(idx);
      if (!r) return null;
      const rel = off - u.pos;
      let best: Entry | undefined;
      for (const e of s.entries(idx)) {
        if (e.start <= rel && rel <= e.end && (!best || e.end - e.start < best.end - best.start || (e.end - e.start === best.end - best.start && e.kind === "operator"))) best = e;
      }
      return best ? this.info(s, u.pos, best) : null;
    } catch {
      return null;
    }
  }

  /** The inlay hints of a file (or of a range of it): inferred shapes, as src/ide/inlay-hints.ts decides them. */
  inlayHints(file: string, range?: Range): ShapeHint[] {
    return shapeHints(this.shapesIn(file, range));
  }

  /**
   * What inlay hints show: declarations with an inferred (unannotated) tensor shape, and the
   * tensor operands `${…}` of math templates (flagged `interpolation`, annotated or not: inside
   * a formula the declaration is out of sight).
   */
  shapesIn(file: string, range?: Range): ShapeInfo[] {
    try {
      const s = this.state(file);
      if (!s || !s.isDsl || !s.sf) return [];
      const from = range ? this.offset(s, range.start) : 0;
      const to = range ? this.offset(s, range.end) : s.text.length;
      const out: ShapeInfo[] = [];
      s.units.forEach((u, idx) => {
        if (u.end < from || u.pos > to) return;
        for (const e of s.entries(idx)) {
          if (!e.interpolation && (!e.decl || e.annotated)) continue;
          if (u.pos + e.end < from || u.pos + e.start > to) continue;
          out.push(this.info(s, u.pos, e));
        }
      });
      return out;
    } catch {
      return [];
    }
  }

  /**
   * Whether `pos` is in the math of a chainrule t`…` template: its literal text (either end
   * included), not inside a `${…}`. Completions of `\odot` → ⊙ apply only there.
   */
  inMathTemplate(file: string, pos: Position): boolean {
    try {
      const s = this.state(file);
      if (!s || !s.isDsl || !s.sf) return false;
      const off = this.offset(s, pos);
      const idx = s.unitAt(off);
      const u = s.units[idx];
      const r = idx < 0 ? undefined : s.result(idx);
      if (!u || !r) return false;
      const rel = off - u.pos;
      return r.templateParts.some(([a, b]) => a <= rel && rel <= b);
    } catch {
      return false;
    }
  }

  /** Every pairing of the file with what the numeric gradient checker needs (F's parameters and shapes). */
  gradientTargets(file: string): GradientTarget[] {
    return gradientTargets(this.state(file), this.analyze(file).gradients);
  }

  importersOf(file: string): string[] {
    const out: string[] = [];
    for (const [importer, targets] of this.importGraph) if (targets.has(file)) out.push(importer);
    return out;
  }

  private info(s: FileState, base: number, e: Entry): ShapeInfo {
    return {
      range: this.range(s, base + e.start, base + e.end), kind: e.kind, shape: e.shape, provenance: e.prov,
      ...(e.name !== undefined ? { name: e.name } : {}),
      ...(e.op !== undefined ? { op: e.op } : {}),
      ...(e.operands !== undefined ? { operands: e.operands } : {}),
      ...(e.operandOps !== undefined ? { operandOps: e.operandOps } : {}),
      ...(e.interpolation ? { interpolation: true } : {}),
    };
  }

  /** Offsets to LSP positions, by LSP's line rules (FileState.lines), the one place this is done. */
  private range(s: FileState, start: number, end: number): Range {
    return { start: this.position(s, start), end: this.position(s, end) };
  }

  private position(s: FileState, offset: number): Position {
    const starts = s.lines();
    const off = Math.max(0, Math.min(offset, s.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: off - starts[lo]! };
  }

  private offset(s: FileState, p: Position): number {
    const starts = s.lines();
    if (p.line >= starts.length) return s.text.length;
    return Math.min(starts[Math.max(0, p.line)]! + Math.max(0, p.character), s.text.length);
  }
}

/** What file-level handlers need: gradient, syntax and limit findings rename nothing. */
function handlerContext(s: FileState): HandlerContext {
  return { sf: s.sf!, names: namesOf(s.lookup) };
}

export type { TextEdit };
