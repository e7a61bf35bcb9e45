// The one kind of webview chainrule opens: a panel beside the editor, reused while it lives,
// scripts off and no local resources (its pages are self-contained HTML).

import * as vscode from "vscode";

/**
 * The open panel revealed beside the editor, or a new one; `onClosed` runs when the user closes
 * it. `commandUris` are the only commands the page's links may run.
 */
export function besidePanel(
  existing: vscode.WebviewPanel | undefined,
  viewType: string,
  title: string,
  onClosed: () => void,
  commandUris: readonly string[] = [],
): vscode.WebviewPanel {
  if (existing) {
    existing.reveal(vscode.ViewColumn.Beside, true);
    return existing;
  }
  const panel = vscode.window.createWebviewPanel(viewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
    enableScripts: false,
    ...(commandUris.length ? { enableCommandUris: [...commandUris] } : {}),
    localResourceRoots: [],
  });
  panel.onDidDispose(onClosed);
  return panel;
}
