// Runs the in-editor suite (suite.ts) in real VS Code on this offline machine: VS Code's own
// server from code-server 4.139.1 under Node 24 (both installed into .editors/ by
// scripts/editors/install.sh), opened in headless Chromium through playwright-core, with our
// extension loaded from the repository via the workbench's `payload` (see
// shared/notes/real-editors.md). Also takes the screenshots: the squiggle and its hover, and the
// math template highlighted by our grammar.

import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Page } from "playwright-core";

export const ROOT = path.resolve(__dirname, "../../..");
const NODE24 = path.join(ROOT, ".editors/node24/node_modules/node/bin/node");
const SERVER_MAIN = path.join(ROOT, ".editors/code-server/node_modules/code-server/lib/vscode/out/server-main.js");
const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOT = path.join(ROOT, "test-results/vscode-seed-bug.png");
export const TEMPLATE_SCREENSHOT = path.join(ROOT, "test-results/vscode-template.png");
const SESSION_LOG = path.join(ROOT, "test-results/vscode-session.log");
const SESSION_TIMEOUT_MS = 240_000;

export interface SessionResult {
  exitCode: number;
  /** In-editor test name → "PASS" | "SKIP: …" | "FAIL: message". */
  tests: Map<string, string>;
  screenshot?: string;
  templateScreenshot?: string;
  log: string[];
  timings: { serverReadyMs: number; workbenchMs?: number; totalMs: number };
}

export function missingInstall(): string | undefined {
  for (const p of [NODE24, SERVER_MAIN, CHROMIUM, path.join(ROOT, "dist/extension.js"), path.join(ROOT, "dist/server.js")]) {
    if (!existsSync(p)) return `${p} is missing: run scripts/editors/install.sh and npm run build`;
  }
  return undefined;
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

/** Hovers the mistaken `matmul` (at `column` of the buggy line) the way a person would, and photographs the editor. */
async function photographHover(page: Page, column: number): Promise<string> {
  const line = page.locator(".monaco-editor .view-line", { hasText: "matmul(h.mul(sub(1, h)))" }).first();
  await line.waitFor({ state: "visible", timeout: 60_000 });
  await page.locator(".monaco-editor .squiggly-error").first().waitFor({ state: "attached", timeout: 60_000 });
  // Screen position of a character: a DOM Range over the rendered line's text nodes.
  // (Runs in the page; typed by hand because this project's lib has no DOM.)
  const rect = await line.evaluate((el, col) => {
    type Rect = { x: number; y: number; width: number; height: number };
    type TextNode = { textContent: string | null };
    const doc = (globalThis as unknown as {
      document: {
        createTreeWalker(root: unknown, what: number): { nextNode(): TextNode | null };
        createRange(): { setStart(n: TextNode, o: number): void; setEnd(n: TextNode, o: number): void; getBoundingClientRect(): Rect };
      };
    }).document;
    const SHOW_TEXT = 4;
    const walker = doc.createTreeWalker(el, SHOW_TEXT);
    let left = col;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const len = n.textContent?.length ?? 0;
      if (left < len) {
        const r = doc.createRange();
        r.setStart(n, left);
        r.setEnd(n, left + 1);
        const b = r.getBoundingClientRect();
        return { x: b.x, y: b.y, width: b.width, height: b.height };
      }
      left -= len;
    }
    return null;
  }, column + 2);
  if (!rect) return "the buggy line is not rendered";
  await page.mouse.move(rect.x + rect.width / 2, rect.y + rect.height / 2, { steps: 5 });
  const hover = page.locator(".monaco-hover:visible").filter({ hasText: "g · diag(s′) = g ⊙ s′" }).first();
  await hover.waitFor({ state: "visible", timeout: 30_000 });
  // The hover fades in: photograph it once its animations have finished, not half-transparent.
  type Animated = { getAnimations(o: { subtree: boolean }): Array<{ finished: Promise<unknown> }> };
  await hover.evaluate((el) => Promise.all((el as unknown as Animated).getAnimations({ subtree: true }).map((a) => a.finished)));
  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  return "ok";
}

/** Rendered tokens of one editor line: text and computed colour, in order. */
type LineTokens = Array<{ text: string; color: string }>;

/** What Monaco rendered for the first line containing `needle` (typed by hand: no DOM lib here). */
async function lineTokens(page: Page, needle: string): Promise<LineTokens> {
  return page.locator(".monaco-editor .view-line", { hasText: needle }).first().evaluate((el) => {
    type El = { textContent: string | null; className: string; children: ArrayLike<El> };
    const win = globalThis as unknown as { getComputedStyle(e: El): { color: string } };
    const spans = Array.from((el as unknown as El).children[0]?.children ?? []);
    return spans.map((c) => ({ text: c.textContent ?? "", color: win.getComputedStyle(c).color }));
  });
}

/** Screen box of the first `ch` on the first line containing `needle`. */
async function charBox(page: Page, needle: string, ch: string): Promise<{ x: number; y: number; width: number; height: number } | null> {
  return page.locator(".monaco-editor .view-line", { hasText: needle }).first().evaluate((el, c) => {
    type Rect = { x: number; y: number; width: number; height: number };
    type TextNode = { textContent: string | null };
    const doc = (globalThis as unknown as {
      document: {
        createTreeWalker(root: unknown, what: number): { nextNode(): TextNode | null };
        createRange(): { setStart(n: TextNode, o: number): void; setEnd(n: TextNode, o: number): void; getBoundingClientRect(): Rect };
      };
    }).document;
    const walker = doc.createTreeWalker(el, 4 /* SHOW_TEXT */);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.textContent?.indexOf(c) ?? -1;
      if (i < 0) continue;
      const r = doc.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + c.length);
      const b = r.getBoundingClientRect();
      return { x: b.x, y: b.y, width: b.width, height: b.height };
    }
    return null;
  }, ch);
}

/**
 * Checks in the rendered editor that the seed's gradient template is coloured by our grammar —
 * operators, ᵀ and function names in another colour than a plain string — then hovers its first
 * ⊙ (the hover gives the operand shapes and the result) and photographs the editor.
 */
async function photographTemplate(page: Page, log: string[]): Promise<string> {
  const GRADIENT = "(1 - ";
  await page.locator(".monaco-editor .view-line", { hasText: GRADIENT }).first().waitFor({ state: "visible", timeout: 60_000 });
  // The interpolation hints come from the language server: photograph once they are drawn.
  await page.locator(".monaco-editor .view-line", { hasText: ": [H,K]" }).first().waitFor({ state: "visible", timeout: 60_000 });
  const stringColor = (await lineTokens(page, 'from "chainrule"')).find((t) => t.text.includes('"chainrule"'))?.color;
  const grad = await lineTokens(page, GRADIENT);
  const fn = await lineTokens(page, "softmax(");
  log.push(`[harness] template tokens: string ${stringColor}; ${[...grad, ...fn].map((t) => `${JSON.stringify(t.text)}=${t.color}`).join(" ")}`);
  if (!stringColor) return "no plain string token found to compare with";
  // Tokens of one colour are merged into one span (`ᵀ ⊙ `), so look for the span holding each.
  const colorOf = (tokens: LineTokens, text: string) => tokens.find((t) => t.text.includes(text))?.color;
  const wanted: Array<[string, string | undefined]> = [
    ["@", colorOf(grad, "@")], ["⊙", colorOf(grad, "⊙")], ["ᵀ", colorOf(grad, "ᵀ")], ["softmax", colorOf(fn, "softmax")],
  ];
  const bad = wanted.filter(([, c]) => c === undefined || c === stringColor).map(([t, c]) => `${t} is ${c ?? "not rendered"}`);
  if (bad.length) return `template math not highlighted (string colour ${stringColor}): ${bad.join(", ")}`;
  const box = await charBox(page, GRADIENT, "⊙");
  if (!box) return "the ⊙ is not rendered";
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  const hover = page.locator(".monaco-hover:visible").filter({ hasText: "[1,H] ⊙ [1,H] → [1,H]" }).first();
  await hover.waitFor({ state: "visible", timeout: 30_000 });
  type Animated = { getAnimations(o: { subtree: boolean }): Array<{ finished: Promise<unknown> }> };
  await hover.evaluate((el) => Promise.all((el as unknown as Animated).getAnimations({ subtree: true }).map((a) => a.finished)));
  mkdirSync(path.dirname(TEMPLATE_SCREENSHOT), { recursive: true });
  await page.screenshot({ path: TEMPLATE_SCREENSHOT });
  return "ok";
}

export async function runVsCodeSession(): Promise<SessionResult> {
  const started = Date.now();
  const tmp = mkdtempSync(path.join(tmpdir(), "chainrule-vscode-"));
  const log: string[] = [];
  const tests = new Map<string, string>();
  // A picture left by an earlier run must not stand in for this one's.
  rmSync(TEMPLATE_SCREENSHOT, { force: true });
  let server: ReturnType<typeof spawn> | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    // The suite, bundled like the extension (vscode external), in a folder of its own.
    const suiteDir = path.join(tmp, "suite");
    await build({
      entryPoints: [path.join(__dirname, "suite.ts")], outfile: path.join(suiteDir, "index.js"),
      bundle: true, platform: "node", format: "cjs", target: "node20", external: ["vscode"], logLevel: "warning",
    });
    // The workspace: a copy of the seed's bug, with `chainrule` resolvable as a user would have it.
    const ws = path.join(tmp, "ws");
    mkdirSync(path.join(ws, "node_modules"), { recursive: true });
    copyFileSync(path.join(ROOT, "test/protocol/fixtures/seed-bug.ts"), path.join(ws, "seed-bug.ts"));
    copyFileSync(path.join(ROOT, "test/protocol/fixtures/seed.ts"), path.join(ws, "expected-seed.ts"));
    copyFileSync(path.join(ROOT, "examples/seed-template.ts"), path.join(ws, "seed-template.ts"));
    symlinkSync(ROOT, path.join(ws, "node_modules/chainrule"), "dir");
    // Keep the window to what a user of this extension looks at: no chat panel, no AI actions.
    mkdirSync(path.join(ws, ".vscode"));
    writeFileSync(path.join(ws, ".vscode/settings.json"), JSON.stringify({
      "chat.disableAIFeatures": true,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "workbench.startupEditor": "none",
      // Below the line there is room: the code above stays visible next to the hover.
      "editor.hover.above": false,
      "files.exclude": { ".vscode": true, "node_modules": true, ".screenshot-done": true, ".template-shot-done": true },
    }, null, 2));

    const port = await freePort();
    const dataDir = path.join(tmp, "data");
    // detached: the server gets its own process group (setsid), so one kill ends its watchers too.
    server = spawn(NODE24, [
      SERVER_MAIN, "--host", "127.0.0.1", "--port", String(port), "--without-connection-token",
      "--accept-server-license-terms", "--enable-smoke-test-driver", "--disable-telemetry", "--disable-workspace-trust",
      "--user-data-dir", path.join(dataDir, "ud"), "--server-data-dir", path.join(dataDir, "sd"),
      "--extensions-dir", path.join(dataDir, "ext"),
    ], { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CHAINRULE_SCREENSHOT_HARNESS: "1" } });
    const serverProc = server;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("VS Code server did not start listening")), 60_000);
      const onData = (d: Buffer) => {
        log.push(`[server] ${d.toString().trimEnd()}`);
        if (/listening on|Web UI available/i.test(d.toString())) (clearTimeout(timer), resolve());
      };
      serverProc.stdout!.on("data", onData);
      serverProc.stderr!.on("data", (d: Buffer) => log.push(`[server:err] ${d.toString().trimEnd()}`));
      serverProc.once("exit", (code) => reject(new Error(`VS Code server exited with ${code}`)));
    });
    const serverReadyMs = Date.now() - started;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let workbenchMs: number | undefined;
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (resolveExit = resolve));
    // Both hooks must exist before the workbench loads, or the run silently times out.
    await page.exposeFunction("codeAutomationExit", (code: number) => resolveExit(code));
    await page.exposeFunction("codeAutomationLog", (type: string, args: unknown[]) => {
      const line = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
      log.push(`[exthost:${type}] ${line}`);
      const m = /CHAINRULE_TEST (PASS|FAIL|SKIP) ([^:]+?)(?:: (.*))?$/.exec(line);
      if (m) tests.set(m[2]!.trim(), m[1] === "PASS" ? "PASS" : `${m[1]}: ${m[3] ?? ""}`);
      const shot = /CHAINRULE_SCREENSHOT_READY (\S+) (\d+)/.exec(line);
      if (shot) {
        photographHover(page, Number(shot[2]))
          .catch((e: unknown) => `screenshot failed: ${e instanceof Error ? e.message : String(e)}`)
          // Written aside and renamed, so the suite's file watcher never sees it half-written.
          .then((verdict) => (writeFileSync(`${shot[1]!}.tmp`, verdict), renameSync(`${shot[1]!}.tmp`, shot[1]!)));
      }
      const tshot = /CHAINRULE_TEMPLATE_SHOT_READY (\S+)/.exec(line);
      if (tshot) {
        photographTemplate(page, log)
          .catch((e: unknown) => `template screenshot failed: ${e instanceof Error ? e.message : String(e)}`)
          .then((verdict) => (writeFileSync(`${tshot[1]!}.tmp`, verdict), renameSync(`${tshot[1]!}.tmp`, tshot[1]!)));
      }
    });
    const payload = JSON.stringify([
      ["extensionDevelopmentPath", `vscode-remote://remote${ROOT}`],
      ["extensionTestsPath", `vscode-remote://remote${suiteDir}`],
      ["skipWelcome", "true"],
    ]);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    void page.locator(".monaco-workbench").waitFor({ timeout: 60_000 }).then(() => (workbenchMs = Date.now() - started), () => undefined);
    const exitCode = await Promise.race([
      exited,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error("in-editor suite did not finish")), SESSION_TIMEOUT_MS).unref()),
    ]);
    return {
      exitCode, tests, log,
      screenshot: existsSync(SCREENSHOT) ? SCREENSHOT : undefined,
      templateScreenshot: existsSync(TEMPLATE_SCREENSHOT) ? TEMPLATE_SCREENSHOT : undefined,
      timings: { serverReadyMs, workbenchMs, totalMs: Date.now() - started },
    };
  } finally {
    await browser?.close().catch(() => undefined);
    if (server?.pid) {
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    mkdirSync(path.dirname(SESSION_LOG), { recursive: true });
    writeFileSync(SESSION_LOG, log.join("\n") + "\n");
    rmSync(tmp, { recursive: true, force: true });
  }
}
