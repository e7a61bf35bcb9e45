// The chain view: one webview panel beside the editor showing renderChain() for the function whose
// "Explain" lens was clicked, fetched from the server (`chainrule.explain`) and kept up to date
// while the document is edited. Scripts stay disabled; links are command URIs to one command.

import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import { ExplainCommand, type ExplainArgs, type ExplainResult } from "../../server/protocol";
import { besidePanel } from "../webview";
import { renderChain } from "./chain-html";

/** The one command the page's links may run (it selects a step's source range). */
export const REVEAL_COMMAND = "chainrule.revealRange";

/** Re-explaining after an edit waits this long for typing to pause. */
const REFRESH_MS = 400;

export class ChainPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private showing: ExplainArgs | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.subs = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!this.panel || !this.showing || e.document.languageId !== "typescript") return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.refresh(), REFRESH_MS);
      }),
    ];
  }

  /** Opens (or reuses) the panel for one function; answers the explanation (or its error). */
  async show(args: ExplainArgs): Promise<ExplainResult | undefined> {
    this.showing = args;
    this.panel = besidePanel(this.panel, "chainrule.chainView", "Explain", () => {
      this.panel = undefined;
      this.showing = undefined;
    }, [REVEAL_COMMAND]);
    return this.refresh();
  }

  private async refresh(): Promise<ExplainResult | undefined> {
    const client = this.client();
    const args = this.showing;
    if (!client || !args || !this.panel) return undefined;
    const r = (await client.sendRequest(ExecuteCommandRequest.type, { command: ExplainCommand.explain, arguments: [args] })) as ExplainResult;
    if (!this.panel || this.showing !== args) return r;
    if ("error" in r) {
      this.panel.title = `Explain ${args.function}`;
      this.panel.webview.html = `<!DOCTYPE html><html><body style="font-family: var(--vscode-font-family); padding: 16px">chainrule cannot explain ${escape(args.function)}: ${escape(r.error.message)}</body></html>`;
      return r;
    }
    this.panel.title = r.wrt.length === 1 ? `∂${r.function}/∂${r.wrt[0]}` : `∂${r.function}`;
    this.panel.webview.html = renderChain(r, { cspSource: this.panel.webview.cspSource });
    return r;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.panel?.dispose();
    this.subs.forEach((s) => s.dispose());
  }
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
