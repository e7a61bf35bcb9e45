// chainrule verify beside its NumPy peer (bench/numpy_gradcheck.py) on the seed network at MNIST
// size (D=784, H=128, K=10), as the table of issue 13 measures them: whole processes (the built
// CLI, `node bin/chainrule.js verify`, against `python3 numpy_gradcheck.py`), the same central
// differences, medians of 3, runs of the two interleaved so that background load hits both alike.
// Run: node --import tsx bench/verify-peers.ts [--w1-once] [--no-build] [--against DIR]
//   --w1-once      W1 full mode once each instead of 3 times (about 15 s a round)
//   --no-build     use dist/ as it is (by default it is rebuilt first, so it measures these sources)
//   --against DIR  also time the chainrule checked out at DIR (dist/ built), interleaved: before/after

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { seedAt } from "../test/helpers/seed-at";

const root = path.resolve(__dirname, "..");

interface Work {
  name: string;
  param: "x" | "W1";
  mode: "full" | "fast";
  reps: number;
}

/** The seed with one gradient left, bound to MNIST size: one check per process, as the table has it. */
function seedFile(dir: string, param: "x" | "W1"): string {
  const file = path.join(dir, `seed-${param}.ts`);
  writeFileSync(file, seedAt("D=784 H=128 K=10", [param]));
  return file;
}

/** Wall time of a whole process in ms, and its stdout; throws when it fails. */
function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { ms: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 1 << 24 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return { ms, out: r.stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function numpyAvailable(): string | null {
  const r = spawnSync("python3", [path.join(root, "bench/numpy_gradcheck.py"), "--param", "x", "--mode", "fast", "--D", "4", "--H", "3", "--K", "2"], { encoding: "utf8" });
  if (r.error) return "skipped: no python3";
  if (/skipped: no numpy/.test(r.stdout)) return "skipped: no numpy";
  return r.status === 0 ? null : `skipped: the NumPy script failed (${r.stderr.trim().split("\n").pop()})`;
}

export function benchVerifyPeers(opts: { w1Once?: boolean; build?: boolean; against?: string } = {}): void {
  if (opts.build !== false) execFileSync(process.execPath, [path.join(root, "scripts/build.mjs")], { cwd: root, stdio: "ignore" });
  const skip = numpyAvailable();
  if (skip) console.log(`NumPy peer ${skip}; chainrule alone:`);
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-peers-"));
  try {
    const files = { x: seedFile(dir, "x"), W1: seedFile(dir, "W1") };
    const works: Work[] = [
      { name: "verify ∂loss/∂x, full mode (1,568 passes)", param: "x", mode: "full", reps: 3 },
      { name: "verify ∂loss/∂x, fast mode", param: "x", mode: "fast", reps: 3 },
      { name: "verify ∂loss/∂W1, full mode (200,704 passes)", param: "W1", mode: "full", reps: opts.w1Once ? 1 : 3 },
    ];
    const cli = path.join(root, "bin/chainrule.js");
    // The other checkout gets a code cache of its own: sharing one, each would prune the other's.
    const env = (bin: string) => (bin === cli ? process.env : { ...process.env, CHAINRULE_CACHE_DIR: path.join(dir, "cache-against") });
    const run = (bin: string, w: Work) => {
      const r = timed(process.execPath, [bin, "verify", path.basename(files[w.param]), "--mode", w.mode, "--timeout", "600000"], dir, env(bin));
      if (!/ - pass /.test(r.out)) throw new Error(`chainrule (${bin}) did not pass ${w.name}: ${r.out}`);
      return r.ms;
    };
    for (const w of works) {
      const ours: number[] = [];
      const theirs: number[] = [];
      const before: number[] = [];
      for (let i = 0; i < w.reps; i++) {
        if (opts.against) before.push(run(path.join(path.resolve(opts.against), "bin/chainrule.js"), w));
        ours.push(run(cli, w));
        if (skip) continue;
        const n = timed("python3", [path.join(root, "bench/numpy_gradcheck.py"), "--param", w.param, "--mode", w.mode], dir);
        if (!/: pass /.test(n.out)) throw new Error(`NumPy did not pass ${w.name}: ${n.out}`);
        theirs.push(n.ms);
      }
      const runs = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(", ");
      const of = w.reps === 1 ? "1 run" : `median of ${w.reps}`;
      if (opts.against) console.log(`${w.name}: chainrule at ${opts.against} ${sec(median(before))} (${of}: ${runs(before)})`);
      if (skip) console.log(`${w.name}: chainrule ${sec(median(ours))} (${of}: ${runs(ours)})`);
      else {
        const ratio = median(ours) / median(theirs);
        console.log(`${w.name}: chainrule ${sec(median(ours))}, NumPy ${sec(median(theirs))}, ratio ${ratio.toFixed(2)}× (${of}; chainrule ${runs(ours)}; NumPy ${runs(theirs)})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    const at = process.argv.indexOf("--against");
    benchVerifyPeers({
      w1Once: process.argv.includes("--w1-once"), build: !process.argv.includes("--no-build"),
      ...(at > 0 && process.argv[at + 1] ? { against: process.argv[at + 1] } : {}),
    });
  } catch (e) {
    console.error(e);
    process.exitCode = 1;
  }
}
