// Issue 13's `check` row: `chainrule check` against TypeScript 7's `tsc --noEmit` on the same
// generated workspace (bench/workspace.ts: 200 files × 500 lines), each a whole process, in
// interleaved rounds (so a busy machine slows both alike), medians of 3, with the ratio. The row
// is chainrule checking every file (`--cache off`; tsc --noEmit keeps nothing either); a run
// whose results all come from its cache (nothing changed) is shown beside it, with its own ratio.
// TypeScript 7 (the native compiler) is installed on first use (bench/typescript7.ts), apart from
// the typescript@6 the project builds with; without it (no network) the row says so.
// Run: node --import tsx bench/check-peers.ts [--files N] [--lines N]

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { typescript7 } from "./typescript7";
import { writeWorkspace } from "./workspace";

const root = path.resolve(__dirname, "..");
const bin = path.join(root, "bin", "chainrule.js");
const ROUNDS = 3;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Run {
  ms: number;
  status: number | null;
  stdout: string;
}

function time(args: string[], env: NodeJS.ProcessEnv): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env });
  return { ms: performance.now() - t0, status: r.status, stdout: r.stdout + (r.status !== 0 && r.status !== 1 ? r.stderr : "") };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const files = arg("files", 200);
const lines = arg("lines", 500);
const dir = mkdtempSync(path.join(tmpdir(), "chainrule-bench-peers-"));
try {
  const ws = writeWorkspace(dir, path.join(root, "dist", "lib", "runtime", "index.d.ts"), files, lines);
  const peer = typescript7();
  const tsc6 = path.join(root, "node_modules", "typescript", "bin", "tsc");
  // chainrule's own cache folder, so that no earlier run's results (or code cache) count.
  const env = { ...process.env, CHAINRULE_CACHE_DIR: path.join(dir, ".chainrule-cache") };
  // A build from before `--cache` and `--jobs` (to measure what changed) is timed alone.
  const flags = time([bin, "check", "--help"], env).stdout;
  const cacheFlag = flags.includes("--cache");
  const off = cacheFlag ? ["--cache", "off"] : [];
  const tools: Array<{ name: string; args: string[]; expect: number }> = [
    { name: "chainrule check", args: [bin, "check", dir, ...off], expect: 1 },
    ...(flags.includes("--jobs") ? [{ name: "chainrule check --jobs 2", args: [bin, "check", dir, ...off, "--jobs", "2"], expect: 1 }] : []),
    // Every file's findings reused from the run before (its warm-up, or the previous round).
    ...(cacheFlag ? [{ name: "chainrule check, cached", args: [bin, "check", dir], expect: 1 }] : []),
    ...("tsc" in peer ? [{ name: "tsc 7 --noEmit", args: [peer.tsc, "--noEmit", "-p", dir], expect: 0 }] : []),
    { name: "tsc 6 --noEmit", args: [tsc6, "--noEmit", "-p", dir], expect: 0 },
  ];
  // One untimed run each: the OS caches the files, chainrule writes its code cache.
  for (const t of tools) {
    const r = time(t.args, env);
    if (r.status !== t.expect) throw new Error(`${t.name}: exit ${r.status}, expected ${t.expect}\n${r.stdout.slice(0, 2000)}`);
  }
  const times = new Map(tools.map((t) => [t.name, [] as number[]]));
  const outputs = new Map<string, string>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of tools) {
      const r = time(t.args, env);
      if (r.status !== t.expect) throw new Error(`${t.name}: exit ${r.status}, expected ${t.expect}`);
      if (t.name.startsWith("chainrule")) outputs.set(t.name, r.stdout);
      times.get(t.name)!.push(r.ms);
    }
  }
  const out = outputs.get("chainrule check")!;
  for (const [name, o] of outputs) if (o !== out) throw new Error(`${name} printed something else than chainrule check`);
  const summary = out.trim().split("\n").pop()!;
  const withProblems = Number(/in (\d+) files?/.exec(summary)?.[1]);
  if (withProblems !== ws.buggy.length) throw new Error(`expected findings in the ${ws.buggy.length} modules with a bug, got: ${summary}`);
  console.log(`workspace: ${files} files × ${lines} lines (${(files * lines).toLocaleString("en-US")} lines), ${summary}`);
  console.log(`whole processes, ${ROUNDS} interleaved rounds after one warm-up each, medians:`);
  for (const t of tools) console.log(`  ${t.name.padEnd(26)} ${s(median(times.get(t.name)!))}   (${times.get(t.name)!.map((x) => s(x)).join(", ")})`);
  const ours = median(times.get("chainrule check")!);
  const cached = times.has("chainrule check, cached") ? median(times.get("chainrule check, cached")!) : undefined;
  const row = `check, ${files} × ${lines}-line workspace`;
  if ("tsc" in peer) {
    const theirs = median(times.get("tsc 7 --noEmit")!);
    console.log(`${row}, every file checked: chainrule ${s(ours)}, TypeScript 7 tsc --noEmit ${s(theirs)}, ratio ${(ours / theirs).toFixed(2)}× (target ≤ 1.0×)`);
    if (cached !== undefined) console.log(`${row}, unchanged since the last run (cache): chainrule ${s(cached)}, TypeScript 7 tsc --noEmit ${s(theirs)}, ratio ${(cached / theirs).toFixed(2)}×`);
  } else console.log(`${row}: chainrule ${s(ours)}${cached !== undefined ? `, cached ${s(cached)}` : ""}; TypeScript 7 unavailable, no ratio: ${peer.unavailable}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
