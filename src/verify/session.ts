// Verification as an editor holds it, as plain data: what a request means (the plan), runs one at
// a time (the queue), the last result of each gradient (the store), and what the editor shows of
// them (lenses, findings on the code, the test explorer's list). The language server only
// converts these to LSP and back; any other front end could drive the same session.
// User code runs only when `run` is called, never in this process (see ./index.ts).

import path from "node:path";
import type { FileAnalysis, GradientPairing, Position, Range } from "../analysis/api";
import { collectFiles } from "../files/collect";
import { readSource } from "../files/read";
import { progressText, resultParagraph, verdict } from "../text/verify-text";
import { verify } from "./index";
import { TEXT_CODES } from "./report";
import type { CheckProgress, CheckResult } from "./types";

export const UNTRUSTED_MESSAGE =
  "chainrule: gradient verification is disabled because this workspace is not trusted: it runs the workspace's code. Trust the workspace to verify gradients.";

/** What the session needs to know of the editor's files. */
export interface SessionHost {
  /** The analysis of `file` as the editor sees it now (its open text, else the disk). */
  analysis(file: string): FileAnalysis;
  /** The open document's version; undefined when it is not open. */
  version(file: string): number | undefined;
  /** The open document's text; undefined when it is not open. */
  openText(file: string): string | undefined;
  /** The gradient functions a position means (the function around it, or the gradients of it). */
  gradientsAt(file: string, position: Position, pairings: readonly GradientPairing[]): string[];
}

/** One call of the engine: a file (or a whole folder), optionally one gradient of it. */
export interface RunGroup {
  /** What verify() is given: a file, or a workspace folder for "verify all". */
  target: string;
  /** The folder results are reported relative to (and esbuild resolves from). */
  cwd: string;
  gradient?: string;
}

export type VerifyRequest =
  | { scope: "workspace" }
  /** A file's gradients: one by name, those around a position, else all of them. */
  | { scope: "file"; file: string | undefined; gradient?: string; position?: Position };

export interface VerifyPlan {
  groups: RunGroup[];
  /** How many checks the plan expects to run. */
  total: number;
  /** What the run is called in progress reports. */
  title: string;
  /** Things the user should know before it runs (unsaved changes). */
  warnings: string[];
}

export interface RunHooks {
  /** The run left the queue and starts (lenses now show it running). */
  onStart?(): void;
  /** One check finished; `done` of about `total`. */
  onResult?(file: string, result: CheckResult, done: number, total: number): void;
  /** A long check is this far (every 200 ms or so), with its line for a progress notification. */
  onProgress?(file: string, progress: CheckProgress, text: string): void;
  /** The run is over (lenses no longer show it running). */
  onEnd?(cancelled: boolean): void;
}

export interface RunOutcome {
  cancelled: boolean;
  /** Results in the order they finished, with their files. */
  checks: CheckResult[];
  files: string[];
  processes: number;
  /** Set when the run could not start or went on (a vanished file or folder). */
  failed?: string;
}

/** A CodeLens: run the check, or (after a run) its verdict, which opens the report. */
export interface VerifyLens {
  range: Range;
  title: string;
  action: "verify" | "report";
  gradient: string;
}

/** A failed or errored check as a problem on the code. A pass has none: the lens already says so. */
export interface VerifyFinding {
  range: Range;
  code: (typeof TEXT_CODES)[keyof typeof TEXT_CODES];
  message: string;
  gradient: string;
  status: CheckResult["status"];
  diagnosis: CheckResult["diagnosis"];
}

export interface ListedGradient {
  name: string;
  of: string;
  wrt: string[];
  range: Range;
}

interface Stored {
  result: CheckResult;
  /** Version of the open document when the run started; undefined when it was not open. */
  version: number | undefined;
}

/** The workspace folder holding `file`, else its own folder. */
export function cwdFor(file: string, roots: readonly string[]): string {
  const root = roots.filter((r) => file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep)).sort((a, b) => b.length - a.length)[0];
  return root ?? path.dirname(file);
}

/** Files of the workspace that may hold gradients: a cheap text test before any parsing. */
export function workspaceGradientFiles(roots: readonly string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    let files: string[];
    try {
      files = collectFiles([root], root).map((f) => f.abs);
    } catch {
      continue;
    }
    for (const f of files) {
      // readSource never blocks (FIFOs) nor reads without end (devices); an unreadable file lists nothing.
      const r = readSource(f);
      if ("text" in r && r.text.includes("@gradient")) out.push(f);
    }
  }
  return [...new Set(out)].sort();
}

/** A range for a result whose file has no analysis at hand: the name at its 1-based line and column. */
export function rangeOfResult(r: CheckResult): Range {
  const start = { line: Math.max(0, r.line - 1), character: Math.max(0, r.column - 1) };
  return { start, end: { line: start.line, character: start.character + r.gradient.length } };
}

/** A result as sent in an answer: the arrays stay out (they go with the progress reports). */
export function withoutArrays(r: CheckResult): CheckResult {
  const { arrays: _arrays, ...rest } = r;
  return rest;
}

export class VerifySession {
  /** Verification runs the workspace's code: only a front end that says the workspace is trusted gets it. */
  trusted = false;
  roots: string[] = [];
  timeoutMs: number | undefined;
  readonly stats = { runs: 0, processes: 0, checks: 0 };
  /** file → gradient → last result. */
  private readonly results = new Map<string, Map<string, Stored>>();
  /** file → gradients being verified now ("*" for the whole file). */
  private readonly running = new Map<string, Set<string>>();
  /** Runs go one at a time: two workers fighting for two cores would time out each other's checks. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The run in progress, aborted by `abort` so that its worker does not outlive the editor. */
  private current: AbortController | undefined;

  constructor(private readonly host: SessionHost) {}

  /** What a request means, found without running anything; a refusal says why nothing would run. */
  plan(req: VerifyRequest): VerifyPlan | { refused: string } {
    if (!this.trusted) return { refused: UNTRUSTED_MESSAGE };
    if (req.scope === "workspace") {
      if (this.roots.length === 0) return { refused: "chainrule: open a folder to verify the gradients of a workspace." };
      const total = this.list(undefined).reduce((n, f) => n + f.gradients.length, 0);
      if (total === 0) return { refused: "chainrule: no @gradient function in the workspace." };
      return { groups: this.roots.map((r) => ({ target: r, cwd: r })), total, title: "Verifying all gradients in the workspace", warnings: [] };
    }
    const file = req.file;
    if (file === undefined) return { refused: 'chainrule: open a TypeScript file that imports from "chainrule" to verify its gradients.' };
    const analysis = this.host.analysis(file);
    const cwd = cwdFor(file, this.roots);
    const all = analysis.gradients.map((g) => g.gradient);
    let names: string[] = [];
    if (req.gradient !== undefined) {
      if (!all.includes(req.gradient)) return { refused: `chainrule: ${path.basename(file)} has no @gradient function named ${req.gradient}.` };
      names = [req.gradient];
    } else if (req.position) {
      names = this.host.gradientsAt(file, req.position, analysis.gradients);
    }
    if (all.length === 0) return { refused: `chainrule: ${path.basename(file)} has no @gradient function to verify.` };
    const warnings = this.unsaved(file) ? [`chainrule: ${path.basename(file)} has unsaved changes; verification runs the saved file. Save to verify what you see.`] : [];
    const title = names.length === 0 ? `Verifying the gradients of ${path.basename(file)}` : `Verifying ${names.join(", ")}`;
    // No name (or every one of the file's): one engine call for the whole file, one bundle.
    if (names.length === 0 || names.length === all.length) return { groups: [{ target: file, cwd }], total: all.length, title, warnings };
    return { groups: names.map((gradient) => ({ target: file, cwd, gradient })), total: names.length, title, warnings };
  }

  /** Whether saving `file` should verify it (when the user asked for verify-on-save). */
  wantsOnSave(file: string): boolean {
    if (!this.trusted) return false;
    const analysis = this.host.analysis(file);
    return analysis.isDsl && analysis.gradients.length > 0;
  }

  /** Runs a plan after any run in progress; each run still answers its own caller. */
  run(plan: VerifyPlan, hooks: RunHooks = {}, signal?: AbortSignal): Promise<RunOutcome> {
    this.stats.runs++;
    const run = this.queue.then(() => this.runNow(plan, hooks, signal));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the run in progress (its worker is killed at once). */
  abort(): void {
    this.current?.abort();
  }

  /** The lenses above each runnable `@gradient` function of a file. */
  lenses(file: string, analysis: FileAnalysis): VerifyLens[] {
    if (!analysis.isDsl) return [];
    const stored = this.results.get(file);
    const running = this.running.get(file);
    const version = this.host.version(file);
    const out: VerifyLens[] = [];
    for (const g of analysis.gradients) {
      if (!g.resolved) continue; // gradient-unresolved already says why; there is nothing to run.
      const busy = running?.has(g.gradient) || running?.has("*");
      const title = busy ? "⏳ Verifying…" : this.trusted ? "▶ Verify gradient" : "▶ Verify gradient (disabled: workspace not trusted)";
      out.push({ range: g.range, title, action: "verify", gradient: g.gradient });
      const last = stored?.get(g.gradient);
      if (last && !busy) {
        const edited = last.version !== undefined && version !== undefined && last.version !== version;
        out.push({ range: g.range, title: `${verdict(last.result)}${edited ? " (edited since)" : ""}`, action: "report", gradient: g.gradient });
      }
    }
    return out;
  }

  lastResult(file: string, gradient: string): CheckResult | null {
    return this.results.get(file)?.get(gradient)?.result ?? null;
  }

  hasResults(file: string): boolean {
    return this.results.has(file);
  }

  /**
   * The problems the last results show in a file, placed on each gradient's name as `analysis`
   * has it now, or on the wrong factor while the text is the one that was checked.
   */
  findings(file: string, analysis: FileAnalysis | undefined): VerifyFinding[] {
    const stored = this.results.get(file);
    if (!stored) return [];
    const out: VerifyFinding[] = [];
    const version = this.host.version(file);
    for (const { result, version: ran } of stored.values()) {
      if (result.status === "pass") continue;
      const pairing = analysis?.gradients.find((g) => g.gradient === result.gradient);
      // A gradient renamed or deleted since the run: its old result describes nothing on screen.
      if (analysis && (!analysis.isDsl || !pairing)) continue;
      const culprit = result.culprit && !result.culprit.file && ran === version ? result.culprit.range : undefined;
      out.push({
        range: culprit ?? pairing?.range ?? rangeOfResult(result),
        code: TEXT_CODES[result.status],
        message: resultParagraph(result),
        gradient: result.gradient,
        status: result.status,
        diagnosis: result.diagnosis,
      });
    }
    return out;
  }

  /** The runnable gradients of one file (listed even when it has none), else of the whole workspace. */
  list(file: string | undefined): Array<{ file: string; gradients: ListedGradient[] }> {
    const targets = file !== undefined ? [file] : workspaceGradientFiles(this.roots);
    const out: Array<{ file: string; gradients: ListedGradient[] }> = [];
    for (const f of targets) {
      const gradients = this.host.analysis(f).gradients.filter((g) => g.resolved).map((g) => ({ name: g.gradient, of: g.of, wrt: g.wrt, range: g.range }));
      if (gradients.length || file !== undefined) out.push({ file: f, gradients });
    }
    return out;
  }

  /** The engine bundles the saved file: whether the editor holds something else. */
  private unsaved(file: string): boolean {
    const open = this.host.openText(file);
    if (open === undefined) return false;
    const r = readSource(file);
    return !("text" in r) || r.text !== open;
  }

  private async runNow(plan: VerifyPlan, hooks: RunHooks, signal: AbortSignal | undefined): Promise<RunOutcome> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    // Cancelled while it waited in the queue: nothing starts.
    if (signal?.aborted) controller.abort();
    signal?.addEventListener("abort", onAbort);
    this.current = controller;
    const out: RunOutcome = { cancelled: false, checks: [], files: [], processes: 0 };
    for (const g of plan.groups) this.markRunning(g, true);
    hooks.onStart?.();
    try {
      for (const g of plan.groups) {
        if (controller.signal.aborted) break;
        const versions = new Map<string, number | undefined>();
        const { stats } = await verify([g.target], {
          cwd: g.cwd, withArrays: true, signal: controller.signal,
          ...(g.gradient !== undefined ? { gradient: g.gradient } : {}),
          ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
          ...(hooks.onProgress ? { onProgress: (p: CheckProgress) => hooks.onProgress!(path.resolve(g.cwd, p.file), p, progressText(p)) } : {}),
          onResult: (r) => {
            const file = path.resolve(g.cwd, r.file);
            if (!versions.has(file)) versions.set(file, this.host.version(file));
            this.store(file, r, versions.get(file));
            out.checks.push(r);
            out.files.push(file);
            this.stats.checks++;
            hooks.onResult?.(file, r, out.checks.length, Math.max(plan.total, out.checks.length));
          },
        });
        out.processes += stats.processes;
        this.stats.processes += stats.processes;
      }
    } catch (e) {
      out.failed = `chainrule: verification could not start: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.current = undefined;
      for (const g of plan.groups) this.markRunning(g, false);
      out.cancelled = controller.signal.aborted;
      hooks.onEnd?.(out.cancelled);
    }
    return out;
  }

  private markRunning(g: RunGroup, on: boolean): void {
    // A folder run marks nothing per file: the lenses of that many files would flicker for little.
    if (g.target === g.cwd) return;
    const key = g.gradient ?? "*";
    const set = this.running.get(g.target) ?? new Set<string>();
    if (on) set.add(key);
    else set.delete(key);
    if (set.size) this.running.set(g.target, set);
    else this.running.delete(g.target);
  }

  private store(file: string, r: CheckResult, version: number | undefined): void {
    const m = this.results.get(file) ?? new Map<string, Stored>();
    m.set(r.gradient, { result: r, version });
    this.results.set(file, m);
  }
}
