// "Verify gradient" in real VS Code (code-server's VS Code server + headless Chromium, see
// vscode/verify-harness.ts): CodeLens clicks, the report webview, the Test Explorer. Screenshots
// go to test-results/vscode-verify.png and vscode-verify-tests.png, the log to
// test-results/vscode-verify-session.log. A second session opens the workspace in Restricted Mode.

import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { it } from "node:test";
import { describeSession } from "./vscode/describe-session";
import { PROGRESS_SCREENSHOT, RESTRICTED_SCREENSHOT, runVerifySession, TESTS_SCREENSHOT, VERIFY_SCREENSHOT } from "./vscode/verify-harness";

describeSession("Verify gradient in VS Code 1.139 (code-server 4.139.1, headless Chromium)", () => runVerifySession(), [
  "each @gradient function gets a '▶ Verify gradient' lens, and nothing runs on open",
  "clicking the lens above dLoss_dW2 verifies it and an error diagnostic says transposed",
  "the result lens reads '✗ transposed', and clicking it opens the report beside the editor",
  "Cancel on the progress notification stops a check that never ends, at once",
  "a long full-mode check's notification counts the elements done and says how long is left (screenshot)",
  "Verify All from the palette's command verifies the rest; the Test Explorer shows pass and fail",
], (session) => {
  it("the suite ran to the end and exited 0", () => {
    assert.equal(session().exitCode, 0, "see test-results/vscode-verify-session.log");
  });

  it("photographed the report beside the editor, the progress notification and the Test Explorer", () => {
    for (const shot of [VERIFY_SCREENSHOT, PROGRESS_SCREENSHOT, TESTS_SCREENSHOT]) assert.ok(existsSync(shot) && statSync(shot).size > 10_000, shot);
  });
});

describeSession("Verify gradient in VS Code's Restricted Mode (untrusted workspace)", () => runVerifySession("untrusted"), [
  "in Restricted Mode the lenses say that verification is disabled",
  "the command refuses with the reason and a Manage Workspace Trust button, and runs nothing",
], (session) => {
  it("the suite ran to the end and exited 0, and photographed the refusal", () => {
    assert.equal(session().exitCode, 0, "see test-results/vscode-verify-untrusted-session.log");
    assert.ok(existsSync(RESTRICTED_SCREENSHOT) && statSync(RESTRICTED_SCREENSHOT).size > 10_000, RESTRICTED_SCREENSHOT);
  });
});
