// Language-server load benchmark (issue 14's target): 20 open files, each edited at 50 edits/s
// for a few seconds, in bursts. For every file and burst: the time from its last edit to the
// publishDiagnostics for its newest version (target: p99 ≤ 2 s), and, during the bursts, the
// longest any file waited between two publishes. Prints medians and percentiles, never asserts.
// Run: npm run build && node --import tsx bench/lsp-load.ts [--files 20] [--rate 50] [--seconds 4] [--bursts 3]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LspClient } from "../test/protocol/harness";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FILES = arg("files", 20);
const RATE = arg("rate", 50);
const SECONDS = arg("seconds", 4);
const BURSTS = arg("bursts", 3);

function source(i: number): string {
  const lines = [`import { Tensor, sigmoid, softmax, crossEntropy, sub } from "chainrule";`, ""];
  for (let k = 0; k < 6; k++) {
    lines.push(
      `export function loss${i}_${k}(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>, W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {`,
      `  const h = sigmoid(x.matmul(W1).add(b1));`,
      `  const yhat = softmax(h.matmul(W2).add(b2));`,
      `  return crossEntropy(yhat, y);`,
      `}`,
      `/** @gradient loss${i}_${k} x */`,
      `export function d${i}_${k}(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>, W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {`,
      `  // edits land here`,
      `  const h = sigmoid(x.matmul(W1).add(b1));`,
      `  return softmax(h.matmul(W2).add(b2)).sub(y).matmul(W2.T).mul(h.mul(sub(1, h))).matmul(W1.T);`,
      `}`,
    );
  }
  return lines.join("\n") + "\n";
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-load-"));
  const client = await LspClient.start();
  const uris: string[] = [];
  const lastPublish = new Map<string, number>();
  let maxGap = 0;
  let storming = false;
  try {
    for (let i = 0; i < FILES; i++) {
      const file = path.join(dir, `f${i}.ts`);
      writeFileSync(file, source(i));
      const uri = pathToFileURL(file).href;
      uris.push(uri);
      await client.open(uri, source(i));
    }
    await Promise.all(uris.map((u) => client.diagnosticsFor(u, 1)));
    // Gaps between publishes per file, while edits keep coming.
    const watch = setInterval(() => {
      if (!storming) return;
      const now = performance.now();
      for (const u of uris) maxGap = Math.max(maxGap, now - (lastPublish.get(u) ?? now));
    }, 50);
    let seen = client.diagnostics.all.length;
    const poll = setInterval(() => {
      for (; seen < client.diagnostics.all.length; seen++) lastPublish.set(client.diagnostics.all[seen]!.uri, performance.now());
    }, 5);
    const latencies: number[] = [];
    for (let b = 0; b < BURSTS; b++) {
      const lastEdit = new Map<string, { at: number; version: number }>();
      const t0 = performance.now();
      for (const u of uris) lastPublish.set(u, t0);
      storming = true;
      const interval = 1000 / RATE;
      let tick = 0;
      // Every file gets an edit each tick; ticks are spaced so each file sees RATE edits a second.
      while (performance.now() - t0 < SECONDS * 1000) {
        for (const [i, u] of uris.entries()) {
          const line = 2 + (tick % 6) * 11 + 7;
          const insert = (tick + i) % 2 === 0;
          const version = await client.change(u, [
            insert ? { range: { start: { line, character: 19 }, end: { line, character: 19 } }, text: "x" } : { range: { start: { line, character: 19 }, end: { line, character: 20 } }, text: "" },
          ]);
          lastEdit.set(u, { at: performance.now(), version });
        }
        tick++;
        const next = t0 + tick * interval;
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      storming = false;
      await Promise.all(
        uris.map(async (u) => {
          const { at, version } = lastEdit.get(u)!;
          await client.diagnosticsFor(u, version);
          latencies.push(performance.now() - at);
        }),
      );
      // Leave every file in its original text for the next burst (an even number of toggles).
    }
    clearInterval(watch);
    clearInterval(poll);
    console.log(`${FILES} files × ${RATE} edits/s × ${SECONDS} s, ${BURSTS} bursts: time from a file's last edit to diagnostics for its newest version`);
    console.log(`  p50 ${pct(latencies, 50).toFixed(0)} ms   p90 ${pct(latencies, 90).toFixed(0)} ms   p99 ${pct(latencies, 99).toFixed(0)} ms   max ${Math.max(...latencies).toFixed(0)} ms   (target p99 ≤ 2000 ms)`);
    console.log(`  longest wait between two publishes of one file during the bursts: ${maxGap.toFixed(0)} ms`);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
