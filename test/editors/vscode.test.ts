// The VS Code layer of the real-editor tests: one session of real VS Code (code-server's VS Code
// server + headless Chromium, see vscode/session.ts) running the in-editor suite, whose tests are
// reported here one by one. The session log is kept in test-results/vscode-session.log.

import assert from "node:assert/strict";
import { existsSync, statSync } from "node:fs";
import { it } from "node:test";
import { describeSession } from "./vscode/describe-session";
import { runVsCodeSession, SCREENSHOT, TEMPLATE_SCREENSHOT } from "./vscode/harness";

const IN_EDITOR = [
  "opening the seed bug shows the matmul-mismatch diagnostic",
  "hover on the mistaken matmul gives the diagonal-Jacobian answer",
  "inlay hints show the shape after a tensor const",
  "the harness sees the squiggle and the hover (screenshot)",
  "applying the preferred quick fix removes the diagnostic",
  "hover on ⊙ in a math template shows both operand shapes and the result",
  "inlay hints follow the template's interpolations",
  "the template's math is highlighted by the grammar (screenshot)",
  "the ⊙ completion is offered in template math, not in a comment",
];

describeSession("VS Code 1.139 (code-server 4.139.1, headless Chromium)", runVsCodeSession, IN_EDITOR, (session) => {
  it("the suite ran to the end and exited 0", () => {
    assert.equal(session().exitCode, 0, "see test-results/vscode-session.log");
  });

  it("wrote the screenshot of the squiggle with its hover", () => {
    assert.ok(existsSync(SCREENSHOT) && statSync(SCREENSHOT).size > 10_000, SCREENSHOT);
  });

  it("wrote the screenshot of the highlighted template (taken in this session)", () => {
    assert.ok(session().templateScreenshot && statSync(TEMPLATE_SCREENSHOT).size > 10_000, TEMPLATE_SCREENSHOT);
  });
});
