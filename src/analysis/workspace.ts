// The analyzer's entry point for the language server and the CLI: open documents overlaid on the
// disk, per-file incremental analysis (synchronous, or in time slices that can be cancelled),
// hover/inlay shape queries, and who imports whom. Never throws on any input (except
// CancelledError when asked to stop).

import { readFileSync } from "node:fs";
import { DIAGNOSTICS } from "../diagnostics/registry";
import type { CancellationToken, Diagnostic, FileAnalysis, Fix, GradientPairing, GradientTarget, Position, Range, RelatedInfo, ShapeInfo, TextEdit } from "./api";
import { CancelledError } from "./api";
import { FileState, resolveCandidates } from "./file-state";
import { checkGradients } from "./gradients";
import { gradientTargets } from "./gradient-targets";
import type { Entry } from "./sites";
import { materialiseFix } from "./import-edit";
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

const nodeFs: FileHost = {
  readFile(p) {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return undefined;
    }
  },
};

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
    world: () => this.worldVersion,
    fileAt: (p: string) => this.state(p),
    resolve: (from: string, spec: string) => resolveCandidates(from, spec).find((p) => this.state(p) !== undefined),
  };

  constructor(private readonly host: FileHost = nodeFs) {
    // Math templates are analysed by src/template unless something else was plugged in.
    if (!templateAnalyzer()) setTemplateAnalyzer(templateAnalyzerImpl);
  }

  update(file: string, text: string): void {
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
    this.open.delete(file);
    this.disk.delete(file);
    this.worldVersion++;
  }

  /** Forget what was read from disk (all files, or one): the next query reads it again. */
  invalidate(file?: string): void {
    if (file === undefined) this.disk.clear();
    else this.disk.delete(file);
    this.worldVersion++;
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
      const g = checkGradients(s);
      for (const d of g.diags) {
        diagnostics.push({
          code: d.code, severity: DIAGNOSTICS[d.code].severity, message: d.message, range: this.range(s, d.start, d.end), fixes: [],
          related: d.related.map((x): RelatedInfo => {
            const where = x.state ?? s;
            return { ...(where !== s ? { file: where.file } : {}), range: this.range(where, x.start, x.end), message: x.message };
          }),
        });
      }
      diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
      const gradients: GradientPairing[] = g.pairings.map((p) => ({
        gradient: p.gradient, range: this.range(s, p.nameStart, p.nameEnd), of: p.of, wrt: p.wrt, dims: p.dims, samples: p.samples,
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
      out.push({
        code: d.code, severity: d.severity, message: d.message,
        range: this.range(s, u.pos + d.start, u.pos + d.end),
        fixes: d.fixes.map((f) => materialiseFix(s, u.pos, f, (a, b) => this.range(s, a, b))).filter((f): f is Fix => f !== undefined),
        related: d.related.map((x) => ({ range: this.range(s, u.pos + x.start, u.pos + x.end), message: x.message })),
      });
    }
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
      for (const e of r.entries) {
        if (e.start <= rel && rel <= e.end && (!best || e.end - e.start < best.end - best.start || (e.end - e.start === best.end - best.start && e.kind === "operator"))) best = e;
      }
      return best ? this.info(s, u.pos, best) : null;
    } catch {
      return null;
    }
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
        const r = s.result(idx);
        for (const e of r?.entries ?? []) {
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
      ...(e.interpolation ? { interpolation: true } : {}),
    };
  }

  private range(s: FileState, start: number, end: number): Range {
    const sf = s.sf;
    if (!sf) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const a = sf.getLineAndCharacterOfPosition(Math.max(0, Math.min(start, s.text.length)));
    const b = sf.getLineAndCharacterOfPosition(Math.max(0, Math.min(end, s.text.length)));
    return { start: { line: a.line, character: a.character }, end: { line: b.line, character: b.character } };
  }

  private offset(s: FileState, p: Position): number {
    const starts = s.sf!.getLineStarts();
    if (p.line >= starts.length) return s.text.length;
    return Math.min(starts[Math.max(0, p.line)]! + Math.max(0, p.character), s.text.length);
  }
}

export type { TextEdit };
