// Start-up, side by side with TypeScript 7's native language server (`tsc --lsp --stdio`, npm
// typescript@7, installed on first use into bench/.tsgo, never as the project's TypeScript):
// process spawn → first diagnostics of a 2,000-line file, then opening a further 2,000-line file →
// its diagnostics, and RSS after both; plus `chainrule --version` and `chainrule check
// examples/seed-bug.ts` as whole processes. Medians of RUNS fresh processes each, and ratios.
// Run: npm run build && node --import tsx bench/startup.ts [--runs 5] [--base DIR] [--flags "V8 FLAGS"]
// --base DIR: also runs DIR/dist/server.js (another checkout's build, e.g. a worktree of the
// commit before a change), interleaved with this one, for before/after numbers from one run;
// --flags: V8 flags for this build's server (to measure a flag before adopting it).

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  DocumentDiagnosticRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { generate } from "./analysis";
import { typescript7 } from "./typescript7";

const ROOT = path.resolve(__dirname, "..");
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const RUNS = Number(arg("runs", "5"));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** tsgo's entry point (bench/typescript7.ts): without it there is nothing to compare with. */
function tsgo(): string {
  const t = typescript7();
  if ("unavailable" in t) throw new Error(`could not install TypeScript 7 for the comparison: ${t.unavailable}`);
  return t.tsc;
}

interface Session {
  firstMs: number;
  secondMs: number;
  /** CPU time (all threads) the server used up to its first diagnostics: less swayed by other load than wall time. */
  firstCpuMs: number;
  /** CPU time from the first diagnostics to the further file's. */
  secondCpuMs: number;
  rss: number;
  diagnostics: number;
}

/** User + system CPU time of a live process, all threads (Linux /proc; 10 ms ticks). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * One fresh server: spawn → initialize → open A → A's diagnostics (pushed, or pulled when the
 * server offers pull diagnostics, as tsgo does) → open B → B's diagnostics.
 */
async function session(command: string[], dir: string, a: string, b: string): Promise<Session> {
  const t0 = performance.now();
  // A code cache of the bench's own: in the user's, another chainrule build's processes on the
  // same machine (a second checkout, another Node's tests) replace this build's cache now and then,
  // and each such start measures a compile from source instead of a start with the cache.
  const env = { ...process.env, CHAINRULE_CACHE_DIR: path.join(dir, "cache") };
  const child = spawn(process.execPath, command, { stdio: ["pipe", "pipe", "ignore"], cwd: dir, env });
  const reader = new StreamMessageReader(child.stdout!);
  reader.partialMessageTimeout = 0; // a half-read message at kill time must not keep this process alive (a re-armed timer)
  const conn: ProtocolConnection = createProtocolConnection(reader, new StreamMessageWriter(child.stdin!));
  const pushed = new Map<string, (n: number) => void>();
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => pushed.get(p.uri)?.(p.diagnostics.length));
  conn.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => null));
  conn.onRequest(RegistrationRequest.type, () => undefined);
  conn.listen();
  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "bench" }],
    capabilities: {
      textDocument: { publishDiagnostics: { versionSupport: true }, diagnostic: { dynamicRegistration: false } },
      workspace: { configuration: true },
    },
    initializationOptions: { debounceMs: 0 },
  });
  const pull = init.capabilities.diagnosticProvider !== undefined;
  await conn.sendNotification(InitializedNotification.type, {});
  const diagnosticsOf = async (file: string): Promise<number> => {
    const uri = pathToFileURL(file).href;
    const got = pull ? undefined : new Promise<number>((resolve) => pushed.set(uri, resolve));
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "typescript", version: 1, text: readFileSync(file, "utf8") },
    });
    if (!pull) return got!;
    const report = await conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
    return report.kind === "full" ? report.items.length : 0;
  };
  const diagnostics = await diagnosticsOf(a);
  const firstMs = performance.now() - t0;
  const firstCpuMs = cpuMs(child.pid!);
  const t1 = performance.now();
  await diagnosticsOf(b);
  const secondMs = performance.now() - t1;
  const secondCpuMs = cpuMs(child.pid!) - firstCpuMs;
  const rss = rssMb(child.pid!);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await conn.sendRequest(ShutdownRequest.type).catch(() => undefined);
  await conn.sendNotification(ExitNotification.type).catch(() => undefined);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  child.kill();
  conn.dispose();
  return { firstMs, secondMs, firstCpuMs, secondCpuMs, rss, diagnostics };
}

function processMs(args: string[], expectStatus: number): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/chainrule.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== expectStatus) throw new Error(`chainrule ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-bench-startup-"));
  // `chainrule` resolves as in a user's project, so tsgo type-checks against the real types.
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(ROOT, path.join(dir, "node_modules/chainrule"), "dir");
  const a = path.join(dir, "model-a.ts");
  const b = path.join(dir, "model-b.ts");
  // One plain type error per file (not a shape error): tsgo's count shows it really type-checked.
  const typeError = `export const notANumber: number = "a string";\n`;
  writeFileSync(a, generate(2000) + typeError);
  writeFileSync(b, generate(2000).replace(/\bloss(\d)/g, "lossB$1").replace(/dLoss/g, "dLossB") + typeError);
  const flags = arg("flags", "").split(" ").filter(Boolean);
  const base = arg("base", "");
  const servers: Array<[string, string[]]> = [
    ["chainrule", [...flags, path.join(ROOT, "dist/server.js"), "--stdio"]],
    ...(base ? [["base", [path.join(path.resolve(base), "dist/server.js"), "--stdio"]] as [string, string[]]] : []),
    ["tsgo", [tsgo(), "--lsp", "--stdio"]],
  ];
  try {
    const results = new Map<string, Session[]>(servers.map(([n]) => [n, []]));
    // One unmeasured start each writes its code cache (3 s in; the session is shorter, so on exit).
    for (const [, cmd] of servers.slice(0, -1)) await session(cmd, dir, a, b);
    // Alternate the servers run by run, so a noisy moment on the shared machine hits both, in an
    // order reversed every other run, with a pause after each: a server started right after
    // tsgo's session measured ~400 ms more wall time (not CPU) than one started after chainrule's,
    // and with a fixed order that was always chainrule.
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 === 0 ? servers : [...servers].reverse();
      for (const [name, cmd] of order) {
        results.get(name)!.push(await session(cmd, dir, a, b));
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const m = (name: string, k: keyof Session) => median(results.get(name)!.map((s) => s[k]));
    console.log(`server start → first diagnostics of a 2,000-line file, then a further file; median of ${RUNS} fresh processes`);
    console.log("  server    | start → first diags | (its CPU time) | open further file | (its CPU time) | RSS    | diagnostics");
    for (const [name] of servers) {
      console.log(`  ${name.padEnd(9)} | ${m(name, "firstMs").toFixed(0).padStart(16)} ms | ${m(name, "firstCpuMs").toFixed(0).padStart(11)} ms | ${m(name, "secondMs").toFixed(0).padStart(14)} ms | ${m(name, "secondCpuMs").toFixed(0).padStart(11)} ms | ${String(m(name, "rss")).padStart(3)} MB | ${m(name, "diagnostics")}`);
    }
    const ratio = (k: keyof Session) => (m("chainrule", k) / m("tsgo", k)).toFixed(2);
    console.log(`  ratio chainrule/tsgo: first ${ratio("firstMs")} (target ≤ 1.0), further file ${ratio("secondMs")} (target ≤ 2.0), RSS ${ratio("rss")}`);

    const version = Array.from({ length: RUNS }, () => processMs(["--version"], 0));
    const check = Array.from({ length: RUNS }, () => processMs(["check", "examples/seed-bug.ts"], 1));
    console.log(`chainrule --version: median ${median(version).toFixed(0)} ms (target ≤ 120); chainrule check examples/seed-bug.ts: median ${median(check).toFixed(0)} ms (target ≤ 400); whole processes, ${RUNS} runs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
