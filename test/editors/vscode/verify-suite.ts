// The "Verify gradient" tests inside a real VS Code extension host (run by verify-harness.ts): the
// lenses appear without running anything, a real click on "▶ Verify gradient" runs the check
// through the client's middleware and progress notification, the failure lands as a diagnostic and
// a "✗ transposed" lens, clicking that opens the report webview, Cancel on the progress
// notification stops a check that never ends, a long check's notification shows its progress, and
// the Test Explorer shows the results.
// Results go to the console as `CHAINRULE_TEST PASS|FAIL <name>` lines (in-editor.ts).

import assert from "node:assert/strict";
import path from "node:path";
import * as vscode from "vscode";
import { codeOf, harnessStep, runTests, TIMEOUT_MS, when, type InEditorTest } from "./in-editor";

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", uri);
  // The verify lenses: the "Explain …" ones beside them are explain-suite.ts's.
  return lenses.map((l) => l.command?.title ?? "").filter((t) => !t.startsWith("Explain"));
}

/** Polls the lens provider (lenses have no change event in the API) until `ok` holds. */
async function lensesUntil(uri: vscode.Uri, ok: (titles: string[]) => boolean, what: string): Promise<string[]> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const titles = await lensTitles(uri);
    if (ok(titles)) return titles;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; lenses: ${titles.join(" | ")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function run(): Promise<void> {
  const mode = process.env.CHAINRULE_VERIFY_HARNESS;
  if (mode !== "trusted" && mode !== "untrusted") {
    console.log("CHAINRULE_TEST SKIP verify suite: needs verify-harness.ts to click and photograph");
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, "the harness opens a workspace folder");
  const uri = vscode.Uri.file(path.join(folder, "network.ts"));
  let editor!: vscode.TextEditor;
  const failedOn = () => vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === "gradient-mismatch");

  const restricted: InEditorTest[] = [
    ["in Restricted Mode the lenses say that verification is disabled", async () => {
      assert.equal(vscode.workspace.isTrusted, false, "the harness answered the trust dialog No");
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const titles = await lensesUntil(uri, (t) => t.length === 3, "three lenses");
      assert.deepEqual(titles, Array(3).fill("▶ Verify gradient (disabled: workspace not trusted)"));
    }],
    ["the command refuses with the reason and a Manage Workspace Trust button, and runs nothing", async () => {
      const res = await vscode.commands.executeCommand("chainrule.verifyGradient", { uri: uri.toString(), gradient: "dLoss_dW2" });
      assert.equal(res, undefined);
      await vscode.commands.executeCommand("notifications.showList");
      await harnessStep(folder, "message", "disabled in Restricted Mode");
      assert.equal(failedOn(), undefined);
    }],
  ];

  const trusted: InEditorTest[] = [
    ["each @gradient function gets a '▶ Verify gradient' lens, and nothing runs on open", async () => {
      editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      await when(vscode.languages.onDidChangeDiagnostics, () => vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === "gradient-shape-mismatch"), "the shape diagnostic");
      const titles = await lensesUntil(uri, (t) => t.filter((x) => x === "▶ Verify gradient").length === 3, "three verify lenses");
      assert.deepEqual(titles, ["▶ Verify gradient", "▶ Verify gradient", "▶ Verify gradient"]);
      assert.equal(failedOn(), undefined);
    }],
    ["clicking the lens above dLoss_dW2 verifies it and an error diagnostic says transposed", async () => {
      await vscode.commands.executeCommand("workbench.action.closeSidebar");
      const line = editor.document.getText().split("\n").findIndex((l) => l.includes("function dLoss_dW2"));
      editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenter);
      await harnessStep(folder, "click", "▶ Verify gradient|export function dLoss_dW2");
      const d = await when(vscode.languages.onDidChangeDiagnostics, failedOn, "the gradient-mismatch diagnostic");
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      assert.equal(d.range.start.line, line);
      assert.match(d.message, /transposed/);
      assert.ok(vscode.languages.getDiagnostics(uri).some((x) => codeOf(x) === "gradient-shape-mismatch"), "shape diagnostics kept");
    }],
    ["the result lens reads '✗ transposed', and clicking it opens the report beside the editor", async () => {
      await lensesUntil(uri, (t) => t.includes("✗ transposed"), "the ✗ transposed lens");
      await harnessStep(folder, "click", "✗ transposed|export function dLoss_dW2");
      const tab = await when(vscode.window.tabGroups.onDidChangeTabs, () =>
        vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === "✗ dLoss_dW2"), "the report tab");
      assert.notEqual(tab.group.viewColumn, vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText))?.viewColumn);
      await harnessStep(folder, "report");
    }],
    ["Cancel on the progress notification stops a check that never ends, at once", async () => {
      const loop = vscode.Uri.file(path.join(folder, "loop.ts"));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(loop));
      const t0 = Date.now();
      const running = vscode.commands.executeCommand<{ cancelled: boolean; checks: unknown[] } | undefined>("chainrule.verifyGradient", { uri: loop.toString(), gradient: "dLoop" });
      // The smoke-test driver hides toasts: the notification center shows the same notification.
      await vscode.commands.executeCommand("notifications.showList");
      await harnessStep(folder, "cancel", "Verifying dLoop");
      await vscode.commands.executeCommand("notifications.hideList");
      const res = await running;
      // The engine's own timeout is 10 s: an answer well before it, marked cancelled, is the Cancel button's doing.
      assert.ok(Date.now() - t0 < 8000, `took ${Date.now() - t0} ms`);
      assert.equal(res?.cancelled, true);
      assert.deepEqual(res?.checks, []);
      await vscode.window.showTextDocument(editor.document);
    }],
    ["a long full-mode check's notification counts the elements done and says how long is left (screenshot)", async () => {
      const slow = vscode.Uri.file(path.join(folder, "slow.ts"));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(slow));
      // The notification center open and watched before the check starts: it may take a second only.
      await vscode.commands.executeCommand("notifications.showList");
      await harnessStep(folder, "watch");
      const running = vscode.commands.executeCommand<{ checks: Array<{ status: string }> } | undefined>("chainrule.verifyGradient", { uri: slow.toString(), gradient: "dB" });
      await harnessStep(folder, "progress", "dB: finite differences");
      await vscode.commands.executeCommand("notifications.hideList");
      const res = await running;
      assert.deepEqual(res?.checks.map((c) => c.status), ["pass"]);
      await vscode.window.showTextDocument(editor.document);
    }],
    ["Verify All from the palette's command verifies the rest; the Test Explorer shows pass and fail", async () => {
      await vscode.commands.executeCommand("chainrule.verifyAll");
      await lensesUntil(uri, (t) => t.filter((x) => x.startsWith("✓ max rel err")).length === 2, "two ✓ lenses");
      await vscode.commands.executeCommand("workbench.view.testing.focus");
      await harnessStep(folder, "tests");
    }],
  ];

  await runTests(mode === "trusted" ? trusted : restricted);
}
