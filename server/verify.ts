// "Verify gradient" in the language server: CodeLenses above each `@gradient` function, the
// workspace/executeCommand handlers that run the numeric checker, and the results as diagnostics
// merged into the shape diagnostics. User code runs only on an explicit request (or on save when
// `chainrule.verify.onSave` is on), and never in this process: src/verify's engine bundles it and
// runs it in sandboxed child processes. See docs/verify-editor.md.

import {
  CancellationToken,
  CodeLensRefreshRequest,
  CodeLensRequest,
  ExecuteCommandRequest,
  type ExecuteCommandParams,
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
import type { CheckResult } from "../src/verify/types";
import { VerifySession, withoutArrays, type VerifyPlan } from "../src/verify/session";
import { uriToPath } from "./convert";
import type { DiagnosticsScheduler } from "./diagnostics";
import type { OpenFiles } from "./files";
import { executeCommandParams, optionalStrings, textDocumentOnly } from "./params";
import { guard, type Logger } from "./safety";
import { verifyDiagnostic } from "./verify-format";
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

/** The analysis of a file as the editor sees it: the last published one when it is for the open document's version (no work), else a fresh one. */
function analysisOf(files: OpenFiles, scheduler: DiagnosticsScheduler | undefined, file: string): FileAnalysis {
  const uri = files.uriOf(file);
  const doc = files.get(uri);
  const published = scheduler?.published.get(uri);
  if (doc && published && published.version === doc.version) return published.analysis;
  files.syncAll();
  return files.analyzer.analyze(file);
}

export class Verification {
  private onSaveDefault = false;
  private canPullConfig = false;
  private canRefreshLenses = false;
  private scheduler: DiagnosticsScheduler | undefined;
  private docsHref: string | undefined;
  private readonly session: VerifySession;
  private readonly pendingSaves = new Set<Promise<void>>();
  private nextRun = 1;

  /**
   * Another feature's lenses and commands (server/explain.ts), served by this feature's handlers:
   * LSP allows one handler per request. `commands` returns undefined for a command not its own.
   */
  readonly extra: {
    lenses?: (params: CodeLensParams) => CodeLens[];
    commands?: (command: string, args: unknown) => unknown;
    commandNames: string[];
  } = { commandNames: [] };

  constructor(
    private readonly connection: Connection,
    private readonly files: OpenFiles,
    private readonly log: Logger,
  ) {
    this.session = new VerifySession({
      analysis: (file) => analysisOf(files, this.scheduler, file),
      version: (file) => files.get(files.uriOf(file))?.version,
      openText: (file) => files.get(files.uriOf(file))?.getText(),
      gradientsAt: (file, position, pairings) => {
        files.syncAll();
        return files.analyzer.gradientsAt(file, position, pairings);
      },
    });
    // By method name: onCodeLens & co. read params.workDoneToken before the handler (see main.ts).
    connection.onRequest(CodeLensRequest.method, (params: CodeLensParams) => guard(log, "codeLens", () => {
      const p = textDocumentOnly(params);
      return [...this.codeLenses(p.textDocument.uri), ...(this.extra.lenses?.(p) ?? [])];
    }));
    connection.onRequest(ExecuteCommandRequest.method, (params: ExecuteCommandParams, token: CancellationToken) =>
      guard(log, "executeCommand", () => this.execute(executeCommandParams(params).command, params.arguments?.[0], token)),
    );
    connection.onNotification(SetTrusted.method, (p: SetTrusted.Params | null) => this.setTrusted(p?.trusted === true));
    connection.onRequest(ListGradients.method, (p: ListGradients.Params | null) =>
      guard(log, "listGradients", () => this.list(optionalStrings(p, "uri")?.uri)),
    );
    connection.onRequest(LastResult.method, (p: LastResult.Params | null) =>
      guard(log, "lastResult", () => {
        optionalStrings(p, "uri", "gradient");
        return this.lastResult(p?.uri ?? "", p?.gradient ?? "");
      }),
    );
    connection.onRequest(VerifyStats.method, async (): Promise<VerifyStats.Result> => {
      await Promise.all([...this.pendingSaves]);
      return { ...this.session.stats, trusted: this.session.trusted };
    });
    files.documents.onDidSave((e) => this.saved(e.document.uri));
    // Abort kills the worker synchronously (SIGKILL), which an exit handler may still do. A worker
    // stuck in a loop never reads the parent's disconnect, so it must be killed from here.
    process.once("exit", () => this.session.abort());
  }

  /** Called from onInitialize: reads trust, settings fallbacks and roots; hooks into the diagnostics publisher. */
  initialize(params: InitializeParams, scheduler: DiagnosticsScheduler, docsBase: string): void {
    const init = (params.initializationOptions ?? {}) as InitializationOptions & VerifyInitializationOptions;
    const caps: ClientCapabilities = params.capabilities;
    this.session.trusted = init.trusted === true;
    this.onSaveDefault = init.verify?.onSave === true;
    this.session.timeoutMs = typeof init.verify?.timeoutMs === "number" ? init.verify.timeoutMs : undefined;
    this.canPullConfig = caps.workspace?.configuration === true;
    this.canRefreshLenses = caps.workspace?.codeLens?.refreshSupport === true;
    const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined) ?? [];
    const root = params.rootUri ? uriToPath(params.rootUri) : (params.rootPath ?? undefined);
    this.session.roots = folders.length ? folders : root ? [root] : [];
    this.scheduler = scheduler;
    this.docsHref = new URL("docs/verify-editor.md#results-as-diagnostics", docsBase.endsWith("/") ? docsBase : `${docsBase}/`).href;
    scheduler.extraDiagnostics = (uri, analysis) => this.diagnosticsFor(uri, analysis);
  }

  /** What initialize answers for this feature. */
  capabilities(): Partial<ServerCapabilities> {
    return { codeLensProvider: { resolveProvider: false }, executeCommandProvider: { commands: [...VERIFY_COMMANDS, ...this.extra.commandNames] } };
  }

  private setTrusted(trusted: boolean): void {
    this.session.trusted = trusted;
    this.refreshLenses();
  }

  private codeLenses(uri: string): CodeLens[] {
    const file = uriToPath(uri);
    if (file === undefined || !this.files.get(uri)) return [];
    return this.session.lenses(file, analysisOf(this.files, this.scheduler, file)).map((l) => {
      const args: VerifyArgs = { uri, gradient: l.gradient };
      const command = l.action === "verify" ? VerifyCommand.verifyGradient : VerifyCommand.showReport;
      return { range: l.range, command: { title: l.title, command, arguments: [args] } };
    });
  }

  private refreshLenses(): void {
    if (this.canRefreshLenses) void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  private async execute(command: string, raw: unknown, token: CancellationToken): Promise<unknown> {
    const args = (typeof raw === "object" && raw !== null ? raw : {}) as VerifyArgs;
    if (command === VerifyCommand.showReport) return this.showReport(args);
    if (command !== VerifyCommand.verifyGradient && command !== VerifyCommand.verifyAll) return this.extra.commands?.(command, raw) ?? null;
    const runId = args.runId ?? `run-${this.nextRun++}`;
    const refuse = (why: string): VerifyRunResult => {
      this.notify(MessageType.Warning, why);
      return { runId, refused: why, cancelled: false, checks: [], uris: [], processes: 0 };
    };
    const plan =
      command === VerifyCommand.verifyAll
        ? this.session.plan({ scope: "workspace" })
        : this.session.plan({ scope: "file", file: args.uri === undefined ? undefined : uriToPath(args.uri), ...(args.gradient !== undefined ? { gradient: args.gradient } : {}), ...(args.position ? { position: args.position } : {}) });
    if ("refused" in plan) return refuse(plan.refused);
    for (const w of plan.warnings) this.notify(MessageType.Warning, w);
    return this.run(runId, plan, token);
  }

  private async run(runId: string, plan: VerifyPlan, token: CancellationToken): Promise<VerifyRunResult> {
    const controller = new AbortController();
    const sub = token.onCancellationRequested(() => controller.abort());
    if (token.isCancellationRequested) controller.abort();
    try {
      const out = await this.session.run(plan, {
        onStart: () => {
          this.refreshLenses();
          this.progress({ runId, kind: "start", total: plan.total, title: plan.title });
        },
        onResult: (file, result, done, total) => {
          const uri = this.files.uriOf(file);
          this.progress({ runId, kind: "result", uri, done, total, result });
          this.republish(uri, file);
        },
        onProgress: (file, p, text) => {
          this.progress({ runId, kind: "step", uri: this.files.uriOf(file), gradient: p.gradient, done: p.done, total: p.total, remainingMs: p.remainingMs, text });
        },
        onEnd: (cancelled) => {
          this.refreshLenses();
          this.progress({ runId, kind: "end", cancelled });
        },
      }, controller.signal);
      const base = { runId, checks: out.checks.map(withoutArrays), uris: out.files.map((f) => this.files.uriOf(f)), processes: out.processes };
      if (out.failed) {
        // A vanished file or folder: the run's refusal rather than an internal error.
        this.notify(MessageType.Error, out.failed);
        return { ...base, refused: out.failed, cancelled: false };
      }
      this.log.info(`chainrule: verified ${out.checks.length} gradient(s) in ${out.processes} worker process(es)${out.cancelled ? " (cancelled)" : ""}`);
      return { ...base, cancelled: out.cancelled };
    } finally {
      sub.dispose();
    }
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
    return file === undefined ? null : this.session.lastResult(file, gradient);
  }

  /** The test explorer's list: one file's gradients, or the workspace's. */
  private list(uri: string | undefined): ListGradients.Result {
    const file = uri === undefined ? undefined : uriToPath(uri);
    if (uri !== undefined && file === undefined) return { files: [] };
    return { files: this.session.list(file).map((f) => ({ uri: uri ?? this.files.uriOf(f.file), gradients: f.gradients })) };
  }

  private saved(uri: string): void {
    const decision = (async () => {
      const file = uriToPath(uri);
      if (file === undefined || !this.session.trusted || !(await this.onSaveEnabled())) return;
      if (!this.session.wantsOnSave(file)) return;
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

  /** Verification diagnostics for a document, placed as the session places them. */
  private diagnosticsFor(uri: string, analysis: FileAnalysis | undefined): Diagnostic[] {
    const file = uriToPath(uri);
    return file === undefined ? [] : this.session.findings(file, analysis).map((f) => verifyDiagnostic(f, this.docsHref));
  }

  /** Re-sends a document's diagnostics: the shape ones last published plus the verification ones. */
  private republish(uri: string, file: string): void {
    const last = this.scheduler?.published.get(uri);
    const mine = this.diagnosticsFor(uri, last?.analysis);
    const hadAny = last !== undefined || this.session.hasResults(file);
    if (!hadAny) return;
    void this.connection.sendDiagnostics({ uri, ...(last ? { version: last.version } : {}), diagnostics: [...(last?.diagnostics ?? []), ...mine] });
  }
}
