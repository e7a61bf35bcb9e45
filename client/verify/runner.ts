// Runs a verification from VS Code: refuses in an untrusted workspace (saying why, with the way to
// trust it), fills in the file and cursor for the command palette, saves what is about to be
// verified (the engine bundles the saved file), and shows a progress notification whose Cancel
// cancels the request, which kills the server's worker process.

import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import { VerifyCommand, type VerifyArgs, type VerifyRunResult } from "../../server/protocol";
import { statusMark, verdictHeading } from "../../src/text/verify-text";
import type { Results } from "./results";

export const UNTRUSTED =
  "Gradient verification is disabled in Restricted Mode: it runs this workspace's code. Trust the workspace to verify gradients.";

/** Run ids of requests this runner makes (the server's own runs, on save, have others). */
export const RUNNER_PREFIX = "vscode-";
let nextRun = 1;

/** The palette's target: the active editor's file and cursor; the server picks the function around it, else the whole file. */
function fromActiveEditor(): VerifyArgs | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.scheme !== "file") return undefined;
  const p = editor.selection.active;
  return { uri: editor.document.uri.toString(), position: { line: p.line, character: p.character } };
}

function isVerifyArgs(x: unknown): x is VerifyArgs {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof vscode.Uri);
}

export class Runner {
  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly results: Results,
  ) {}

  /** Refuses (with the message and a button to manage trust) unless the workspace is trusted. */
  private trusted(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(UNTRUSTED, "Manage Workspace Trust").then((choice) => {
      if (choice) void vscode.commands.executeCommand("workbench.trust.manage");
    });
    return false;
  }

  /**
   * One verify command from a CodeLens, the palette (no arguments) or the explorer's context menu
   * (a Uri). The Test Explorer passes its token and run id (it shows progress itself); otherwise
   * a progress notification is shown and its Cancel cancels the request.
   */
  async run(command: string, raw: unknown, opts: { token?: vscode.CancellationToken; runId?: string } = {}): Promise<VerifyRunResult | undefined> {
    const token = opts.token;
    if (!this.trusted()) return undefined;
    const client = this.client();
    if (!client) {
      void vscode.window.showErrorMessage("chainrule: the language server is not running.");
      return undefined;
    }
    let args: VerifyArgs = {};
    if (command === VerifyCommand.verifyGradient) {
      // The editor's context menu passes the document's Uri: the cursor in it says which function.
      const active = fromActiveEditor();
      const given = raw instanceof vscode.Uri ? (active?.uri === raw.toString() ? active : { uri: raw.toString() }) : isVerifyArgs(raw) ? raw : active;
      if (!given?.uri) {
        void vscode.window.showInformationMessage("chainrule: open a file with @gradient functions to verify them.");
        return undefined;
      }
      args = given;
      await this.saveFirst(given.uri);
    } else {
      await vscode.workspace.saveAll(false);
    }
    args = { ...args, runId: opts.runId ?? `${RUNNER_PREFIX}${nextRun++}` };
    if (token) return this.send(client, command, args, token);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "chainrule", cancellable: true },
      (progress, cancel) => {
        const subs = [
          this.results.onStart((e) => {
            if (e.runId === args.runId) progress.report({ message: `${e.title}…` });
          }),
          this.results.onStep((e) => {
            if (e.runId === args.runId) progress.report({ message: e.text });
          }),
          this.results.onResult((e) => {
            if (e.runId !== args.runId) return;
            progress.report({ increment: 100 / Math.max(1, e.total), message: `${statusMark(e.result.status)} ${e.result.gradient} (${e.done}/${e.total})` });
          }),
        ];
        return this.send(client, command, args, cancel).finally(() => subs.forEach((s) => s.dispose()));
      },
    ).then((res) => {
      if (res) void this.summarise(res);
      return res;
    });
  }

  private async send(client: LanguageClient, command: string, args: VerifyArgs, token: vscode.CancellationToken): Promise<VerifyRunResult | undefined> {
    try {
      return await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] }, token);
    } catch (e) {
      if (token.isCancellationRequested) return undefined;
      void vscode.window.showErrorMessage(`chainrule: verification failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** The engine reads files from disk: what is on screen must be what gets verified. */
  private async saveFirst(uri: string): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === vscode.Uri.parse(uri).toString());
    if (doc?.isDirty) await doc.save();
  }

  /** After a run from a lens or the palette: failures get a message with a way to the report. */
  private async summarise(res: VerifyRunResult): Promise<void> {
    if (res.refused || res.cancelled) return;
    const bad = res.checks.filter((c) => c.status !== "pass");
    if (bad.length === 0) {
      vscode.window.setStatusBarMessage(`$(check) chainrule: ${res.checks.length} gradient(s) verified`, 5000);
      return;
    }
    const first = bad[0]!;
    const uri = res.uris[res.checks.indexOf(first)];
    const what = verdictHeading(first);
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more)` : "";
    const choice = await vscode.window.showErrorMessage(`chainrule: ${first.gradient} ${what}${more}`, "Show Report");
    if (choice && uri) await vscode.commands.executeCommand(VerifyCommand.showReport, { uri, gradient: first.gradient });
  }
}
