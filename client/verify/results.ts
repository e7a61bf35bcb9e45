// The client's memory of verification: the last result of each gradient (with its arrays, for the
// report view) and events for runs starting, checks finishing and runs ending, all fed by the
// server's chainrule/verifyProgress notifications.

import * as vscode from "vscode";
import type { CheckResult, VerifyProgress } from "../../server/protocol";

export type ResultEvent = Extract<VerifyProgress.Params, { kind: "result" }>;
export type StartEvent = Extract<VerifyProgress.Params, { kind: "start" }>;
export type EndEvent = Extract<VerifyProgress.Params, { kind: "end" }>;
export type StepEvent = Extract<VerifyProgress.Params, { kind: "step" }>;

/** The server spells URIs as the client opened them or as Node does; VS Code's own form is the key. */
export function normalizeUri(uri: string): string {
  return vscode.Uri.parse(uri).toString();
}

export function resultKey(uri: string, gradient: string): string {
  return `${normalizeUri(uri)}#${gradient}`;
}

export class Results implements vscode.Disposable {
  private readonly last = new Map<string, CheckResult>();
  private readonly started = new vscode.EventEmitter<StartEvent>();
  private readonly finished = new vscode.EventEmitter<ResultEvent>();
  private readonly ended = new vscode.EventEmitter<EndEvent>();
  private readonly stepped = new vscode.EventEmitter<StepEvent>();
  readonly onStart = this.started.event;
  readonly onStep = this.stepped.event;
  readonly onResult = this.finished.event;
  readonly onEnd = this.ended.event;

  /** Everything the server says about runs comes through here. */
  accept(p: VerifyProgress.Params): void {
    if (p.kind === "start") this.started.fire(p);
    else if (p.kind === "end") this.ended.fire(p);
    else if (p.kind === "step") this.stepped.fire(p);
    else {
      this.last.set(resultKey(p.uri, p.result.gradient), p.result);
      this.finished.fire(p);
    }
  }

  get(uri: string, gradient: string): CheckResult | undefined {
    return this.last.get(resultKey(uri, gradient));
  }

  dispose(): void {
    this.started.dispose();
    this.finished.dispose();
    this.ended.dispose();
    this.stepped.dispose();
  }
}
