// The report view: one webview panel beside the editor showing renderReport() for the gradient
// whose result lens was clicked, kept up to date when that gradient is verified again. The page has
// no script, so the webview runs with scripts disabled.

import * as vscode from "vscode";
import { LastResult, type CheckResult, type VerifyArgs } from "../../server/protocol";
import { statusMark } from "../../src/text/verify-text";
import { besidePanel } from "../webview";
import { renderReport } from "./report-html";
import { normalizeUri, type Results } from "./results";
import type { LanguageClient } from "vscode-languageclient/node";

export class ReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private showing: { uri: string; gradient: string } | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly results: Results,
  ) {
    // A re-run of the gradient on display refreshes the picture in place.
    this.subs.push(
      results.onResult((e) => {
        if (this.panel && this.showing && normalizeUri(e.uri) === this.showing.uri && e.result.gradient === this.showing.gradient) this.render(e.result);
      }),
    );
  }

  /** Opens (or reuses) the panel for a gradient's last result; the server is asked when this window has none. */
  async show(args: VerifyArgs): Promise<CheckResult | undefined> {
    if (!args.uri || !args.gradient) return undefined;
    let result = this.results.get(args.uri, args.gradient);
    if (!result) {
      const params: LastResult.Params = { uri: args.uri, gradient: args.gradient };
      result = (await this.client()?.sendRequest<LastResult.Result>(LastResult.method, params)) ?? undefined;
    }
    if (!result) {
      void vscode.window.showInformationMessage(`chainrule: ${args.gradient} has not been verified yet.`);
      return undefined;
    }
    this.showing = { uri: normalizeUri(args.uri), gradient: args.gradient };
    this.panel = besidePanel(this.panel, "chainrule.verifyReport", "", () => {
      this.panel = undefined;
      this.showing = undefined;
    });
    this.render(result);
    return result;
  }

  private render(r: CheckResult): void {
    if (!this.panel) return;
    this.panel.title = `${statusMark(r.status)} ${r.gradient}`;
    this.panel.webview.html = renderReport(r, { cspSource: this.panel.webview.cspSource });
  }

  dispose(): void {
    this.panel?.dispose();
    this.subs.forEach((s) => s.dispose());
  }
}
