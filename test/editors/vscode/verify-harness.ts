// Runs the "Verify gradient" in-editor suite (verify-suite.ts) in a real VS Code session
// (session.ts) of its own, so that neither suite's steps disturb the other's, and does the steps
// the suite asks of a person: click a CodeLens, press Cancel, look at the Test Explorer, photograph
// the window.

import { rmSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { photograph, ROOT, runSession, type Session } from "./session";

export const VERIFY_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify.png");
export const TESTS_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify-tests.png");
export const RESTRICTED_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify-restricted.png");
export const PROGRESS_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify-progress.png");

type Box = { x: number; y: number; width: number; height: number };

/** Clicks the CodeLens titled `title` that sits just above the line holding `lineText`. */
export async function clickLens(page: Page, title: string, lineText: string, log: string[] = []): Promise<string> {
  const line = page.locator(".monaco-editor .view-line", { hasText: lineText }).first();
  await line.waitFor({ state: "visible", timeout: 60_000 });
  const lenses = page.locator(".monaco-editor .codelens-decoration a", { hasText: title });
  await lenses.first().waitFor({ state: "visible", timeout: 60_000 });
  // Lenses render a while after the lines they sit on, and each one drawn (or a reveal still
  // scrolling) moves the lines below it: measure the line afresh on every try, and wait for the
  // lens right above it (within two line heights) rather than take whichever lens is drawn already.
  const deadline = Date.now() + 30_000;
  let last = "";
  for (;;) {
    const lineBox = (await line.boundingBox().catch(() => null)) as Box | null;
    const ys: number[] = [];
    let best: { i: number; y: number } | undefined;
    for (let i = 0; i < (await lenses.count()); i++) {
      const b = (await lenses.nth(i).boundingBox().catch(() => null)) as Box | null;
      if (b) ys.push(Math.round(b.y));
      if (b && lineBox && b.y < lineBox.y && lineBox.y - b.y < 2 * lineBox.height + 4 && (!best || b.y > best.y)) best = { i, y: b.y };
    }
    if (best) {
      await lenses.nth(best.i).click();
      return "ok";
    }
    const seen = `line at ${lineBox ? Math.round(lineBox.y) : "?"}, lenses at ${ys.join(", ") || "none"}`;
    if (seen !== last) log.push(`[harness] clickLens "${title}": ${(last = seen)}`);
    if (Date.now() > deadline) return `no "${title}" lens right above "${lineText}" (${seen})`;
    await page.waitForTimeout(250);
  }
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

const STEP = /finite differences (\d+)\/(\d+) elements \((\d+)%\), about [^,]+ left/;

/** What the progress watcher has seen: the step texts in order, and its end. */
let watching: { seen: string[]; done: Promise<void> } | undefined;

/**
 * Starts watching the notification center (see cancelProgress) for finite-differences steps of
 * the check the suite is about to run ("dB: finite differences 512/3136 elements (16%), about 2 s
 * left"), and answers at once: a short check can be over before a step asked for afterwards is
 * even read, so the watcher is polling before the check starts. It photographs the first step it
 * sees and stops once the count has moved on (or after 60 s).
 */
async function startProgressWatch(page: Page): Promise<string> {
  const seen: string[] = [];
  const item = page.locator(".notifications-center .notification-list-item", { hasText: STEP }).first();
  const count = (t: string) => Number(STEP.exec(t)?.[1] ?? NaN);
  const done = (async () => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) {
      const text = await item.innerText({ timeout: 1000 }).catch(() => "");
      if (!STEP.test(text) || seen.includes(text)) continue;
      seen.push(text);
      if (seen.length === 1) await photograph(page, PROGRESS_SCREENSHOT);
      if (count(text) > count(seen[0]!)) return;
    }
  })();
  watching = { seen, done };
  return "ok";
}

/** The watcher's verdict: a step naming `text` was shown, then a later one with a higher count. */
async function progressSeen(_page: Page, text: string, log: string[]): Promise<string> {
  if (!watching) return "the progress watcher was not started";
  await watching.done;
  const { seen } = watching;
  watching = undefined;
  log.push(`[harness] progress steps seen: ${seen.map((t) => JSON.stringify(t.split("\n").pop())).join(", ")}`);
  if (seen.length === 0) return "no finite-differences step was shown";
  if (!seen[0]!.includes(text)) return `the progress notification reads ${JSON.stringify(seen[0])}`;
  if (seen.length < 2) return `the count stayed at ${JSON.stringify(seen[0])}`;
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
  // Pictures left by an earlier run must not stand in for this one's.
  const shots = mode === "trusted" ? [VERIFY_SCREENSHOT, PROGRESS_SCREENSHOT, TESTS_SCREENSHOT] : [RESTRICTED_SCREENSHOT];
  for (const shot of shots) rmSync(shot, { force: true });
  return runSession({
    name: mode === "trusted" ? "vscode-verify" : "vscode-verify-untrusted",
    suite: "verify-suite.ts",
    workspace: {
      // The seed network with the transposed ∂L/∂W2.
      copy: { "network.ts": "test/protocol/fixtures/verify/network.ts" },
      // A gradient that never returns: only Cancel (or the 10 s timeout) ends its check. And a
      // correct one whose full check probes 56×56 = 3,136 elements: long enough (2–3 s in the
      // editor here) for several progress steps, and inside the 10 s timeout at half that speed.
      write: {
        "slow.ts": [
          `import { Tensor, sum, sub, tanh } from "chainrule";`,
          `/** @dims N=50 D=56 */`,
          `export function f(A: Tensor<["N", "D"]>, B: Tensor<["D", "D"]>) { return sum(tanh(A.matmul(B))); }`,
          `/** @gradient f B */`,
          `export function dB(A: Tensor<["N", "D"]>, B: Tensor<["D", "D"]>) { const h = tanh(A.matmul(B)); return A.T.matmul(sub(1, h.mul(h))); }`,
          ``,
        ].join("\n"),
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
      watch: startProgressWatch,
      progress: progressSeen,
      click: (page, arg, log) => {
        const [title, ...rest] = arg.split("|");
        return clickLens(page, title!, rest.join("|"), log);
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
