// "Verify gradient" in VS Code, wired into the language client: the command middleware that routes
// the server's verify commands (CodeLens, palette) through trust gating and a cancellable progress
// notification, the report view and the Test Explorer. (Trust reaches the server through
// initializationOptions; extension.ts restarts the client when trust is granted.)
// client/extension.ts creates one VerifyFeature before the client and attaches it after.

import * as vscode from "vscode";
import { State, type LanguageClient, type Middleware } from "vscode-languageclient/node";
import { VerifyCommand, VerifyProgress, type VerifyArgs } from "../../server/protocol";
import { ReportPanel } from "./panel";
import { Results } from "./results";
import { Runner, RUNNER_PREFIX } from "./runner";
import { GradientTests, TESTS_PREFIX } from "./test-controller";

export class VerifyFeature implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly results = new Results();
  private readonly runner = new Runner(() => this.client, this.results);
  private readonly panel = new ReportPanel(() => this.client, this.results);
  private readonly disposables: vscode.Disposable[] = [this.results, this.panel];
  private markReady!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  /**
   * The server lists the verify commands in executeCommandProvider, so the language client
   * registers them; this middleware takes them over on the way to the server.
   */
  readonly middleware: Middleware = {
    executeCommand: (command, args, next) => {
      if (command === VerifyCommand.showReport) return this.panel.show((args[0] ?? {}) as VerifyArgs);
      if (command === VerifyCommand.verifyGradient || command === VerifyCommand.verifyAll) return this.runner.run(command, args[0]);
      return next(command, args);
    },
  };

  constructor(context: vscode.ExtensionContext) {
    context.subscriptions.push(this);
  }

  /** After the client is created: listen to the server and show the tests. */
  attach(client: LanguageClient): void {
    this.client = client;
    this.disposables.push(
      client.onNotification(VerifyProgress.method, (p: VerifyProgress.Params) => this.results.accept(p)),
      // Runs the server starts by itself (chainrule.verify.onSave) get a status-bar progress;
      // the runner and the Test Explorer show their own.
      this.results.onStart((e) => {
        if (e.runId.startsWith(RUNNER_PREFIX) || e.runId.startsWith(TESTS_PREFIX)) return;
        void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `chainrule: ${e.title}` }, () =>
          new Promise<void>((resolve) => {
            const sub = this.results.onEnd((end) => end.runId === e.runId && (sub.dispose(), resolve()));
          }));
      }),
      client.onDidChangeState((e) => {
        // The Test Explorer may now ask the server for gradients.
        if (e.newState === State.Running) this.markReady();
      }),
      new GradientTests(() => this.client, this.ready, this.runner, this.results),
    );
    if (client.isRunning()) this.markReady();
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
