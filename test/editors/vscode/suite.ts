// The in-editor tests, run inside a real VS Code extension host. Runner-agnostic: this module's
// run() is what VS Code calls for `extensionTestsPath`, both in the offline code-server harness
// (harness.ts) and under @vscode/test-electron (electron.mjs) on machines with internet.
// Results go to the console as `CHAINRULE_TEST PASS|FAIL <name>` lines; run() rejects on a failure.

import assert from "node:assert/strict";
import { existsSync, readFileSync, watch } from "node:fs";
import path from "node:path";
import * as vscode from "vscode";

const TIMEOUT_MS = 90_000;

/** Resolves when `pick` returns a value for the current diagnostics of `uri`, re-checked on every change event. */
function waitForDiagnostics<T>(uri: vscode.Uri, pick: (d: vscode.Diagnostic[]) => T | undefined, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const check = (): boolean => {
      const found = pick(vscode.languages.getDiagnostics(uri).filter((d) => d.source === "chainrule"));
      if (found === undefined) return false;
      cleanup();
      resolve(found);
      return true;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => (cleanup(), reject(new Error(`timed out waiting for ${what}`))), TIMEOUT_MS);
    const cleanup = () => (sub.dispose(), clearTimeout(timer));
    check();
  });
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === "object" ? String(d.code.value) : String(d.code);
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === "string" ? c : "value" in c ? c.value : ""))
    .join("\n---\n");
}

/** Waits (on fs events) for the harness to create `file`: how it says the screenshot is taken. */
function waitForFile(file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(path.dirname(file), () => {
      if (existsSync(file)) done();
    });
    const timer = setTimeout(() => (watcher.close(), reject(new Error("harness did not take the screenshot"))), TIMEOUT_MS);
    const done = () => (watcher.close(), clearTimeout(timer), resolve());
    if (existsSync(file)) done();
  });
}

class Skip extends Error {}

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, "the harness opens a workspace folder");
  const uri = vscode.Uri.file(path.join(folder, "seed-bug.ts"));
  const correct = readFileSync(path.join(folder, "expected-seed.ts"), "utf8");
  let diagnostic!: vscode.Diagnostic;
  let editor!: vscode.TextEditor;
  /** Where the mistaken `matmul` starts. */
  let bugAt!: vscode.Position;

  const tests: Array<[string, () => Promise<void>]> = [
    ["opening the seed bug shows the matmul-mismatch diagnostic", async () => {
      editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      diagnostic = await waitForDiagnostics(uri, (ds) => ds.find((d) => codeOf(d) === "matmul-mismatch"), "matmul-mismatch");
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
      assert.match(diagnostic.message, /\[1,H\] @ \[1,H\]/);
      bugAt = editor.document.positionAt(editor.document.getText().indexOf("matmul(h.mul"));
      assert.ok(diagnostic.range.contains(bugAt), `range ${editor.document.getText(diagnostic.range)}`);
      assert.ok(typeof diagnostic.code === "object" && /diagnostics\.md#matmul-mismatch$/.test(diagnostic.code.target.toString()), "docs link");
    }],
    ["hover on the mistaken matmul gives the diagonal-Jacobian answer", async () => {
      const at = bugAt.translate(0, 2);
      const text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>("vscode.executeHoverProvider", uri, at));
      assert.match(text, /\[1,H\] @ \[1,H\]/);
      assert.match(text, /g · diag\(s′\) = g ⊙ s′/);
    }],
    ["inlay hints show the shape after a tensor const", async () => {
      const all = new vscode.Range(0, 0, editor.document.lineCount, 0);
      const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>("vscode.executeInlayHintProvider", uri, all);
      const labels = hints.map((h) => (typeof h.label === "string" ? h.label : h.label.map((p) => p.value).join("")));
      assert.ok(labels.includes(": [1,H]"), labels.join(" "));
    }],
    ["the harness sees the squiggle and the hover (screenshot)", async () => {
      // Only the code-server harness drives a browser; under test-electron there is nobody to
      // take the picture, so the step is reported as skipped rather than passed.
      if (process.env.CHAINRULE_SCREENSHOT_HARNESS !== "1") throw new Skip("no screenshot harness");
      // Give the editor the whole window, scrolled fully left, with the cursor on the squiggle;
      // then leave it alone while the harness hovers the squiggle with the mouse.
      await vscode.commands.executeCommand("workbench.action.closeAuxiliaryBar");
      await vscode.commands.executeCommand("workbench.action.closeSidebar");
      const lineStart = new vscode.Position(diagnostic.range.start.line, 0);
      editor.revealRange(new vscode.Range(lineStart, lineStart), vscode.TextEditorRevealType.InCenter);
      editor.selection = new vscode.Selection(bugAt, bugAt);
      const done = path.join(folder, ".screenshot-done");
      console.log(`CHAINRULE_SCREENSHOT_READY ${done} ${bugAt.character}`);
      await waitForFile(done);
      const verdict = readFileSync(done, "utf8").trim();
      assert.equal(verdict, "ok", verdict);
    }],
    ["applying the preferred quick fix removes the diagnostic", async () => {
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        "vscode.executeCodeActionProvider", uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
      // The API's CodeAction objects do not carry their diagnostics back, so ours are told apart
      // by what applying them does: the one preferred action must turn the bug into the seed.
      const preferred = actions.filter((a) => a.isPreferred);
      assert.equal(preferred.length, 1, `actions: ${actions.map((a) => `${a.title}${a.isPreferred ? " (preferred)" : ""}`).join(" | ")}`);
      assert.ok(preferred[0]!.edit && (await vscode.workspace.applyEdit(preferred[0]!.edit)));
      await waitForDiagnostics(uri, (ds) => (ds.length === 0 ? true : undefined), "the diagnostic to go");
      assert.equal(editor.document.getText(), correct);
    }],
  ];

  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`CHAINRULE_TEST PASS ${name}`);
    } catch (e) {
      if (e instanceof Skip) {
        console.log(`CHAINRULE_TEST SKIP ${name}: ${e.message}`);
        continue;
      }
      failed++;
      console.log(`CHAINRULE_TEST FAIL ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`.replace(/\n/g, " ⏎ "));
    }
  }
  if (failed > 0) throw new Error(`${failed} of ${tests.length} in-editor test(s) failed`);
}
