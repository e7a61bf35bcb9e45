// DSL v2 benchmark: what dim expressions cost the analyzer. Normalising a dim string (cold parse
// and the cached path every annotation takes), the shape rules that compute with expressions
// (concat, reshape, slice), and analysing a 2,000-line file of v2 code (attention, layer-norm,
// gated units) against the seed-style file of bench/analysis.ts, with the ratio.
import { Workspace } from "../src/analysis/workspace";
import { getOp } from "../src/ops/catalog";
import { normalizeDim } from "../src/shape/dim";
import { generate as seedStyle } from "./analysis";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median ns per call of `f` over `rounds` rounds of `n` calls. */
function nsPerCall(f: (i: number) => unknown, n = 20000, rounds = 9): number {
  for (let i = 0; i < n; i++) f(i);
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f(i);
    times.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return median(times);
}

const V2 = (i: number) => `
export function block${i}(x: Tensor<["B", "T", "D"]>, Wq: Tensor<["D", "d"]>, Wk: Tensor<["D", "d"]>, Wv: Tensor<["D", "d"]>,
                          gamma: Tensor<[1, 1, "D"]>, W: Tensor<["D+H", "2*H"]>, h: Tensor<["B", "H"]>) {
  const q = x.matmul(Wq);
  const k = x.matmul(Wk);
  const p = softmax(matmul(q, transpose(k, [0, 2, 1])).mul(0.125), -1);
  const att = p.matmul(x.matmul(Wv));
  const mu = mean(x, -1);
  const sd = sqrt(variance(x, -1).add(1e-5));
  const ln = x.sub(mu).div(sd).mul(gamma);
  const last = slice(ln, 1, -1).reshape(["B", "D"]);
  const z = concat([last, h], 1).matmul(W);
  const gate = sigmoid(slice(z, 1, "H", "2*H")).mul(tanh(slice(z, 1, 0, "H")));
  return sum(where(gt(gate, 0), gate, 0)).add(max(att)).add(sum(ln.reshape(["B*T", "D"])));
}
`;

function v2File(lines = 2000): string {
  let text = `import { Tensor, matmul, transpose, softmax, mean, variance, sqrt, slice, concat, sigmoid, tanh, sum, where, gt, max } from "chainrule";\n`;
  for (let i = 0; text.split("\n").length < lines; i++) text += V2(i);
  return text;
}

function analyseMs(text: string): { ms: number; diagnostics: number } {
  // One warm-up workspace, so both files are measured with the parser's JIT warm.
  new Workspace({ readFile: () => undefined }).update("/w.ts", text);
  const times: number[] = [];
  let diagnostics = 0;
  for (let r = 0; r < 5; r++) {
    const ws = new Workspace({ readFile: () => undefined });
    const t0 = process.hrtime.bigint();
    ws.update("/b.ts", text);
    diagnostics = ws.analyze("/b.ts").diagnostics.length;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), diagnostics };
}

const fresh = Array.from({ length: 20000 }, (_, i) => `B${i}*T + ${i % 7}*H - K${i % 13}`);
const concat = getOp("concat")!;
const reshape = getOp("reshape")!;
const slice = getOp("slice")!;
const v2 = analyseMs(v2File());
const seed = analyseMs(seedStyle());
const rows: Array<[string, number | string]> = [
  ["normalizeDim, cold (ns)", nsPerCall((i) => normalizeDim(fresh[i % fresh.length]!), fresh.length, 1)],
  ["normalizeDim, cached (ns)", nsPerCall(() => normalizeDim("T*B + 2*H"))],
  ["concat rule, symbolic (ns)", nsPerCall(() => concat.shape([[1, "H"], [1, "K"], [1, "2*H"]], { axis: 1 }))],
  ["reshape rule, symbolic (ns)", nsPerCall(() => reshape.shape([["B", "T", "D"]], { shape: ["B*T", "D"] }))],
  ["slice rule, symbolic (ns)", nsPerCall(() => slice.shape([[1, "2*H"]], { axis: 1, start: "H", end: "2*H" }))],
  ["v2 file, full analysis (ms)", v2.ms],
  ["seed-style file, full analysis (ms)", seed.ms],
  ["ratio v2 / seed-style", v2.ms / seed.ms],
  ["v2 file diagnostics", v2.diagnostics],
];
for (const [k, v] of rows) console.log(`${k.padEnd(38)} ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : v}`);
