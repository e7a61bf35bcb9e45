// "Explain the chain" inside a real VS Code extension host (run by explain-harness.ts): the Explain
// lenses, the derivation hover on a @gradient function's name, a real click on "Explain ∂loss/∂x"
// opening the chain view beside the editor (photographed), a click on a step in the view selecting
// its source, and "Generate ∂loss/∂W1" inserting a gradient that checks clean.
// Results go to the console as `CHAINRULE_TEST PASS|FAIL <name>` lines (in-editor.ts).

import assert from "node:assert/strict";
import path from "node:path";
import * as vscode from "vscode";
import { harnessStep, runTests, TIMEOUT_MS, when } from "./in-editor";

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", uri);
    const titles = lenses.map((l) => l.command?.title ?? "").filter((t) => t.startsWith("Explain"));
    if (titles.length || Date.now() > deadline) return titles;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function run(): Promise<void> {
  if (process.env.CHAINRULE_EXPLAIN_HARNESS !== "1") {
    console.log("CHAINRULE_TEST SKIP explain suite: needs explain-harness.ts to click and photograph");
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, "the harness opens a workspace folder");
  const uri = vscode.Uri.file(path.join(folder, "seed.ts"));
  let editor!: vscode.TextEditor;

  await runTests([
    ["each @gradient function gets 'Explain ∂F/∂P', the scalar function 'Explain gradient'", async () => {
      editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const titles = await lensTitles(uri);
      // In the order they sit in the file: loss first.
      assert.deepEqual(titles, ["Explain gradient", "Explain ∂loss/∂x", "Explain ∂loss/∂W1", "Explain ∂loss/∂b1", "Explain ∂loss/∂W2", "Explain ∂loss/∂b2"]);
    }],
    ["hover on dLoss_dx shows the derivation of ∂loss/∂x", async () => {
      const at = editor.document.positionAt(editor.document.getText().indexOf("dLoss_dx") + 3);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", uri, at);
      const text = hovers.flatMap((h) => h.contents).map((c) => (typeof c === "string" ? c : "value" in c ? c.value : "")).join("\n");
      assert.match(text, /\*\*∂loss\/∂x\*\* = `\(\(ŷ − y\) @ W2ᵀ ⊙ h ⊙ \(1 − h\)\) @ W1ᵀ`/);
      assert.match(text, /\*\*diagonal\*\* \(sigmoid\)/);
    }],
    ["clicking 'Explain ∂loss/∂x' opens the chain view beside the editor (screenshot)", async () => {
      await vscode.commands.executeCommand("workbench.action.closeSidebar");
      await vscode.commands.executeCommand("workbench.action.closeAuxiliaryBar");
      const line = editor.document.getText().split("\n").findIndex((l) => l.includes("function dLoss_dx"));
      editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.AtTop);
      await harnessStep(folder, "click", "Explain ∂loss/∂x|export function dLoss_dx");
      await when(vscode.window.tabGroups.onDidChangeTabs, () =>
        vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === "∂loss/∂x"), "the chain view tab");
      await harnessStep(folder, "photograph");
    }],
    ["clicking a step in the chain view selects its code", async () => {
      // ∂t1 goes back through the sigmoid of loss's first line: that call is what the link selects.
      const selected = () => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === uri.fsPath && e.document.getText(e.selection) === "sigmoid(x.matmul(W1).add(b1))");
      assert.equal(selected(), undefined);
      await harnessStep(folder, "step", "∂t1 = ∂h ⊙ h ⊙ (1 − h)");
      await when(vscode.window.onDidChangeTextEditorSelection, () => selected(), "the selection of ∂t1's sigmoid");
    }],
    ["'Generate ∂loss/∂W1' on loss inserts a gradient below it that checks clean", async () => {
      const at = editor.document.positionAt(editor.document.getText().indexOf("function loss") + 10);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>("vscode.executeCodeActionProvider", uri, new vscode.Range(at, at), "refactor", 10);
      const generate = actions.find((a) => a.title === "Generate ∂loss/∂W1");
      assert.ok(generate?.edit, actions.map((a) => a.title).join(", "));
      assert.ok(await vscode.workspace.applyEdit(generate.edit));
      const text = editor.document.getText();
      assert.match(text, /return crossEntropy\(yhat, y\);\n}\n\n\/\*\* @gradient loss W1 \*\/\nexport function dLoss_dW12\(/);
      await new Promise((r) => setTimeout(r, 0));
      const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === "chainrule");
      // The analysis of the edited document: still clean (it publishes, for the new version, no diagnostic).
      await when(vscode.languages.onDidChangeDiagnostics, () => (ours().length === 0 ? true : undefined), "no diagnostics");
    }],
  ]);
}
