// A tiny LSP client for protocol tests: spawns the bundled server (dist/server.js) over stdio and
// speaks LSP to it with vscode-languageserver-protocol. Every wait is on a notification or a
// response (with a timeout as a failure bound), never a sleep.

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  CodeActionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  InlayHintRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type CodeAction,
  type Diagnostic,
  type Hover,
  type InlayHint,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol/node";
import { AnalysisStatus } from "../../server/protocol";

export const ROOT = path.resolve(__dirname, "../..");
export const FIXTURES = path.join(__dirname, "fixtures");
const SERVER = path.join(ROOT, "dist/server.js");
const TIMEOUT_MS = 20_000;

export function fixtureUri(name: string): string {
  return pathToFileURL(path.join(FIXTURES, name)).href;
}

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), "utf8");
}

/** Capabilities of a modern client (VS Code-like); tests switch single ones off. */
export function fullCapabilities(): ClientCapabilities {
  return {
    textDocument: {
      publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true, dataSupport: true, versionSupport: true },
      hover: { contentFormat: ["markdown", "plaintext"] },
      codeAction: { dataSupport: true, isPreferredSupport: true },
      inlayHint: {},
    },
    workspace: { configuration: true, workspaceEdit: { documentChanges: true }, inlayHint: { refreshSupport: true } },
  };
}

export interface ClientOptions {
  capabilities?: ClientCapabilities;
  initializationOptions?: unknown;
  /** The workspace root the client announces (default: the fixtures folder). */
  rootUri?: string;
  env?: Record<string, string>;
  /** What workspace/configuration answers for the "chainrule" section. */
  settings?: Record<string, unknown>;
  /** The server's command line (default: node dist/server.js --stdio) and folder. */
  command?: { args: string[]; cwd?: string };
}

type Waiter<T> = { match: (x: T) => boolean; resolve: (x: T) => void };

/** Notifications of one kind: remembered, and awaitable by predicate (past or future ones). */
class Inbox<T> {
  readonly all: T[] = [];
  private waiters: Waiter<T>[] = [];

  push(x: T): void {
    this.all.push(x);
    this.waiters = this.waiters.filter((w) => (w.match(x) ? (w.resolve(x), false) : true));
  }

  /** The first message matching, including ones already received after index `from`. */
  wait(match: (x: T) => boolean, what: string, from = 0): Promise<T> {
    const seen = this.all.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
      this.waiters.push({ match, resolve: (x) => (clearTimeout(timer), resolve(x)) });
    });
  }
}

/**
 * A reader of the server's messages that sets no partial-message timer. vscode-jsonrpc re-arms that
 * timer every 10 s for as long as a message stays half-read, and disposing the connection does
 * not clear it: a test that cuts the server off mid-message (the orphan test) then kept its whole
 * file process alive for good (seen in a CI run: 11 minutes idle after its last test passed).
 */
export function messageReader(stream: NodeJS.ReadableStream): StreamMessageReader {
  const reader = new StreamMessageReader(stream);
  reader.partialMessageTimeout = 0;
  return reader;
}

export class LspClient {
  readonly diagnostics = new Inbox<PublishDiagnosticsParams>();
  readonly status = new Inbox<AnalysisStatus.Params>();
  readonly logs = new Inbox<string>();
  stderr = "";
  exitCode: number | null | undefined;
  settings: Record<string, unknown>;
  private versions = new Map<string, number>();
  /** Per document, the diagnostics index at its last open: results from before belong to an earlier session. */
  private openedAt = new Map<string, number>();

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
    settings: Record<string, unknown>,
  ) {
    this.settings = settings;
  }

  static async start(options: ClientOptions = {}): Promise<LspClient> {
    const child = spawn(process.execPath, options.command?.args ?? [SERVER, "--stdio"], {
      cwd: options.command?.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const connection = createProtocolConnection(messageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(child, connection, options.settings ?? { inlayHints: { enabled: true } });
    child.stderr!.on("data", (d: Buffer) => (client.stderr += d.toString()));
    child.on("exit", (code) => (client.exitCode = code));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => client.diagnostics.push(p));
    connection.onNotification(AnalysisStatus.method, (p: AnalysisStatus.Params) => client.status.push(p));
    connection.onNotification(LogMessageNotification.type, (p) => client.logs.push(p.message));
    connection.onRequest(ConfigurationRequest.type, (p) => p.items.map((i) => (i.section === "chainrule" ? client.settings : null)));
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: options.rootUri ?? pathToFileURL(FIXTURES).href,
      capabilities: options.capabilities ?? fullCapabilities(),
      initializationOptions: options.initializationOptions ?? {},
      workspaceFolders: null,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  async open(uri: string, text: string, languageId = "typescript"): Promise<void> {
    this.versions.set(uri, 1);
    this.openedAt.set(uri, this.diagnostics.all.length);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Sends one didChange and returns the new version. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = this.version(uri) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** The diagnostics published for exactly this version of the document. */
  diagnosticsFor(uri: string, version: number): Promise<Diagnostic[]> {
    return this.diagnostics
      .wait((p) => p.uri === uri && p.version === version, `diagnostics for ${uri} v${version}`, this.openedAt.get(uri) ?? 0)
      .then((p) => p.diagnostics);
  }

  /** The next diagnostics for `uri` published after the `from`-th notification. */
  nextDiagnostics(uri: string, from: number): Promise<Diagnostic[]> {
    return this.diagnostics.wait((p) => p.uri === uri, `diagnostics for ${uri}`, from).then((p) => p.diagnostics);
  }

  hover(uri: string, line: number, character: number): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } });
  }

  inlayHints(uri: string, range: Range): Promise<InlayHint[] | null> {
    return this.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range });
  }

  async codeActions(uri: string, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const result = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (result ?? []).filter((a): a is CodeAction => "title" in a && !("command" in a && typeof a.command === "string"));
  }

  async changeConfiguration(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  async stop(): Promise<void> {
    if (this.alive) {
      const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
      await exited;
    }
    this.connection.dispose();
  }
}

/** Finds `needle` (the n-th occurrence) in text as an LSP position. */
export function positionOf(text: string, needle: string, occurrence = 0): { line: number; character: number } {
  let index = -1;
  for (let i = 0; i <= occurrence; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`fixture has no ${needle} #${occurrence}`);
  }
  const before = text.slice(0, index).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

/** The text a range covers, for assertions on what a diagnostic underlines. */
export function textOf(text: string, range: Range): string {
  const lines = text.split("\n");
  if (range.start.line === range.end.line) return lines[range.start.line]!.slice(range.start.character, range.end.character);
  const parts = [lines[range.start.line]!.slice(range.start.character)];
  for (let l = range.start.line + 1; l < range.end.line; l++) parts.push(lines[l]!);
  parts.push(lines[range.end.line]!.slice(0, range.end.character));
  return parts.join("\n");
}
