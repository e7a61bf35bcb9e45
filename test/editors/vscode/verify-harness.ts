// Runs the "Verify gradient" in-editor suite (verify-suite.ts) in real VS Code, the same way as
// harness.ts (code-server's VS Code server under Node 24 + headless Chromium, extension loaded from
// the repository), in a session of its own so that neither suite's steps disturb the other's.
// The suite asks for what only a person (here: the browser) can do — click a CodeLens, look at the
// Test Explorer, photograph the window — by logging a step line; this file does it and answers
// through a file the suite waits on.

import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Page } from "playwright-core";
import { ROOT } from "./harness";

const NODE24 = path.join(ROOT, ".editors/node24/node_modules/node/bin/node");
const SERVER_MAIN = path.join(ROOT, ".editors/code-server/node_modules/code-server/lib/vscode/out/server-main.js");
const CHROMIUM = "/usr/bin/chromium";
export const VERIFY_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify.png");
export const TESTS_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify-tests.png");
export const RESTRICTED_SCREENSHOT = path.join(ROOT, "test-results/vscode-verify-restricted.png");
const sessionLog = (mode: string) => path.join(ROOT, `test-results/vscode-verify-${mode === "trusted" ? "" : `${mode}-`}session.log`);
const SESSION_TIMEOUT_MS = 240_000;

export interface VerifySession {
  exitCode: number;
  tests: Map<string, string>;
  log: string[];
  totalMs: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

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
  mkdirSync(path.dirname(VERIFY_SCREENSHOT), { recursive: true });
  await page.screenshot({ path: VERIFY_SCREENSHOT });
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
  await page.screenshot({ path: TESTS_SCREENSHOT });
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

async function step(page: Page, name: string, arg: string): Promise<string> {
  if (name === "cancel") return cancelProgress(page, arg);
  if (name === "click") {
    const [title, ...rest] = arg.split("|");
    return clickLens(page, title!, rest.join("|"));
  }
  if (name === "report") return photographReport(page);
  if (name === "tests") return inspectTestExplorer(page);
  if (name === "message") {
    const item = page.locator(".notifications-center .notification-list-item", { hasText: arg }).first();
    await item.waitFor({ state: "visible", timeout: 30_000 });
    mkdirSync(path.dirname(RESTRICTED_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: RESTRICTED_SCREENSHOT });
    return (await item.locator(".monaco-button", { hasText: "Manage Workspace Trust" }).count()) > 0 ? "ok" : "the message has no Manage Workspace Trust button";
  }
  return `unknown step ${name}`;
}

/**
 * `untrusted`: the workspace opens in Restricted Mode (workspace trust on; the harness answers the
 * trust dialog "No"), and the suite runs its Restricted Mode tests instead.
 */
export async function runVerifySession(mode: "trusted" | "untrusted" = "trusted"): Promise<VerifySession> {
  const started = Date.now();
  const tmp = mkdtempSync(path.join(tmpdir(), "chainrule-vscode-verify-"));
  const log: string[] = [];
  const tests = new Map<string, string>();
  let server: ReturnType<typeof spawn> | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    const suiteDir = path.join(tmp, "suite");
    await build({
      entryPoints: [path.join(__dirname, "verify-suite.ts")], outfile: path.join(suiteDir, "index.js"),
      bundle: true, platform: "node", format: "cjs", target: "node20", external: ["vscode"], logLevel: "warning",
    });
    // The seed network with the transposed ∂L/∂W2, and `chainrule` resolvable as a user has it.
    const ws = path.join(tmp, "ws");
    mkdirSync(path.join(ws, "node_modules"), { recursive: true });
    copyFileSync(path.join(ROOT, "test/protocol/fixtures/verify/network.ts"), path.join(ws, "network.ts"));
    // A gradient that never returns: only Cancel (or the 10 s timeout) ends its check.
    writeFileSync(path.join(ws, "loop.ts"), [
      `import { Tensor, sum, mul } from "chainrule";`,
      `export function f(A: Tensor<["M", "N"]>) { return sum(mul(A, A)); }`,
      `/** @gradient f A */`,
      `export function dLoop(A: Tensor<["M", "N"]>) { while (true) {} return A; }`,
      ``,
    ].join("\n"));
    symlinkSync(ROOT, path.join(ws, "node_modules/chainrule"), "dir");
    mkdirSync(path.join(ws, ".vscode"));
    writeFileSync(path.join(ws, ".vscode/settings.json"), JSON.stringify({
      "chat.disableAIFeatures": true,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "workbench.startupEditor": "none",
      "files.exclude": { ".vscode": true, "node_modules": true, ".step-*": true },
    }, null, 2));

    const port = await freePort();
    const dataDir = path.join(tmp, "data");
    server = spawn(NODE24, [
      SERVER_MAIN, "--host", "127.0.0.1", "--port", String(port), "--without-connection-token",
      "--accept-server-license-terms", "--enable-smoke-test-driver", "--disable-telemetry",
      ...(mode === "trusted" ? ["--disable-workspace-trust"] : []),
      "--user-data-dir", path.join(dataDir, "ud"), "--server-data-dir", path.join(dataDir, "sd"),
      "--extensions-dir", path.join(dataDir, "ext"),
    ], { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CHAINRULE_VERIFY_HARNESS: mode } });
    const serverProc = server;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("VS Code server did not start listening")), 60_000);
      serverProc.stdout!.on("data", (d: Buffer) => {
        log.push(`[server] ${d.toString().trimEnd()}`);
        if (/listening on|Web UI available/i.test(d.toString())) (clearTimeout(timer), resolve());
      });
      serverProc.stderr!.on("data", (d: Buffer) => log.push(`[server:err] ${d.toString().trimEnd()}`));
      serverProc.once("exit", (code) => reject(new Error(`VS Code server exited with ${code}`)));
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
    });
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    await page.exposeFunction("codeAutomationExit", (code: number) => resolveExit(code));
    await page.exposeFunction("codeAutomationLog", (type: string, args: unknown[]) => {
      const line = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
      log.push(`[exthost:${type}] ${line}`);
      const m = /CHAINRULE_TEST (PASS|FAIL|SKIP) ([^:]+?)(?:: (.*))?$/.exec(line);
      if (m) tests.set(m[2]!.trim(), m[1] === "PASS" ? "PASS" : `${m[1]}: ${m[3] ?? ""}`);
      const s = /CHAINRULE_VERIFY_STEP (\S+) (\w+) ?(.*)$/.exec(line);
      if (s) {
        step(page, s[2]!, s[3] ?? "")
          .catch(async (e: unknown) => {
            // What the window looked like when the step failed, for the person reading the log.
            await page.screenshot({ path: path.join(ROOT, `test-results/vscode-verify-failed-${s[2]}.png`) }).catch(() => undefined);
            return `step ${s[2]} failed: ${e instanceof Error ? e.message : String(e)}`;
          })
          .then((verdict) => (writeFileSync(`${s[1]!}.tmp`, verdict), renameSync(`${s[1]!}.tmp`, s[1]!)));
      }
    });
    const payload = JSON.stringify([
      ["extensionDevelopmentPath", `vscode-remote://remote${ROOT}`],
      ["extensionTestsPath", `vscode-remote://remote${suiteDir}`],
      ["skipWelcome", "true"],
    ]);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    if (mode === "untrusted") {
      // What a careful person answers for a folder they have not read yet.
      void page.locator(".monaco-dialog-box .monaco-button", { hasText: /^No, I don.t trust the authors$/ }).first()
        .click({ timeout: 60_000 }).then(() => log.push("[harness] answered the trust dialog: No"), () => log.push("[harness] no trust dialog"));
    }
    const exitCode = await Promise.race([
      exited,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error("in-editor suite did not finish")), SESSION_TIMEOUT_MS).unref()),
    ]);
    return { exitCode, tests, log, totalMs: Date.now() - started };
  } finally {
    await browser?.close().catch(() => undefined);
    if (server?.pid) {
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
    writeFileSync(sessionLog(mode), log.join("\n") + "\n");
    rmSync(tmp, { recursive: true, force: true });
  }
}
