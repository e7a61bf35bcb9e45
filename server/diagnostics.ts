// Diagnostics on open and change: debounced per document, versioned (a result is published only
// if the document is still at the version it was computed for), superseded work cancelled even
// mid-file (the analysis runs in time slices), and open importers re-checked after a file they
// import changed. One analysis runs at a time, chosen fairly: the file edited last first, then the
// others in the order they became stale; and a file that never pauses still gets its turn once it
// has waited MAX_WAIT_MS, so no open file goes without diagnostics while others are served.

import type { Connection, Diagnostic } from "vscode-languageserver/node";
import { CancelledError, type CancellationToken, type FileAnalysis } from "../src/analysis/api";
import { toLspDiagnostic, uriToPath, type ClientSupport } from "./convert";
import type { OpenFiles } from "./files";
import { AnalysisStatus } from "./protocol";
import { describeError, maybeInjectFault, type Logger } from "./safety";

/** A token that reads as cancelled once its job is superseded or its document moved on. */
class JobToken implements CancellationToken {
  cancelled = false;
  constructor(private readonly stillCurrent: () => boolean) {}
  get isCancellationRequested(): boolean {
    return this.cancelled || !this.stillCurrent();
  }
}

/** The last analysis published for a document, kept for clients that drop a diagnostic's `data`. */
export interface Published {
  version: number;
  analysis: FileAnalysis;
  diagnostics: Diagnostic[];
}

/** The longest a stale document waits for its turn while edits keep coming (the debounce never settles). */
export const MAX_WAIT_MS = 400;

interface Pending {
  /** When it was first scheduled since its last analysis started: the round-robin order. */
  since: number;
  /** Its latest edit: the debounce counts from here. */
  last: number;
  delay: number;
}

export class DiagnosticsScheduler {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Map<string, JobToken>();
  /** The document edited most recently: served first when it is due. */
  private active: string | undefined;
  private wake: NodeJS.Timeout | undefined;
  private busy = false;
  /** Documents whose queued job was caused by their own edit, so their importers follow. */
  private readonly edited = new Set<string>();
  /** uri → what was last published; an entry with no diagnostics is kept so it can be cleared. */
  readonly published = new Map<string, Published>();
  /** Diagnostics from another source merged into every publish: gradient verification results (server/verify.ts). */
  extraDiagnostics: (uri: string, analysis: FileAnalysis) => Diagnostic[] = () => [];

  constructor(
    private readonly connection: Connection,
    private readonly files: OpenFiles,
    private readonly log: Logger,
    private readonly support: () => ClientSupport,
    private readonly docsBase: string,
    private readonly debounceMs: number,
  ) {}

  /**
   * (Re)starts the debounce for a document; any running job for it is cancelled.
   * `edited` is false when the job only re-checks an importer: then it does not propagate again,
   * which keeps import cycles from re-checking each other forever.
   */
  schedule(uri: string, edited = true, delay = this.debounceMs): void {
    this.cancelRunning(uri);
    if (edited) {
      this.edited.add(uri);
      this.active = uri;
    }
    const now = performance.now();
    const p = this.pending.get(uri);
    this.pending.set(uri, { since: p?.since ?? now, last: now, delay });
    this.pump();
  }

  cancel(uri: string): void {
    this.pending.delete(uri);
    this.cancelRunning(uri);
  }

  private cancelRunning(uri: string): void {
    const job = this.running.get(uri);
    if (job) job.cancelled = true;
  }

  /** When a pending document is due: after its debounce, or MAX_WAIT_MS after it became stale. */
  private dueAt(p: Pending): number {
    return Math.min(p.last + p.delay, p.since + Math.max(MAX_WAIT_MS, p.delay));
  }

  /** Starts the next due job if none runs, else arms a timer for the earliest due one. */
  private pump(): void {
    if (this.busy) return;
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    const now = performance.now();
    let next: string | undefined;
    let earliest = Infinity;
    const active = this.active !== undefined ? this.pending.get(this.active) : undefined;
    if (active && this.dueAt(active) <= now) next = this.active;
    else {
      // Round-robin: of the due documents, the one stale the longest.
      let oldest = Infinity;
      for (const [uri, p] of this.pending) {
        const due = this.dueAt(p);
        if (due <= now && p.since < oldest) {
          oldest = p.since;
          next = uri;
        }
        earliest = Math.min(earliest, due);
      }
    }
    if (next === undefined) {
      if (earliest < Infinity) this.wake = setTimeout(() => this.pump(), Math.max(0, earliest - now));
      return;
    }
    this.pending.delete(next);
    this.busy = true;
    const uri = next;
    // run() handles analysis failures itself; anything else is a bug in this module, logged.
    this.run(uri)
      .catch((e: unknown) => this.log.error(`chainrule: diagnostics for ${uri} failed: ${describeError(e)}`))
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }

  /** On close: stop work and clear what was shown, since the editor no longer tracks the file. */
  closed(uri: string): void {
    this.cancel(uri);
    this.edited.delete(uri);
    if (this.active === uri) this.active = undefined;
    if (this.published.delete(uri)) void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /**
   * One analysis job. The analysis gives the event loop a turn every few milliseconds, so while
   * it runs a didChange or didClose for the same document is read, cancels this job's token, and
   * the job stops at its next slice instead of finishing work nobody will see.
   */
  private async run(uri: string): Promise<void> {
    const doc = this.files.get(uri);
    const file = uriToPath(uri);
    if (!doc || file === undefined) return;
    const version = doc.version;
    const token = new JobToken(() => this.files.get(uri)?.version === version);
    this.running.set(uri, token);
    const started = performance.now();
    this.status({ state: "analyzing", uri, version });
    let analysis: FileAnalysis;
    try {
      maybeInjectFault("analyze");
      this.files.syncAll();
      analysis = await this.files.analyzer.analyzeAsync(file, token);
    } catch (e) {
      if (e instanceof CancelledError) return;
      // The previous diagnostics stay up: they are for an older version, but clearing them on an
      // internal error would tell the user the code is fine.
      this.log.error(`chainrule: analysis of ${file} failed: ${describeError(e)}`);
      this.status({ state: "error", uri, version, message: e instanceof Error ? e.message : String(e) });
      return;
    } finally {
      if (this.running.get(uri) === token) this.running.delete(uri);
    }
    // Never publish a stale result: a newer version has its own job queued. (The analysis checks
    // the token only before each unit; the document may have moved on during its last slice.)
    if (token.isCancellationRequested) return;
    this.publish(uri, version, analysis);
    this.status({
      state: "idle", uri, version, isDsl: analysis.isDsl,
      errors: analysis.diagnostics.filter((d) => d.severity === "error").length,
      warnings: analysis.diagnostics.filter((d) => d.severity === "warning").length,
      ms: Math.round(performance.now() - started),
    });
    // What this file exports may have changed what its open importers infer, directly or through
    // other files: re-check the open ones among all transitive importers, once.
    if (this.edited.delete(uri)) {
      for (const importer of this.files.openImporters(file)) this.schedule(importer, false);
    }
  }

  private publish(uri: string, version: number, analysis: FileAnalysis): void {
    // Files that do not import chainrule get nothing; they are only sent an empty list if they
    // once had diagnostics (the import was just removed).
    if (!analysis.isDsl && !this.published.has(uri)) return;
    const support = this.support();
    const diagnostics = analysis.isDsl
      ? analysis.diagnostics.map((d) => toLspDiagnostic(d, uri, version, support, this.docsBase))
      : [];
    this.published.set(uri, { version, analysis, diagnostics });
    void this.connection.sendDiagnostics({ uri, version, diagnostics: [...diagnostics, ...this.extraDiagnostics(uri, analysis)] });
  }

  private status(params: AnalysisStatus.Params): void {
    void this.connection.sendNotification(AnalysisStatus.method, params);
  }
}
