// Analyzer benchmark: a generated 2,000-line DSL file in the seed's style (a few functions with
// errors); cold analysis, warm analysis, and re-analysis after one-character edits inside one
// function, against ts.updateSourceFile of the same edits measured in the same run.

import { ts } from "ts-morph";
import { Workspace } from "../src/analysis/workspace";
import { textChange } from "../src/analysis/file-state";

const HEADER = `import { Tensor, sigmoid, softmax, crossEntropy, sub } from "chainrule";\n\n`;

function pair(i: number, buggy: boolean): string {
  const mid = buggy ? "matmul" : "mul";
  return `export function loss${i}(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return crossEntropy(yhat, y);
}

/** @gradient loss${i} x */
export function dLoss${i}_dx(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                         W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  const delta = yhat.sub(y).matmul(W2.T);
  const back = delta.${mid}(h.mul(sub(1, h)));
  return back.matmul(W1.T);
}

/** @gradient loss${i} W2 */
export function dLoss${i}_dW2(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(loss${i === 0 ? 0 : i - 1}(x, W1, b1, W2, b2, y).add(x.matmul(W1)).add(b1));
  return h.T.matmul(softmax(h.matmul(W2).add(b2)).sub(y));
}

`;
}

export function generate(lines = 2000): string {
  let text = HEADER;
  let i = 0;
  while (text.split("\n").length < lines) text += pair(i, i % 15 === 7), i++;
  return text;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function benchAnalysis(edits = 100): Promise<Record<string, number>> {
  const file = "/bench/model.ts";
  const base = generate();
  const lines = base.split("\n").length;

  let t0 = process.hrtime.bigint();
  const ws = new Workspace({ readFile: () => undefined });
  ws.update(file, base);
  const cold = ws.analyze(file);
  const coldMs = ms(t0);

  t0 = process.hrtime.bigint();
  ws.analyze(file);
  const warmMs = ms(t0);

  // The first analysis in a process pays for JIT warm-up of the TS parser; a language server pays
  // that once. A second workspace shows the steady-state cost of a cold file.
  t0 = process.hrtime.bigint();
  const ws2 = new Workspace({ readFile: () => undefined });
  ws2.update(file, base);
  ws2.analyze(file);
  const coldWarmJitMs = ms(t0);

  // Edits: insert a character inside a random function body (turning `delta.mul(` into
  // `delta.xmul(`, so that function's shapes really change), then remove it again, alternately.
  const texts: string[] = [];
  const bodies = [...base.matchAll(/const back = delta\.(mul|matmul)\(/g)].map((m) => m.index! + "const back = delta.".length);
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
  const warmup = 20;
  let text = base;
  let last = 0;
  for (let k = 0; k < edits + warmup; k++) {
    if (k % 2 === 0) {
      last = bodies[Math.floor(rand() * bodies.length)]!;
      text = text.slice(0, last) + "x" + text.slice(last);
      bodies.forEach((b, j) => (bodies[j] = b > last ? b + 1 : b));
    } else {
      text = text.slice(0, last) + text.slice(last + 1);
      bodies.forEach((b, j) => (bodies[j] = b > last ? b - 1 : b));
    }
    texts.push(text);
  }

  // The same edits, first through ts.updateSourceFile alone (the floor), then through the analyzer.
  const update: number[] = [];
  let sf = ts.createSourceFile(file, base, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let prev = base;
  texts.forEach((next, k) => {
    const t = process.hrtime.bigint();
    sf = ts.updateSourceFile(sf, next, textChange(prev, next));
    if (k >= warmup) update.push(ms(t));
    prev = next;
  });

  const reanalysis: number[] = [];
  const before = { ...ws.stats };
  texts.forEach((next, k) => {
    const t = process.hrtime.bigint();
    ws.update(file, next);
    ws.analyze(file);
    if (k >= warmup) reanalysis.push(ms(t));
  });
  const p50 = percentile(reanalysis, 50);
  const u50 = percentile(update, 50);
  return {
    lines,
    diagnostics: cold.diagnostics.length,
    coldMs,
    coldWarmJitMs,
    warmMs,
    editP50Ms: p50,
    editP95Ms: percentile(reanalysis, 95),
    updateSourceFileP50Ms: u50,
    updateSourceFileP95Ms: percentile(update, 95),
    ratioP50: p50 / u50,
    unitsAnalyzedPerEdit: (ws.stats.analyzed - before.analyzed) / (edits + warmup),
  };
}

if (require.main === module) {
  benchAnalysis().then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(24)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
