// Runs the "Verify gradient" in-editor suite (verify-suite.ts) in a real VS Code session
// (session.ts) of its own, so that neither suite's steps disturb the other's, and does the steps
// the suite asks of a person: click a CodeLens, press Cancel, look at the Test Explorer, photograph
// the window.

import path from "node:path";
import type { Page } from "playwright-core";
import { photograph, ROOT, runSession, type Session } from "./session";

export const VERIFY_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify.png");
export const TESTS_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify-tests.png");
export const RESTRICTED_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify-restricted.png");

type Box = { x: number; y: number; width: number; height: number };

/** Clicks the CodeLens titled `title` that sits just above the line holding `lineText`. */
async function clickLens(page: Page, title: string, lineText: string): Promise<string> {
  const line = page.locator(".monaco-editor .view-line", { hasText: lineText }).first();
  await line.waitFor({ state: "visible", timeout: 60_000 });
  const lineBox = (await line.boundingBox()) as Box | null;
  const lenses = page.locator(".monaco-editor .codelens-decoration a", { hasText: title });
  await lenses.first().waitFor({ state: "visible", timeout: 60_000 });
  let best: { i: number; y: number } | undefined;
  for (let i = 0; i < (await lenses.count()); i++) {
    const b = (await lenses.nth(i).boundingBox()) as Box | null;
    if (b && lineBox && b.y < lineBox.y && (!best || b.y > best.y)) best = { i, y: b.y };
  }
  if (!best) return `no "${title}" lens above "${lineText}"`;
  await lenses.nth(best.i).click();
  return "ok";
}

/** The report webview is an iframe inside an iframe: wait until its heatmaps are drawn, then photograph the window. */
async function photographReport(page: Page): Promise<string> {
  const frame = page.frameLocator("iframe.webview.ready").frameLocator("iframe");
  await frame.locator("figure.panel").nth(2).waitFor({ state: "visible", timeout: 60_000 });
  await photograph(page, VERIFY_SCREENSHOT);
  const title = await frame.locator("h1").innerText();
  return title.trim() === "dLoss_dW2" ? "ok" : `report shows ${title}`;
}

/** The Testing view lists the gradients; the failed one carries the failed icon. */
async function inspectTestExplorer(page: Page): Promise<string> {
  const rows = page.locator(".test-explorer .monaco-list-row");
  // Files are listed collapsed: open ours to see its gradients.
  const file = rows.filter({ hasText: "network.ts" }).first();
  await file.waitFor({ state: "visible", timeout: 60_000 });
  if ((await file.getAttribute("aria-expanded")) === "false") await file.click();
  const row = rows.filter({ hasText: "dLoss_dW2" }).first();
  await row.waitFor({ state: "visible", timeout: 30_000 });
  const failed = row.locator(".codicon-testing-failed-icon, .codicon-testing-error-icon");
  await failed.first().waitFor({ state: "visible", timeout: 60_000 });
  await photograph(page, TESTS_SCREENSHOT);
  const passed = rows.filter({ hasText: "dLoss_dx" }).locator(".codicon-testing-passed-icon");
  return (await passed.count()) > 0 ? "ok" : "dLoss_dx is not shown as passed";
}

/**
 * Presses Cancel on the progress notification of a running verification. With the smoke-test
 * driver on, VS Code shows no toasts, so the suite opens the notification center and this clicks
 * the notification's Cancel button there.
 */
async function cancelProgress(page: Page, text: string): Promise<string> {
  const item = page.locator(".notifications-center .notification-list-item", { hasText: text }).first();
  await item.waitFor({ state: "visible", timeout: 20_000 });
  await item.locator(".monaco-button", { hasText: "Cancel" }).first().click();
  return "ok";
}

/** In Restricted Mode: the refusal's notification carries a Manage Workspace Trust button. */
async function photographRefusal(page: Page, text: string): Promise<string> {
  const item = page.locator(".notifications-center .notification-list-item", { hasText: text }).first();
  await item.waitFor({ state: "visible", timeout: 30_000 });
  await photograph(page, RESTRICTED_SCREENSHOT);
  return (await item.locator(".monaco-button", { hasText: "Manage Workspace Trust" }).count()) > 0 ? "ok" : "the message has no Manage Workspace Trust button";
}

/**
 * `untrusted`: the workspace opens in Restricted Mode (workspace trust on; the harness answers the
 * trust dialog "No"), and the suite runs its Restricted Mode tests instead.
 */
export function runVerifySession(mode: "trusted" | "untrusted" = "trusted"): Promise<Session> {
  return runSession({
    name: mode === "trusted" ? "vscode-verify" : "vscode-verify-untrusted",
    suite: "verify-suite.ts",
    workspace: {
      // The seed network with the transposed ∂L/∂W2.
      copy: { "network.ts": "test/protocol/fixtures/verify/network.ts" },
      // A gradient that never returns: only Cancel (or the 10 s timeout) ends its check.
      write: {
        "loop.ts": [
          `import { Tensor, sum, mul } from "chainrule";`,
          `export function f(A: Tensor<["M", "N"]>) { return sum(mul(A, A)); }`,
          `/** @gradient f A */`,
          `export function dLoop(A: Tensor<["M", "N"]>) { while (true) {} return A; }`,
          ``,
        ].join("\n"),
      },
    },
    trusted: mode === "trusted",
    // Tells the suite which of its test lists to run, and that a browser is there to click.
    env: { CHAINRULE_VERIFY_HARNESS: mode },
    viewport: { width: 1600, height: 900 },
    steps: {
      cancel: cancelProgress,
      click: (page, arg) => {
        const [title, ...rest] = arg.split("|");
        return clickLens(page, title!, rest.join("|"));
      },
      report: photographReport,
      tests: inspectTestExplorer,
      message: photographRefusal,
    },
    onLoad: mode === "untrusted"
      ? (page, log) => {
        // What a careful person answers for a folder they have not read yet.
        void page.locator(".monaco-dialog-box .monaco-button", { hasText: /^No, I don.t trust the authors$/ }).first()
          .click({ timeout: 60_000 }).then(() => log.push("[harness] answered the trust dialog: No"), () => log.push("[harness] no trust dialog"));
      }
      : undefined,
  });
}
