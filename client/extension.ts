// The VS Code extension: starts the bundled chainrule language server (dist/server.js) over IPC
// for TypeScript files and shows the analysis state in the status bar. Features come from the server.

import * as vscode from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { AnalysisStatus, CONFIG_SECTION, type InitializationOptions } from "../server/protocol";
import { ExplainFeature } from "./explain";
import { StatusItem } from "./status";
import { VerifyFeature } from "./verify";

let client: LanguageClient | undefined;

/** What tests (and other extensions) can reach after activation. */
export interface ChainruleApi {
  client: LanguageClient;
  /** The chain view's panel, for tests. */
  explain: ExplainFeature;
}

function initializationOptions(): InitializationOptions {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  return {
    inlayHints: { enabled: config.get<boolean>("inlayHints.enabled", true) },
    // In an untrusted workspace only static analysis runs; running the user's code (gradient
    // verification) is what the limited mode turns off.
    trusted: vscode.workspace.isTrusted,
  };
}

export async function activate(context: vscode.ExtensionContext): Promise<ChainruleApi> {
  const output = vscode.window.createOutputChannel("chainrule", { log: true });
  const status = new StatusItem();
  context.subscriptions.push(output, status);

  const module = context.asAbsolutePath("dist/server.js");
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6019"] } },
  };
  const verify = new VerifyFeature(context);
  const explain = new ExplainFeature(context);
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "typescript" },
      { scheme: "file", language: "typescriptreact" },
    ],
    outputChannel: output,
    // A function, so a restart (after the workspace is trusted) sends the current values.
    initializationOptions: () => initializationOptions(),
    // Files changed on disk re-check the open files that import them.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.{ts,tsx}") },
    // Verify commands (CodeLens, palette) go through trust gating and a cancellable progress
    // notification; the Explain lenses open the chain view.
    middleware: {
      ...verify.middleware,
      executeCommand: (command, args, next) =>
        explain.handles(command) ? explain.run(args) : verify.middleware.executeCommand!(command, args, next),
    },
  };
  // The id "chainrule" makes the client honour the `chainrule.trace.server` setting.
  client = new LanguageClient("chainrule", "chainrule", serverOptions, clientOptions);
  verify.attach(client);
  explain.attach(client);

  context.subscriptions.push(
    client.onNotification(AnalysisStatus.method, (p: AnalysisStatus.Params) => status.update(p)),
    client.onDidChangeState((e) => status.serverState(e.newState)),
    vscode.window.onDidChangeActiveTextEditor((e) => status.activeEditor(e?.document.uri.toString())),
    vscode.commands.registerCommand("chainrule.showOutput", () => output.show(true)),
    // Trust is granted once per workspace; the server learns it through initializationOptions.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.restart()),
    vscode.commands.registerCommand("chainrule.restartServer", async () => {
      await client?.restart();
    }),
  );
  status.activeEditor(vscode.window.activeTextEditor?.document.uri.toString());
  await client.start();
  return { client, explain };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
