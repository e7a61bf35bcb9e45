// Runs the "Explain the chain" in-editor suite (explain-suite.ts) in a real VS Code session of its
// own (session.ts), and does what the suite asks of a person: click a CodeLens, photograph the
// chain view beside the editor, click a step in it.

import path from "node:path";
import type { Page } from "playwright-core";
import { photograph, ROOT, runSession, type Session } from "./session";
import { clickLens } from "./verify-harness";

export const CHAIN_SCREENSHOT = path.join(ROOT, "test-results/vscode-chain-view.png");

/** The chain view is an iframe inside an iframe: wait for its graph, then photograph the window. */
async function photographChain(page: Page): Promise<string> {
  const frame = page.frameLocator("iframe.webview.ready").frameLocator("iframe");
  await frame.locator(".graph svg g").first().waitFor({ state: "visible", timeout: 60_000 });
  await photograph(page, CHAIN_SCREENSHOT);
  const title = await frame.locator("h1").innerText();
  return title.startsWith("∂loss/∂x") ? "ok" : `the chain view shows ${title}`;
}

/** Clicks the derivation line that starts with `text` in the chain view. */
async function clickStep(page: Page, text: string, log: string[]): Promise<string> {
  const frame = page.frameLocator("iframe.webview.ready").frameLocator("iframe");
  const link = frame.locator(".text li a", { hasText: text }).first();
  await link.waitFor({ state: "visible", timeout: 30_000 });
  await link.click();
  log.push(`[harness] clicked ${await link.getAttribute("href")}`);
  return "ok";
}

export function runExplainSession(): Promise<Session> {
  return runSession({
    name: "vscode-explain",
    suite: "explain-suite.ts",
    workspace: { copy: { "seed.ts": "examples/seed.ts" } },
    trusted: true,
    env: { CHAINRULE_EXPLAIN_HARNESS: "1" },
    viewport: { width: 1600, height: 900 },
    steps: {
      click: (page, arg, log) => {
        const [title, ...rest] = arg.split("|");
        return clickLens(page, title!, rest.join("|"), log);
      },
      photograph: photographChain,
      step: (page, arg, log) => clickStep(page, arg, log),
    },
  });
}
