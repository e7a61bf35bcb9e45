// The chainrule language server: LSP glue around src/analysis's Workspace. Started as
// `node dist/server.js --stdio` (any editor), `--node-ipc` (VS Code), or by the CLI's
// `chainrule lsp --stdio` through the exported startServer().

import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  CodeActionRequest,
  CompletionRequest,
  HoverRequest,
  InlayHintRequest,
  createConnection,
  type CodeActionParams,
  type CompletionParams,
  type HoverParams,
  type InlayHintParams,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { Workspace } from "../src/analysis/workspace";
import { sourceHost } from "../src/files/read";
import { uriToPath, type ClientSupport } from "./convert";
import { SettingsStore } from "./config";
import { DiagnosticsScheduler } from "./diagnostics";
import { Explanations, GENERATE_KIND } from "./explain";
import { codeActions, completion, hover, inlayHints } from "./features";
import { OpenFiles } from "./files";
import type { InitializationOptions } from "./protocol";
import { codeActionParams, textDocumentPosition, textDocumentRange } from "./params";
import { guard, installProcessGuards } from "./safety";
import { Verification } from "./verify";

export interface StartOptions {
  /** Explicit streams (tests, embedding); default: what the command line says (--stdio, --node-ipc, --socket). */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

let started: Connection | undefined;

/**
 * Where docs/diagnostics.md lives: next to the bundle's folder (dist/ → the package root), which
 * holds in the repository, in an npm install and in the installed VS Code extension alike.
 */
function defaultDocsBase(): string {
  return pathToFileURL(path.resolve(__dirname, "..") + path.sep).href;
}

function clientSupport(caps: ClientCapabilities): ClientSupport {
  return {
    relatedInformation: caps.textDocument?.publishDiagnostics?.relatedInformation === true,
    codeDescription: caps.textDocument?.publishDiagnostics?.codeDescriptionSupport === true,
    documentChanges: caps.workspace?.workspaceEdit?.documentChanges === true,
  };
}

/** Starts the server once per process and returns its connection. */
export function startServer(options: StartOptions = {}): Connection {
  if (started) return started;
  const connection =
    options.input && options.output
      ? createConnection(ProposedFeatures.all, options.input, options.output)
      : createConnection(ProposedFeatures.all);
  started = connection;
  const log = { error: (m: string) => connection.console.error(m), info: (m: string) => connection.console.info(m) };
  installProcessGuards(log);

  const documents = new TextDocuments(TextDocument);
  // Imported files are read through readSource: a FIFO or a device cannot hang the server.
  const files = new OpenFiles(documents, new Workspace(sourceHost));
  const verification = new Verification(connection, files, log);
  const explanations = new Explanations(connection, files, log, verification);
  let support: ClientSupport = { relatedInformation: false, codeDescription: false, documentChanges: false };
  let markdownHover = true;
  let refreshHints = false;
  let settings: SettingsStore | undefined;
  let scheduler: DiagnosticsScheduler | undefined;

  connection.onInitialize((params): InitializeResult => {
    const caps = params.capabilities;
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    support = clientSupport(caps);
    markdownHover = caps.textDocument?.hover?.contentFormat?.includes("markdown") ?? true;
    refreshHints = caps.workspace?.inlayHint?.refreshSupport === true;
    settings = new SettingsStore(connection, caps.workspace?.configuration === true, init);
    scheduler = new DiagnosticsScheduler(connection, files, log, () => support, init.docsBaseUrl ?? defaultDocsBase(), init.debounceMs ?? 50);
    verification.initialize(params, scheduler, init.docsBaseUrl ?? defaultDocsBase());
    explanations.initialize(caps);
    return {
      capabilities: {
        // `save`: only for `chainrule.verify.onSave` (server/verify.ts); nothing else listens to saves.
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        // `\odot` → ⊙ and friends inside t`…` (features.ts); the backslash starts the word.
        completionProvider: { triggerCharacters: ["\\"] },
        inlayHintProvider: true,
        // quickfix: the shape fixes; GENERATE_KIND: "Generate ∂F/∂P" (server/explain.ts), its edit made on resolve.
        codeActionProvider: { codeActionKinds: ["quickfix", GENERATE_KIND], resolveProvider: true },
        ...verification.capabilities(),
      },
      serverInfo: { name: "chainrule", version: require("../package.json").version },
    };
  });

  // A document just opened is analysed at once: the debounce is for typing, and the first
  // squiggles of a file are what a user waits for. (TextDocuments fires didOpen, then a content
  // change for the same document.)
  const justOpened = new Set<string>();
  documents.onDidOpen((e) => justOpened.add(e.document.uri));
  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    if (justOpened.delete(uri)) scheduler?.schedule(uri, true, 0);
    else scheduler?.schedule(uri);
  });
  documents.onDidClose((e) => {
    scheduler?.closed(e.document.uri);
    files.close(e.document.uri);
    // Its importers now see the file as it is on disk.
    const file = uriToPath(e.document.uri);
    if (file !== undefined) {
      void guard(log, "close", () => {
        for (const importer of files.openImporters(file)) scheduler?.schedule(importer, false);
      });
    }
  });

  // Each handler checks its params' shape first (params.ts): a malformed request is InvalidParams.
  // Registered by method name, not through onHover & co., whose wrappers read params.workDoneToken
  // before any handler runs and so answer `params: null` with an InternalError of their own.
  // On a @gradient function's name or tag the derivation; elsewhere the shape.
  connection.onRequest(HoverRequest.method, (params: HoverParams) =>
    guard(log, "hover", () => {
      const p = textDocumentPosition(params);
      return explanations.hover(p, markdownHover) ?? hover(files, p, markdownHover);
    }),
  );
  connection.onRequest(CompletionRequest.method, (params: CompletionParams) => guard(log, "completion", () => completion(files, textDocumentPosition(params))));
  connection.onRequest(InlayHintRequest.method, (params: InlayHintParams) =>
    guard(log, "inlayHint", async () => {
      textDocumentRange(params);
      return (await settings?.get())?.inlayHintsEnabled === false ? [] : inlayHints(files, params);
    }),
  );
  connection.onRequest(CodeActionRequest.method, (params: CodeActionParams) =>
    guard(log, "codeAction", () => {
      const p = codeActionParams(params);
      return [...(scheduler ? codeActions(files, scheduler, p, support) : []), ...explanations.codeActions(p)];
    }),
  );

  connection.onDidChangeConfiguration((change) => {
    settings?.changed(change.settings);
    if (refreshHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
  });

  // Files changed on disk (not open): re-check the open files that import them.
  connection.onDidChangeWatchedFiles((change) => {
    void guard(log, "watchedFiles", () => {
      for (const c of change.changes) {
        if (files.get(c.uri)) continue;
        const file = uriToPath(c.uri);
        if (file === undefined) continue;
        files.changedOnDisk(file);
        for (const importer of files.openImporters(file)) scheduler?.schedule(importer, false);
      }
    });
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}

// Run directly (dist/server.js): start. When bundled into the CLI, `chainrule lsp` calls
// startServer() itself; a second call is a no-op, so either order is safe.
if (require.main === module) startServer();
