// Measures the gradient checker on the seed network at MNIST size (D=784, H=128, K=10): full mode
// for x (784 elements) and W1 (100,352 elements), fast mode for both, and the fixed costs (a
// sandboxed process start, a bundle). Prints `name: value unit` lines; `benchVerify()` returns them.
// Run: node --import tsx bench/verify.ts [--skip-w1-full]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { verify, type CheckResult } from "../src/verify/index";
import { seedAt } from "../test/helpers/seed-at";

const root = path.resolve(__dirname, "..");

export interface BenchLine {
  name: string;
  value: number;
  unit: string;
}

/** The seed with its dims bound to MNIST size, keeping only the x and W1 gradients. */
function mnistSeed(dir: string): string {
  const file = path.join(dir, "seed-mnist.ts");
  writeFileSync(file, seedAt("D=784 H=128 K=10", ["x", "W1"]));
  return file;
}

async function one(file: string, mode: "full" | "fast", only: string): Promise<CheckResult> {
  const { checks } = await verify([file], { cwd: root, mode, timeoutMs: 600_000, gradient: only });
  const c = checks[0];
  if (!c) throw new Error(`no check ${only}`);
  if (c.status !== "pass") throw new Error(`${only} (${mode}) did not pass: ${c.message}`);
  return c;
}

export async function benchVerify(opts: { w1Full?: boolean } = {}): Promise<BenchLine[]> {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-bench-"));
  const out: BenchLine[] = [];
  const line = (name: string, value: number, unit: string) => {
    out.push({ name, value, unit });
    console.log(`${name}: ${Number.isInteger(value) ? value : Number(value.toPrecision(4))} ${unit}`);
  };
  try {
    const file = mnistSeed(dir);
    // Warm-up: builds the worker script once, so the lines below measure checks, not that.
    await one(file, "fast", "dLoss_dx");
    let t0 = performance.now();
    const xFull = await one(file, "full", "dLoss_dx");
    line("seed 784/128/10 dLoss_dx full, whole verify() call", performance.now() - t0, "ms");
    line("seed 784/128/10 dLoss_dx full, check alone", xFull.ms, "ms");
    line("seed 784/128/10 dLoss_dx full forward passes", xFull.forwardPasses ?? 0, "passes");
    line("seed 784/128/10 dLoss_dx full, worker CPU time", xFull.cpuMs ?? NaN, "ms");
    line("seed 784/128/10 forward pass (from x full)", xFull.ms / (xFull.forwardPasses ?? 1), "ms");
    t0 = performance.now();
    const xFast = await one(file, "fast", "dLoss_dx");
    line("seed 784/128/10 dLoss_dx fast, whole verify() call", performance.now() - t0, "ms");
    line("seed 784/128/10 dLoss_dx fast, check alone", xFast.ms, "ms");
    const w1Fast = await one(file, "fast", "dLoss_dW1");
    line("seed 784/128/10 dLoss_dW1 fast, check alone", w1Fast.ms, "ms");
    line("seed 784/128/10 dLoss_dW1 fast forward passes", w1Fast.forwardPasses ?? 0, "passes");
    // What a user gets with the default 10 s timeout: a quick, explained refusal instead of a kill.
    const { checks: refused } = await verify([file], { cwd: root, mode: "full", gradient: "dLoss_dW1" });
    line("seed 784/128/10 dLoss_dW1 full at the default timeout: answered after", refused[0]!.ms, "ms");
    console.log(`  (${refused[0]!.status}: ${refused[0]!.message})`);
    if (opts.w1Full !== false) {
      const w1Full = await one(file, "full", "dLoss_dW1");
      line("seed 784/128/10 dLoss_dW1 full, check alone", w1Full.ms, "ms");
      line("seed 784/128/10 dLoss_dW1 full forward passes", w1Full.forwardPasses ?? 0, "passes");
      line("seed 784/128/10 dLoss_dW1 full, worker CPU time", w1Full.cpuMs ?? NaN, "ms");
      line("seed 784/128/10 dLoss_dW1 full / fast", w1Full.ms / Math.max(1, w1Fast.ms), "x");
    }
    // The process policy: one process per file (fresh after an error) against one per check.
    const seed5 = path.join(root, "examples/seed.ts");
    t0 = performance.now();
    await verify([seed5], { cwd: root });
    line("seed 5 checks, one process for the file", performance.now() - t0, "ms");
    t0 = performance.now();
    for (const g of ["dLoss_dx", "dLoss_dW1", "dLoss_db1", "dLoss_dW2", "dLoss_db2"]) await verify([seed5], { cwd: root, gradient: g });
    line("seed 5 checks, one process (and bundle) per check", performance.now() - t0, "ms");
    // Fixed costs: a small file, one check, cold process each time.
    t0 = performance.now();
    const small = await verify([path.join(root, "test/verify/folder/sub/a.ts")], { cwd: root });
    line("small file, one check, whole verify() call (bundle + process start)", performance.now() - t0, "ms");
    line("small file, one check, in a fresh process", small.checks[0]!.ms, "ms");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (require.main === module) {
  benchVerify({ w1Full: !process.argv.includes("--skip-w1-full") }).catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
