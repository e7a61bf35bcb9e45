// "Explain the chain" in VS Code: the server's Explain lenses open the chain view (the command
// middleware takes `chainrule.showChain` over on its way to the server), and the view's links
// select a step's source range. client/extension.ts creates one ExplainFeature.

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { ExplainCommand, type ExplainArgs } from "../../server/protocol";
import { ChainPanel, REVEAL_COMMAND } from "./panel";

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };

export class ExplainFeature implements vscode.Disposable {
  private client: LanguageClient | undefined;
  readonly panel = new ChainPanel(() => this.client);
  private readonly disposables: vscode.Disposable[] = [this.panel];

  constructor(context: vscode.ExtensionContext) {
    context.subscriptions.push(this);
    this.disposables.push(
      vscode.commands.registerCommand(REVEAL_COMMAND, async (uri: string, range: Range) => {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
        const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
        // The code opens next to the view, which keeps its column.
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: r });
      }),
    );
  }

  attach(client: LanguageClient): void {
    this.client = client;
  }

  /** Whether the command middleware should hand `command` to this feature. */
  handles(command: string): boolean {
    return command === ExplainCommand.showChain;
  }

  run(args: unknown[]): Promise<unknown> {
    return this.panel.show((args[0] ?? {}) as ExplainArgs);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
