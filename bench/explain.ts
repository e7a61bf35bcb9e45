// Explain the chain, as users meet it: `chainrule explain` on the seed network as a process (the
// issue's target: under 1 s), the derivation in process for the seed and a 30-value function, the
// hover on a @gradient function's name over LSP (target: under 100 ms warm), and the culprit search
// of a failed check. Medians and percentiles; the machine is shared, so read ratios, not single runs.
// Run: npm run build && node --import tsx bench/explain.ts

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Workspace } from "../src/analysis/workspace";
import { findCulprit } from "../src/explain/culprit";
import { emitGradient } from "../src/explain/emit";
import { explainFunction } from "../src/explain/explain";
import { discoverChecks } from "../src/verify/discover";
import { LspClient, positionOf } from "../test/protocol/harness";

const ROOT = path.resolve(__dirname, "..");
const bin = path.join(ROOT, "bin", "chainrule.js");
const SEED = path.join(ROOT, "examples/seed.ts");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
function time(f: () => void, n: number): number[] {
  return Array.from({ length: n }, () => {
    const t = performance.now();
    f();
    return performance.now() - t;
  });
}

/** Five layers, weight decay and a squared error: over 30 values (the chain view's readability case). */
const DEEP = `import { Tensor, tanh, sigmoid, relu, exp, sum, mean } from "chainrule";
export function deep(x: Tensor<["N", "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>, W2: Tensor<["H", "H"]>, b2: Tensor<[1, "H"]>,
                     W3: Tensor<["H", "H"]>, b3: Tensor<[1, "H"]>, W4: Tensor<["H", "H"]>, b4: Tensor<[1, "H"]>, W5: Tensor<["H", "K"]>, b5: Tensor<[1, "K"]>, y: Tensor<["N", "K"]>) {
  const h1 = tanh(x.matmul(W1).add(b1));
  const h2 = tanh(h1.matmul(W2).add(b2)).add(h1);
  const h3 = sigmoid(h2.matmul(W3).add(b3)).mul(h2);
  const h4 = relu(h3.matmul(W4).add(b4));
  const e = exp(h4.matmul(W5).add(b5)).sub(y);
  return mean(e.mul(e)).add(sum(W1.mul(W1)).add(sum(W5.mul(W5))).mul(0.01));
}
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-bench-explain-"));
  try {
    // 1. The CLI as a user runs it: a fresh process each time.
    const cli = (args: string[]) => {
      const t = performance.now();
      const r = spawnSync(process.execPath, [bin, "explain", ...args], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
      return performance.now() - t;
    };
    const cold = cli([SEED, "loss", "x"]);
    const warm = Array.from({ length: 5 }, () => cli([SEED, "loss", "x"]));
    const emit = Array.from({ length: 5 }, () => cli([SEED, "loss", "--emit"]));
    const version = Array.from({ length: 3 }, () => {
      const t = performance.now();
      spawnSync(process.execPath, [bin, "--version"]);
      return performance.now() - t;
    });
    console.log(`chainrule explain examples/seed.ts loss x (whole process): cold ${cold.toFixed(0)} ms, warm median ${median(warm).toFixed(0)} ms (target < 1000 ms)`);
    console.log(`chainrule explain examples/seed.ts loss --emit (every parameter, code checked before it is printed): median ${median(emit).toFixed(0)} ms`);
    console.log(`  of which process start + CLI load (chainrule --version): median ${median(version).toFixed(0)} ms`);

    // 2. In process: the derivation itself, once the analyzer has the file.
    const deepFile = path.join(dir, "deep.ts");
    writeFileSync(deepFile, DEEP);
    for (const [label, file, fn] of [["seed, ∂loss/∂x", SEED, "loss"], ["30-value function, every parameter", deepFile, "deep"]] as const) {
      const ws = new Workspace();
      const first = time(() => explainFunction(ws, { file, fn, params: fn === "loss" ? ["x"] : [] }), 1)[0]!;
      const again = time(() => explainFunction(ws, { file, fn, params: fn === "loss" ? ["x"] : [] }), 50);
      const emitted = time(() => emitGradient(ws, explainFunction(ws, { file, fn })), 10);
      console.log(`explain in process, ${label}: first ${first.toFixed(1)} ms (analysis included), then median ${median(again).toFixed(2)} ms; with --emit median ${median(emitted).toFixed(1)} ms`);
    }

    // 3. The culprit of a failed check, as verify computes it for each failure.
    const wrong = path.join(ROOT, "test/explain/wrong.ts");
    const ws = new Workspace();
    const checks = discoverChecks(wrong, { seed: 1, mode: "full", display: "wrong.ts", workspace: ws });
    const culprit = time(() => checks.forEach((c) => findCulprit(ws, wrong, c.spec, c.spec.wrt)), 5);
    console.log(`culprit search: ${checks.length} failed checks of test/explain/wrong.ts, median ${(median(culprit) / checks.length).toFixed(1)} ms per check`);

    // 4. The hover on a @gradient function's name, over LSP.
    const text = readFileSync(SEED, "utf8");
    const uri = pathToFileURL(path.join(dir, "seed.ts")).href;
    writeFileSync(path.join(dir, "seed.ts"), text);
    const client = await LspClient.start({ initializationOptions: { debounceMs: 0 } });
    try {
      await client.open(uri, text);
      await client.diagnosticsFor(uri, 1);
      const at = positionOf(text, "dLoss_dx");
      const hover = async () => {
        const t = performance.now();
        const h = await client.hover(uri, at.line, at.character + 2);
        if (!JSON.stringify(h).includes("∂loss/∂x")) throw new Error("no derivation in the hover");
        return performance.now() - t;
      };
      const firstHover = await hover();
      const warmHover: number[] = [];
      for (let i = 0; i < 50; i++) warmHover.push(await hover());
      // After an edit elsewhere in the file: the analysis and the derivation are redone.
      const edited: number[] = [];
      const line = text.split("\n").findIndex((l) => l.includes("return yhat.sub(y);"));
      for (let i = 0; i < 20; i++) {
        const v = await client.change(uri, [{ range: { start: { line, character: 2 }, end: { line, character: 2 } }, text: i % 2 ? "" : " " }]);
        await client.diagnosticsFor(uri, v);
        edited.push(await hover());
      }
      console.log(`hover on dLoss_dx (LSP round trip): first ${firstHover.toFixed(1)} ms, warm p50 ${percentile(warmHover, 50).toFixed(1)} ms p95 ${percentile(warmHover, 95).toFixed(1)} ms (target < 100 ms); after an edit p50 ${percentile(edited, 50).toFixed(1)} ms`);
    } finally {
      await client.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
