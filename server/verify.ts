// "Verify gradient" in the language server: CodeLenses above each `@gradient` function, the
// workspace/executeCommand handlers that run the numeric checker, and the results as diagnostics
// merged into the shape diagnostics. User code runs only on an explicit request (or on save when
// `chainrule.verify.onSave` is on), and never in this process: src/verify's engine bundles it and
// runs it in sandboxed child processes. See docs/verify-editor.md.

import { readFileSync } from "node:fs";
import path from "node:path";
import {
  CancellationToken,
  CodeLensRefreshRequest,
  MessageType,
  ShowMessageNotification,
  type ClientCapabilities,
  type CodeLens,
  type CodeLensParams,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type ServerCapabilities,
} from "vscode-languageserver/node";
import type { FileAnalysis } from "../src/analysis/api";
import { verify } from "../src/verify/index";
import type { CheckResult } from "../src/verify/types";
import { uriToPath } from "./convert";
import type { DiagnosticsScheduler } from "./diagnostics";
import type { OpenFiles } from "./files";
import { guard, type Logger } from "./safety";
import { rangeOfResult, resultLensTitle, verifyDiagnostic, withoutArrays } from "./verify-format";
import {
  CONFIG_SECTION,
  ListGradients,
  LastResult,
  SetTrusted,
  VerifyCommand,
  VerifyProgress,
  VerifyStats,
  VERIFY_COMMANDS,
  type InitializationOptions,
  type VerifyArgs,
  type VerifyInitializationOptions,
  type VerifyRunResult,
} from "./protocol";
import { analysisOf, currentText, cwdFor, fileOf, gradientsAt, workspaceGradientFiles, type RunGroup } from "./verify-targets";

export const UNTRUSTED_MESSAGE =
  "chainrule: gradient verification is disabled because this workspace is not trusted: it runs the workspace's code. Trust the workspace to verify gradients.";

interface Stored {
  result: CheckResult;
  /** Version of the open document when the run started; undefined when it was not open. */
  version: number | undefined;
}

export class Verification {
  private trusted = true;
  private onSaveDefault = false;
  private canPullConfig = false;
  private canRefreshLenses = false;
  private timeoutMs: number | undefined;
  private roots: string[] = [];
  private scheduler: DiagnosticsScheduler | undefined;
  private docsHref: string | undefined;
  /** file → gradient → last result. */
  private readonly results = new Map<string, Map<string, Stored>>();
  /** file → gradients being verified now ("*" for the whole file). */
  private readonly running = new Map<string, Set<string>>();
  /** Runs go one at a time: two workers fighting for two cores would time out each other's checks. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pendingSaves = new Set<Promise<void>>();
  private readonly counts = { runs: 0, processes: 0, checks: 0 };
  private nextRun = 1;
  /** The run in progress, aborted if this process exits so that its worker does not outlive it. */
  private current: AbortController | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly files: OpenFiles,
    private readonly log: Logger,
  ) {
    connection.onCodeLens((params) => guard(log, "codeLens", () => this.codeLenses(params)));
    connection.onExecuteCommand((params, token) => guard(log, "executeCommand", () => this.execute(params.command, params.arguments?.[0], token)));
    connection.onNotification(SetTrusted.method, (p: SetTrusted.Params) => this.setTrusted(p.trusted === true));
    connection.onRequest(ListGradients.method, (p: ListGradients.Params) => guard(log, "listGradients", () => this.list(p.uri)));
    connection.onRequest(LastResult.method, (p: LastResult.Params) => this.lastResult(p.uri, p.gradient));
    connection.onRequest(VerifyStats.method, async (): Promise<VerifyStats.Result> => {
      await Promise.all([...this.pendingSaves]);
      return { ...this.counts, trusted: this.trusted };
    });
    files.documents.onDidSave((e) => this.saved(e.document.uri));
    // Abort kills the worker synchronously (SIGKILL), which an exit handler may still do. A worker
    // stuck in a loop never reads the parent's disconnect, so it must be killed from here.
    process.once("exit", () => this.current?.abort());
  }

  /** Called from onInitialize: reads trust, settings fallbacks and roots; hooks into the diagnostics publisher. */
  initialize(params: InitializeParams, scheduler: DiagnosticsScheduler, docsBase: string): void {
    const init = (params.initializationOptions ?? {}) as InitializationOptions & VerifyInitializationOptions;
    const caps: ClientCapabilities = params.capabilities;
    this.trusted = init.trusted !== false;
    this.onSaveDefault = init.verify?.onSave === true;
    this.timeoutMs = typeof init.verify?.timeoutMs === "number" ? init.verify.timeoutMs : undefined;
    this.canPullConfig = caps.workspace?.configuration === true;
    this.canRefreshLenses = caps.workspace?.codeLens?.refreshSupport === true;
    const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined) ?? [];
    const root = params.rootUri ? uriToPath(params.rootUri) : (params.rootPath ?? undefined);
    this.roots = folders.length ? folders : root ? [root] : [];
    this.scheduler = scheduler;
    this.docsHref = new URL("docs/verify-editor.md#results-as-diagnostics", docsBase.endsWith("/") ? docsBase : `${docsBase}/`).href;
    scheduler.extraDiagnostics = (uri, analysis) => this.diagnosticsFor(uri, analysis);
  }

  /** What initialize answers for this feature. */
  capabilities(): Partial<ServerCapabilities> {
    return { codeLensProvider: { resolveProvider: false }, executeCommandProvider: { commands: [...VERIFY_COMMANDS] } };
  }

  private setTrusted(trusted: boolean): void {
    this.trusted = trusted;
    this.refreshLenses();
  }

  // ---- CodeLens -------------------------------------------------------------------------------

  private codeLenses(params: CodeLensParams): CodeLens[] {
    const uri = params.textDocument.uri;
    const file = uriToPath(uri);
    if (file === undefined || !this.files.get(uri)) return [];
    const analysis = analysisOf(this.files, file, uri, this.scheduler?.published.get(uri));
    if (!analysis.isDsl) return [];
    const stored = this.results.get(file);
    const running = this.running.get(file);
    const version = this.files.get(uri)?.version;
    const lenses: CodeLens[] = [];
    for (const g of analysis.gradients) {
      if (!g.resolved) continue; // gradient-unresolved already says why; there is nothing to run.
      const args: VerifyArgs = { uri, gradient: g.gradient };
      const busy = running?.has(g.gradient) || running?.has("*");
      const title = busy ? "⏳ Verifying…" : this.trusted ? "▶ Verify gradient" : "▶ Verify gradient (disabled: workspace not trusted)";
      lenses.push({ range: g.range, command: { title, command: VerifyCommand.verifyGradient, arguments: [args] } });
      const last = stored?.get(g.gradient);
      if (last && !busy) {
        const edited = last.version !== undefined && version !== undefined && last.version !== version;
        lenses.push({ range: g.range, command: { title: resultLensTitle(last.result, edited), command: VerifyCommand.showReport, arguments: [args] } });
      }
    }
    return lenses;
  }

  private refreshLenses(): void {
    if (this.canRefreshLenses) void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  // ---- Commands -------------------------------------------------------------------------------

  private async execute(command: string, raw: unknown, token: CancellationToken): Promise<unknown> {
    const args = (typeof raw === "object" && raw !== null ? raw : {}) as VerifyArgs;
    if (command === VerifyCommand.showReport) return this.showReport(args);
    if (command !== VerifyCommand.verifyGradient && command !== VerifyCommand.verifyAll) return null;
    const runId = args.runId ?? `run-${this.nextRun++}`;
    const refuse = (why: string): VerifyRunResult => {
      this.notify(MessageType.Warning, why);
      return { runId, refused: why, cancelled: false, checks: [], uris: [], processes: 0 };
    };
    if (!this.trusted) return refuse(UNTRUSTED_MESSAGE);
    const plan = command === VerifyCommand.verifyAll ? this.planAll() : this.planFile(args);
    if (typeof plan === "string") return refuse(plan);
    this.counts.runs++;
    // Queued behind any run in progress; each run still answers its own request.
    const run = this.queue.then(() => this.run(runId, plan.groups, plan.total, plan.title, token));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private planAll(): { groups: RunGroup[]; total: number; title: string } | string {
    if (this.roots.length === 0) return "chainrule: open a folder to verify the gradients of a workspace.";
    const total = this.list(undefined).files.reduce((n, f) => n + f.gradients.length, 0);
    if (total === 0) return "chainrule: no @gradient function in the workspace.";
    return { groups: this.roots.map((r) => ({ target: r, cwd: r })), total, title: "Verifying all gradients in the workspace" };
  }

  private planFile(args: VerifyArgs): { groups: RunGroup[]; total: number; title: string } | string {
    const file = fileOf(args.uri);
    if (!args.uri || file === undefined) return "chainrule: open a TypeScript file that imports from \"chainrule\" to verify its gradients.";
    const analysis = analysisOf(this.files, file, args.uri, this.scheduler?.published.get(args.uri));
    const cwd = cwdFor(file, this.roots);
    const all = analysis.gradients.map((g) => g.gradient);
    let names: string[] = [];
    if (args.gradient !== undefined) {
      if (!all.includes(args.gradient)) return `chainrule: ${path.basename(file)} has no @gradient function named ${args.gradient}.`;
      names = [args.gradient];
    } else if (args.position) {
      const text = currentText(this.files, args.uri, file);
      names = text === undefined ? [] : gradientsAt(text, file, args.position, analysis.gradients);
    }
    if (all.length === 0) return `chainrule: ${path.basename(file)} has no @gradient function to verify.`;
    this.warnIfUnsaved(args.uri, file);
    const title = names.length === 0 ? `Verifying the gradients of ${path.basename(file)}` : `Verifying ${names.join(", ")}`;
    // No name (or every one of the file's): one engine call for the whole file, one bundle.
    if (names.length === 0 || names.length === all.length) return { groups: [{ target: file, cwd }], total: all.length, title };
    return { groups: names.map((gradient) => ({ target: file, cwd, gradient })), total: names.length, title };
  }

  /** The engine bundles the saved file: say so when the editor holds something else. */
  private warnIfUnsaved(uri: string, file: string): void {
    const doc = this.files.get(uri);
    if (!doc) return;
    let disk: string | undefined;
    try {
      disk = readFileSync(file, "utf8");
    } catch {
      disk = undefined;
    }
    if (disk !== doc.getText()) {
      this.notify(MessageType.Warning, `chainrule: ${path.basename(file)} has unsaved changes; verification runs the saved file. Save to verify what you see.`);
    }
  }

  private async run(runId: string, groups: RunGroup[], total: number, title: string, token: CancellationToken): Promise<VerifyRunResult> {
    const controller = new AbortController();
    // Cancelled while it waited in the queue: nothing starts.
    if (token.isCancellationRequested) controller.abort();
    const sub = token.onCancellationRequested(() => controller.abort());
    this.current = controller;
    const checks: CheckResult[] = [];
    const uris: string[] = [];
    let processes = 0;
    const touched = new Set<string>();
    for (const g of groups) this.markRunning(g, true);
    this.refreshLenses();
    this.progress({ runId, kind: "start", total, title });
    try {
      for (const g of groups) {
        if (controller.signal.aborted) break;
        const versions = new Map<string, number | undefined>();
        const { stats } = await verify([g.target], {
          cwd: g.cwd, withArrays: true, signal: controller.signal,
          ...(g.gradient !== undefined ? { gradient: g.gradient } : {}),
          ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
          onResult: (r) => {
            const file = path.resolve(g.cwd, r.file);
            const uri = this.files.uriOf(file);
            if (!versions.has(file)) versions.set(file, this.files.get(uri)?.version);
            this.store(file, r, versions.get(file));
            touched.add(file);
            checks.push(r);
            uris.push(uri);
            this.counts.checks++;
            this.progress({ runId, kind: "result", uri, done: checks.length, total: Math.max(total, checks.length), result: r });
            this.republish(uri, file);
          },
        });
        processes += stats.processes;
        this.counts.processes += stats.processes;
      }
    } catch (e) {
      // A vanished file or folder: report it as the run's refusal rather than an internal error.
      const why = `chainrule: verification could not start: ${e instanceof Error ? e.message : String(e)}`;
      this.notify(MessageType.Error, why);
      return { runId, refused: why, cancelled: false, checks: checks.map(withoutArrays), uris, processes };
    } finally {
      sub.dispose();
      this.current = undefined;
      for (const g of groups) this.markRunning(g, false);
      this.refreshLenses();
      this.progress({ runId, kind: "end", cancelled: controller.signal.aborted });
    }
    this.log.info(`chainrule: verified ${checks.length} gradient(s) in ${processes} worker process(es)${controller.signal.aborted ? " (cancelled)" : ""}`);
    return { runId, cancelled: controller.signal.aborted, checks: checks.map(withoutArrays), uris, processes };
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

  /** window/showMessage (a notification: no client has to answer, unlike connection.window.show…Message). */
  private notify(type: MessageType, message: string): void {
    void this.connection.sendNotification(ShowMessageNotification.type, { type, message });
  }

  private progress(p: VerifyProgress.Params): void {
    void this.connection.sendNotification(VerifyProgress.method, p);
  }

  private showReport(args: VerifyArgs): CheckResult | null {
    const r = this.lastResult(args.uri ?? "", args.gradient ?? "");
    if (!r) return null;
    this.notify(r.status === "pass" ? MessageType.Info : MessageType.Error, `${r.gradient}: ${r.message}`);
    return withoutArrays(r);
  }

  private lastResult(uri: string, gradient: string): CheckResult | null {
    const file = uriToPath(uri);
    return file === undefined ? null : (this.results.get(file)?.get(gradient)?.result ?? null);
  }

  // ---- Listing (test explorer) ---------------------------------------------------------------

  private list(uri: string | undefined): ListGradients.Result {
    const targets = uri !== undefined ? [fileOf(uri)].filter((f): f is string => f !== undefined) : workspaceGradientFiles(this.roots);
    const files: ListGradients.Result["files"] = [];
    for (const file of targets) {
      const u = uri ?? this.files.uriOf(file);
      const analysis = analysisOf(this.files, file, u, this.scheduler?.published.get(u));
      const gradients = analysis.gradients.filter((g) => g.resolved).map((g) => ({ name: g.gradient, of: g.of, wrt: g.wrt, range: g.range }));
      if (gradients.length || uri !== undefined) files.push({ uri: u, gradients });
    }
    return { files };
  }

  // ---- Save and diagnostics -------------------------------------------------------------------

  private saved(uri: string): void {
    const decision = (async () => {
      if (!this.trusted || !(await this.onSaveEnabled())) return;
      const file = uriToPath(uri);
      if (file === undefined) return;
      const analysis = analysisOf(this.files, file, uri, this.scheduler?.published.get(uri));
      if (!analysis.isDsl || analysis.gradients.length === 0) return;
      const result = (await this.execute(VerifyCommand.verifyGradient, { uri, runId: `save-${this.nextRun++}` }, CancellationToken.None)) as VerifyRunResult;
      if (result.refused) this.log.info(result.refused);
    })();
    // The stats request waits for the decision (not the run), so "nothing ran" can be asserted soundly.
    const pending = decision.catch((e) => this.log.error(`chainrule: verify on save failed: ${String(e)}`)).then(() => undefined);
    const tracked = pending.finally(() => this.pendingSaves.delete(tracked));
    this.pendingSaves.add(tracked);
  }

  private async onSaveEnabled(): Promise<boolean> {
    if (!this.canPullConfig) return this.onSaveDefault;
    try {
      const raw = (await this.connection.workspace.getConfiguration(CONFIG_SECTION)) as { verify?: { onSave?: unknown } } | null;
      const v = raw?.verify?.onSave;
      return typeof v === "boolean" ? v : this.onSaveDefault;
    } catch {
      return this.onSaveDefault;
    }
  }

  /** Verification diagnostics for a document, placed on each gradient's name as the analysis now has it. */
  private diagnosticsFor(uri: string, analysis: FileAnalysis | undefined): Diagnostic[] {
    const file = uriToPath(uri);
    const stored = file === undefined ? undefined : this.results.get(file);
    if (!stored) return [];
    const out: Diagnostic[] = [];
    for (const { result } of stored.values()) {
      const pairing = analysis?.gradients.find((g) => g.gradient === result.gradient);
      // A gradient renamed or deleted since the run: its old result describes nothing on screen.
      if (analysis && (!analysis.isDsl || !pairing)) continue;
      const d = verifyDiagnostic(result, pairing?.range ?? rangeOfResult(result), this.docsHref);
      if (d) out.push(d);
    }
    return out;
  }

  /** Re-sends a document's diagnostics: the shape ones last published plus the verification ones. */
  private republish(uri: string, file: string): void {
    const last = this.scheduler?.published.get(uri);
    const mine = this.diagnosticsFor(uri, last?.analysis);
    const hadAny = last !== undefined || this.results.has(file);
    if (!hadAny) return;
    void this.connection.sendDiagnostics({ uri, ...(last ? { version: last.version } : {}), diagnostics: [...(last?.diagnostics ?? []), ...mine] });
  }
}
