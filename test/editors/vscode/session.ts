// One session of real VS Code on this offline machine, shared by both in-editor suites' harnesses
// (harness.ts, verify-harness.ts): VS Code's own server from code-server 4.139.1 under Node 24
// (both installed into .editors/ by scripts/editors/install.sh), opened in headless Chromium
// through playwright-core, with our extension loaded from the repository via the workbench's
// `payload` (see shared/notes/real-editors.md). A suite asks the browser for what only a person can
// do (hover, click, photograph) by logging a step line; the harness's step runs and its verdict is
// written to the file the suite waits on (the suite side is in-editor.ts). With `installed`, the
// extension comes from a .vsix installed into the session's own extensions dir instead, and the
// browser alone drives the window, as a new user would (vsix.test.ts).

import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Locator, type Page } from "playwright-core";

export const ROOT = path.resolve(__dirname, "../../..");
const NODE24 = path.join(ROOT, ".editors/node24/node_modules/node/bin/node");
const SERVER_MAIN = path.join(ROOT, ".editors/code-server/node_modules/code-server/lib/vscode/out/server-main.js");
const CHROMIUM = "/usr/bin/chromium";
const RESULTS = path.join(ROOT, "test-results");
const SESSION_TIMEOUT_MS = 240_000;

/** The folder VS Code opens: files copied from the repository or written out, and extra settings. */
export interface Workspace {
  /** Name in the workspace → path relative to the repository. */
  copy?: Record<string, string>;
  /** Name in the workspace → contents. */
  write?: Record<string, string>;
  /** Settings on top of the ones every session has. */
  settings?: Record<string, unknown>;
}

/** What the browser does when the suite asks: answers "ok" or what went wrong. */
export type Step = (page: Page, arg: string, log: string[]) => Promise<string>;

/** What an `installed` session's driver gets: where things are, and where to report its tests. */
export interface DriveContext {
  /** The workspace folder VS Code opened. */
  ws: string;
  /** The fresh extensions dir the .vsix was installed into. */
  extensionsDir: string;
  log: string[];
  /** Test name → "PASS" | "FAIL: message", as the in-editor suites report theirs. */
  tests: Map<string, string>;
}

export interface SessionOptions {
  /** The suite module, next to this file (its run() is what VS Code calls); not with `installed`. */
  suite?: string;
  /**
   * Instead of a suite run with the extension loaded from the repository: the extension installed
   * from this .vsix (no extensionDevelopmentPath, no extensionTestsPath — what a user has), and
   * `drive` does everything through the page; the session ends with the exit code it returns.
   */
  installed?: { vsix: string; drive: (page: Page, ctx: DriveContext) => Promise<number> };
  workspace: Workspace;
  /** Steps by name, as the suite asks for them (in-editor.ts's harnessStep). */
  steps: Record<string, Step>;
  /** Names the session log, test-results/<name>-session.log, and a failed step's screenshot. */
  name: string;
  /** Off: the workspace opens in Restricted Mode unless the trust dialog is answered (onLoad). */
  trusted: boolean;
  /** Added to the server's environment, which the extension host and so the suite inherit. */
  env: Record<string, string>;
  viewport: { width: number; height: number };
  /** Called once the page is loading: a place to answer dialogs. */
  onLoad?: (page: Page, log: string[]) => void;
}

export interface Session {
  exitCode: number;
  /** In-editor test name → "PASS" | "SKIP: …" | "FAIL: message". */
  tests: Map<string, string>;
  log: string[];
  logFile: string;
  timings: { serverReadyMs: number; workbenchMs?: number; totalMs: number };
}

export function missingInstall(): string | undefined {
  for (const p of [NODE24, SERVER_MAIN, CHROMIUM, path.join(ROOT, "dist/extension.js"), path.join(ROOT, "dist/server.js")]) {
    if (!existsSync(p)) return `${p} is missing: run scripts/editors/install.sh and npm run build`;
  }
  return undefined;
}

/**
 * Bundles the suite like the extension (vscode external) into `tmp/suite` and writes the workspace
 * to `tmp/ws`, with `chainrule` resolvable as a user would have it. Both runners use it: this
 * module's sessions and @vscode/test-electron (scripts/editors/vscode-electron.mjs).
 */
export async function prepare(suite: string | undefined, workspace: Workspace, tmp: string): Promise<{ suiteDir: string; ws: string }> {
  const suiteDir = path.join(tmp, "suite");
  if (suite) await build({
    entryPoints: [path.join(__dirname, suite)], outfile: path.join(suiteDir, "index.js"),
    bundle: true, platform: "node", format: "cjs", target: "node20", external: ["vscode"], logLevel: "warning",
  });
  const ws = path.join(tmp, "ws");
  mkdirSync(path.join(ws, "node_modules"), { recursive: true });
  for (const [name, from] of Object.entries(workspace.copy ?? {})) copyFileSync(path.join(ROOT, from), path.join(ws, name));
  for (const [name, text] of Object.entries(workspace.write ?? {})) writeFileSync(path.join(ws, name), text);
  symlinkSync(ROOT, path.join(ws, "node_modules/chainrule"), "dir");
  // Keep the window to what a user of this extension looks at: no chat panel, no AI actions, and
  // none of the harness's files in the explorer.
  mkdirSync(path.join(ws, ".vscode"));
  writeFileSync(path.join(ws, ".vscode/settings.json"), JSON.stringify({
    "chat.disableAIFeatures": true,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "workbench.startupEditor": "none",
    "files.exclude": { ".vscode": true, "node_modules": true, ".step-*": true },
    ...workspace.settings,
  }, null, 2));
  return { suiteDir, ws };
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

/** Installs the .vsix the way a user's VS Code does, into the session's fresh extensions dir. */
function installVsix(vsix: string, dataDir: string, log: string[]): void {
  const r = spawnSync(NODE24, [
    SERVER_MAIN, "--install-extension", vsix, "--accept-server-license-terms",
    "--user-data-dir", path.join(dataDir, "ud"), "--server-data-dir", path.join(dataDir, "sd"),
    "--extensions-dir", path.join(dataDir, "ext"),
  ], { encoding: "utf8", timeout: 120_000 });
  log.push(`[install] ${(r.stdout + r.stderr).trimEnd()}`);
  if (r.status !== 0 || !/successfully installed/.test(r.stdout)) throw new Error(`installing ${vsix} failed: ${r.stdout}${r.stderr}`);
}

/** Starts VS Code's server and resolves with it once it listens; its output goes to `log`. */
async function startServer(port: number, dataDir: string, o: SessionOptions, log: string[]): Promise<ReturnType<typeof spawn>> {
  // detached: the server gets its own process group (setsid), so one kill ends its watchers too.
  const server = spawn(NODE24, [
    SERVER_MAIN, "--host", "127.0.0.1", "--port", String(port), "--without-connection-token",
    "--accept-server-license-terms", "--enable-smoke-test-driver", "--disable-telemetry",
    ...(o.trusted ? ["--disable-workspace-trust"] : []),
    "--user-data-dir", path.join(dataDir, "ud"), "--server-data-dir", path.join(dataDir, "sd"),
    "--extensions-dir", path.join(dataDir, "ext"),
  ], { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...o.env } });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("VS Code server did not start listening")), 60_000);
    server.stdout!.on("data", (d: Buffer) => {
      log.push(`[server] ${d.toString().trimEnd()}`);
      if (/listening on|Web UI available/i.test(d.toString())) (clearTimeout(timer), resolve());
    });
    server.stderr!.on("data", (d: Buffer) => log.push(`[server:err] ${d.toString().trimEnd()}`));
    server.once("exit", (code) => reject(new Error(`VS Code server exited with ${code}`)));
  });
  return server;
}

/** Runs one step the suite asked for and writes its verdict where the suite waits for it. */
function answer(page: Page, o: SessionOptions, log: string[], done: string, name: string, arg: string): void {
  const step = o.steps[name];
  (step ? step(page, arg, log) : Promise.resolve(`unknown step ${name}`))
    .catch(async (e: unknown) => {
      // What the window looked like when the step failed, for the person reading the log.
      await page.screenshot({ path: path.join(RESULTS, `${o.name}-failed-${name}.png`) }).catch(() => undefined);
      return `step ${name} failed: ${e instanceof Error ? e.message : String(e)}`;
    })
    // Written aside and renamed, so the suite's file watcher never sees it half-written.
    .then((verdict) => (writeFileSync(`${done}.tmp`, verdict), renameSync(`${done}.tmp`, done)));
}

/** One VS Code session running `o.suite` in `o.workspace`, until the suite exits (or times out). */
export async function runSession(o: SessionOptions): Promise<Session> {
  const started = Date.now();
  const tmp = mkdtempSync(path.join(tmpdir(), `chainrule-${o.name}-`));
  const log: string[] = [];
  const tests = new Map<string, string>();
  const logFile = path.join(RESULTS, `${o.name}-session.log`);
  let server: ReturnType<typeof spawn> | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    const { suiteDir, ws } = await prepare(o.suite, o.workspace, tmp);
    const port = await freePort();
    if (o.installed) installVsix(o.installed.vsix, path.join(tmp, "data"), log);
    server = await startServer(port, path.join(tmp, "data"), o, log);
    const serverReadyMs = Date.now() - started;

    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
    });
    const page = await browser.newPage({ viewport: o.viewport });
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
      const s = /CHAINRULE_STEP (\S+) (\w+) ?(.*)$/.exec(line);
      if (s) answer(page, o, log, s[1]!, s[2]!, s[3] ?? "");
    });
    // An installed extension is found in --extensions-dir: the payload then only skips the welcome.
    const payload = JSON.stringify([
      ...(o.installed ? [] : [
        ["extensionDevelopmentPath", `vscode-remote://remote${ROOT}`],
        ["extensionTestsPath", `vscode-remote://remote${suiteDir}`],
      ]),
      ["skipWelcome", "true"],
    ]);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    void page.locator(".monaco-workbench").waitFor({ timeout: 60_000 }).then(() => (workbenchMs = Date.now() - started), () => undefined);
    o.onLoad?.(page, log);
    const ctx: DriveContext = { ws, extensionsDir: path.join(tmp, "data/ext"), log, tests };
    const exitCode = await Promise.race([
      o.installed ? o.installed.drive(page, ctx) : exited,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error("in-editor suite did not finish")), SESSION_TIMEOUT_MS).unref()),
    ]);
    return { exitCode, tests, log, logFile, timings: { serverReadyMs, workbenchMs, totalMs: Date.now() - started } };
  } finally {
    await browser?.close().catch(() => undefined);
    if (server?.pid) {
      try {
        process.kill(-server.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(logFile, log.join("\n") + "\n");
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Waits until the animations inside what `el` matches have finished (a hover fades in). */
export async function settled(el: Locator): Promise<void> {
  type Animated = { getAnimations(o: { subtree: boolean }): Array<{ finished: Promise<unknown> }> };
  await el.evaluate((e) => Promise.all((e as unknown as Animated).getAnimations({ subtree: true }).map((a) => a.finished)));
}

/** Takes a screenshot of the window into test-results/. */
export async function photograph(page: Page, file: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}
