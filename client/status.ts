// The status bar item: whether the server runs, and what the last analysis of the active file
// found. Fed by the server's chainrule/analysisStatus notification (server/protocol.ts).

import * as vscode from "vscode";
import { State } from "vscode-languageclient/node";
import type { AnalysisStatus } from "../server/protocol";

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("chainrule.status", vscode.StatusBarAlignment.Right, 100);
  /** Last status per document, so switching editors shows the right file's state. */
  private readonly byUri = new Map<string, AnalysisStatus.Params>();
  private active: string | undefined;
  private running = false;

  constructor() {
    this.item.name = "chainrule";
    this.item.command = "chainrule.showOutput";
    this.render();
  }

  serverState(state: State): void {
    this.running = state === State.Running;
    this.render();
  }

  update(p: AnalysisStatus.Params): void {
    if (p.uri) this.byUri.set(p.uri, p);
    this.render();
  }

  activeEditor(uri: string | undefined): void {
    this.active = uri;
    this.render();
  }

  private render(): void {
    const p = this.active ? this.byUri.get(this.active) : undefined;
    if (!this.running) {
      this.item.text = "$(circle-slash) chainrule";
      this.item.tooltip = "chainrule language server is not running — click for its output";
    } else if (!p || p.isDsl === false) {
      this.item.text = "$(symbol-array) chainrule";
      this.item.tooltip = "chainrule: the active file does not import from \"chainrule\"";
    } else if (p.state === "analyzing") {
      this.item.text = "$(sync~spin) chainrule";
      this.item.tooltip = "chainrule: checking shapes…";
    } else if (p.state === "error") {
      this.item.text = "$(warning) chainrule";
      this.item.tooltip = `chainrule: internal error (${p.message ?? "see output"}) — click for the log`;
    } else {
      const problems = (p.errors ?? 0) + (p.warnings ?? 0);
      this.item.text = problems > 0 ? `$(error) chainrule ${problems}` : "$(check) chainrule";
      this.item.tooltip = `chainrule: ${p.errors ?? 0} shape error(s), ${p.warnings ?? 0} warning(s); checked in ${p.ms ?? 0} ms`;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
