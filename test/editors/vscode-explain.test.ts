// "Explain the chain" in real VS Code (code-server's VS Code server + headless Chromium, see
// vscode/explain-harness.ts): lenses, the derivation hover, the chain view opened by a lens click
// and photographed (test-results/vscode-chain-view.png, the README's picture), a step clicked in
// the view, and the Generate code action. The log goes to test-results/vscode-explain-session.log.

import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { it } from "node:test";
import { describeSession } from "./vscode/describe-session";
import { CHAIN_SCREENSHOT, runExplainSession } from "./vscode/explain-harness";

describeSession("Explain the chain in VS Code 1.139 (code-server 4.139.1, headless Chromium)", runExplainSession, [
  "each @gradient function gets 'Explain ∂F/∂P', the scalar function 'Explain gradient'",
  "hover on dLoss_dx shows the derivation of ∂loss/∂x",
  "clicking 'Explain ∂loss/∂x' opens the chain view beside the editor (screenshot)",
  "clicking a step in the chain view selects its code",
  "'Generate ∂loss/∂W1' on loss inserts a gradient below it that checks clean",
], (session) => {
  it("the suite ran to the end and exited 0", () => {
    assert.equal(session().exitCode, 0, "see test-results/vscode-explain-session.log");
  });

  it("photographed the chain view beside the editor", () => {
    assert.ok(existsSync(CHAIN_SCREENSHOT) && statSync(CHAIN_SCREENSHOT).size > 10_000, CHAIN_SCREENSHOT);
  });
});
