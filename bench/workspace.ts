// A generated DSL workspace for whole-workspace benchmarks (issue 13: `chainrule check` against
// `tsc --noEmit`): `files` modules of exactly `lines` lines each, in the style of examples/ and
// test/fixtures/real/ — layers as classes with forward/backward over cached inputs, shape-generic
// helpers, RNN loops, seed-style loss/@gradient pairs, training loops and math templates — each
// module importing helpers and classes of earlier ones, so the analysis follows calls across
// files. Deterministic (the same text for the same arguments), valid TypeScript for tsc, and with
// a few real shape bugs so that the check has findings to report.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const FOLDERS = ["layers", "models", "train", "util"];

/** Where module `i` lives, relative to the workspace root, without the extension. */
export function modulePath(i: number): string {
  return `src/${FOLDERS[i % FOLDERS.length]}/m${i}`;
}

function relImport(from: number, to: number): string {
  const rel = path.posix.relative(path.posix.dirname(modulePath(from)), modulePath(to));
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** The earlier modules that module `i` imports from (none for the first). */
function importsOf(i: number): number[] {
  return [...new Set([i - 1, i - 7, Math.floor(i / 2)].filter((j) => j >= 0 && j < i))];
}

/** Which bug, if any, module `i` carries; about one module in twelve has one. */
type Bug = "matmul-for-mul" | "missing-transpose" | "loop-broadcast" | "helper-arg";
/** The round (the `k` of the blocks) that carries each kind of bug. */
const BUG_ROUND: Record<Bug, number> = { "matmul-for-mul": 1, "missing-transpose": 0, "loop-broadcast": 0, "helper-arg": 0 };
function bugOf(i: number): Bug | undefined {
  if (i % 23 === 7) return "matmul-for-mul";
  if (i % 37 === 11) return "missing-transpose";
  if (i % 41 === 19) return "loop-broadcast";
  if (i % 47 === 29) return "helper-arg";
  return undefined;
}

const HEADER = `import { Tensor, sigmoid, tanh, relu, softmax, crossEntropy, sub, mul, zeros, randn, sum, mean, t } from "chainrule";`;

function helpers(i: number): string {
  return `
/** A dense layer's pre-activation, shared by the modules that import this one. */
export function affine${i}(x: Tensor<["N", "D"]>, W: Tensor<["D", "H"]>, b: Tensor<[1, "H"]>) {
  const z = x.matmul(W).add(b);
  return z;
}

/** A gate whose result has its argument's shape, inferred per call. */
export const gate${i} = (v: Tensor) => sigmoid(v).mul(v);

/** Standardises each row: shape-generic over the rows. */
export function standardize${i}(v: Tensor<["N", "H"]>) {
  const mu = mean(v, 1);
  const centred = v.sub(mu);
  const spread = mean(centred.mul(centred), 1).add(1e-5).sqrt();
  return centred.div(spread);
}
`;
}

function layerClass(i: number, k: number, bug: Bug | undefined, dep: number | undefined): string {
  const pre = dep === undefined ? "x.matmul(this.W).add(this.b)" : `affine${dep}(x, this.W, this.b)`;
  const dW = bug === "missing-transpose" && k === BUG_ROUND[bug] ? "this.x.matmul(dz)" : "this.x.T.matmul(dz)";
  return `
export class Layer${i}_${k} {
  W: Tensor<["D", "H"]>;
  b: Tensor<[1, "H"]>;
  x!: Tensor<["N", "D"]>;
  out!: Tensor<["N", "H"]>;

  constructor() {
    this.W = randn(["D", "H"]);
    this.b = zeros([1, "H"]);
  }

  forward(x: Tensor<["N", "D"]>) {
    this.x = x;
    const z = ${pre};
    this.out = tanh(z);
    return this.out;
  }

  backward(g: Tensor<["N", "H"]>) {
    const dz = g.mul(sub(1, this.out.mul(this.out)));
    const dW = ${dW};
    const db = sum(dz, 0);
    const dx = dz.matmul(this.W.T);
    return { dx, dW, db };
  }

  step(dW: Tensor<["D", "H"]>, db: Tensor<[1, "H"]>, lr: number) {
    this.W = this.W.sub(dW.mul(lr));
    this.b = this.b.sub(db.mul(lr));
  }
}
`;
}

function rnn(i: number, k: number, bug: Bug | undefined): string {
  const rec = bug === "loop-broadcast" && k === BUG_ROUND[bug] ? "Wh.mul(h)" : "h.matmul(Wh)";
  return `
export function rnn${i}_${k}(xs: Tensor<[1, "D"]>[], Wx: Tensor<["D", "H"]>, Wh: Tensor<["H", "H"]>, b: Tensor<[1, "H"]>) {
  let h = zeros([1, "H"]);
  const hs: Tensor<[1, "H"]>[] = [];
  for (const x of xs) {
    h = tanh(x.matmul(Wx).add(${rec}).add(b));
    hs.push(h);
  }
  const last = h;
  return { last, hs };
}

export function bptt${i}_${k}(xs: Tensor<[1, "D"]>[], hs: Tensor<[1, "H"]>[], dhs: Tensor<[1, "H"]>[], Wh: Tensor<["H", "H"]>) {
  let dWh = mul(0, Wh);
  let dnext = mul(0, hs[0]!);
  for (let s = xs.length - 1; s >= 1; s--) {
    const dh = dhs[s]!.add(dnext);
    const dz = dh.mul(sub(1, hs[s]!.mul(hs[s]!)));
    dWh = dWh.add(hs[s - 1]!.T.matmul(dz));
    dnext = dz.matmul(Wh.T);
  }
  return { dWh, dnext };
}
`;
}

function lossPair(i: number, k: number, bug: Bug | undefined): string {
  const mid = bug === "matmul-for-mul" && k === BUG_ROUND[bug] ? "matmul" : "mul";
  return `
export function loss${i}_${k}(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return crossEntropy(yhat, y);
}

/** @gradient loss${i}_${k} x */
export function dLoss${i}_${k}_dx(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                         W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  const delta = yhat.sub(y).matmul(W2.T);
  const back = delta.${mid}(h.mul(sub(1, h)));
  return back.matmul(W1.T);
}

/** @gradient loss${i}_${k} W2 */
export function dLoss${i}_${k}_dW2(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return h.T.matmul(yhat.sub(y));
}
`;
}

function templates(i: number, k: number): string {
  return `
/** @gradient loss${i}_${k} x */
export function dLoss${i}_${k}_dx_math(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                              W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = t\`σ(\${x} @ \${W1} + \${b1})\`;
  const yhat = t\`softmax(\${h} @ \${W2} + \${b2})\`;
  return t\`(\${yhat} - \${y}) @ \${W2}ᵀ ⊙ \${h} ⊙ (1 - \${h}) @ \${W1}ᵀ\`;
}
`;
}

function model(i: number, k: number, bug: Bug | undefined, deps: number[]): string {
  const uses = deps.map((d, n) => `  const h${n} = standardize${d}(gate${d}(affine${d}(x, W, b)));\n`).join("");
  const mixed = deps.length ? deps.map((_, n) => `h${n}`).reduce((a, b) => `${a}.add(${b})`) : "relu(x.matmul(W).add(b))";
  const arg = bug === "helper-arg" && k === BUG_ROUND[bug] && deps.length ? `  const wrong = affine${deps[0]}(x, W.T, b);\n` : "";
  const layer = deps.length ? `  const layer = new Layer${deps[0]}_0();\n  const out = layer.forward(x);\n  const { dx, dW } = layer.backward(out);\n` : "  const dx = x;\n  const dW = W;\n";
  return `
export function model${i}_${k}(x: Tensor<["N", "D"]>, W: Tensor<["D", "H"]>, b: Tensor<[1, "H"]>, V: Tensor<["H", "K"]>) {
${uses}${arg}  const mixed = ${mixed};
${layer}  const scores = softmax(mixed.matmul(V));
  const attn = softmax(mixed.matmul(mixed.T).div(Math.sqrt(16)));
  const ctx = attn.matmul(mixed);
  return { scores, ctx, dx, dW };
}
`;
}

function training(i: number, k: number): string {
  return `
export function train${i}_${k}(layer: Layer${i}_0, xs: Tensor<["N", "D"]>[], gs: Tensor<["N", "H"]>[], lr: number, epochs: number) {
  let total = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let n = 0; n < xs.length; n++) {
      const out = layer.forward(xs[n]!);
      const { dW, db } = layer.backward(gs[n]!.mul(out));
      layer.step(dW, db, lr / (1 + epoch));
      total += sum(out).item();
    }
  }
  return total / Math.max(1, epochs * xs.length);
}
`;
}

/** The text of module `i`, exactly `lines` lines long (a trailing newline included). */
export function moduleText(i: number, lines = 500): string {
  return moduleLayout(i, lines).text;
}

/** Module `i`'s text, and whether its bug made it in (a short module has fewer rounds of blocks). */
function moduleLayout(i: number, lines: number): { text: string; buggy: boolean } {
  const bug = bugOf(i);
  const deps = importsOf(i);
  const imports = deps.map((d) => `import { affine${d}, gate${d}, standardize${d}, Layer${d}_0 } from "${relImport(i, d)}";`);
  const head = [`// Module ${i} of the generated benchmark workspace (bench/workspace.ts).`, HEADER, ...imports].join("\n") + "\n";
  const blocks: string[] = [helpers(i)];
  const kinds = [
    (k: number) => layerClass(i, k, bug, deps[0]),
    (k: number) => lossPair(i, k, bug),
    (k: number) => rnn(i, k, bug),
    (k: number) => model(i, k, bug, deps),
    (k: number) => templates(i, k),
    (k: number) => training(i, k),
  ];
  const count = (s: string) => s.split("\n").length - 1;
  let total = count(head) + count(blocks[0]!);
  let rounds = 0;
  // Each round adds one block of every kind with the same k, so every name a block refers to
  // (loss{i}_{k} for templates, Layer{i}_0 for training) is defined.
  for (let k = 0; ; k++) {
    const round = kinds.map((f) => f(k));
    const n = round.reduce((a, b) => a + count(b), 0);
    if (total + n > lines) break;
    blocks.push(...round);
    total += n;
    rounds++;
  }
  const pad = Math.max(0, lines - total);
  const filler = Array.from({ length: pad }, (_, n) => (n === 0 ? "" : `// notes ${i}.${n}: shapes are checked by chainrule, types by tsc`)).join("\n");
  // helper-arg is planted only where there is a helper to call wrongly.
  const buggy = bug !== undefined && rounds > BUG_ROUND[bug] && (bug !== "helper-arg" || deps.length > 0);
  return { text: head + blocks.join("") + (pad ? filler + "\n" : ""), buggy };
}

export interface GeneratedWorkspace {
  root: string;
  files: string[];
  /** Modules with a deliberate shape bug, by index. */
  buggy: number[];
}

/**
 * Writes the workspace under `root`: the modules, and a tsconfig.json for tsc whose `paths` maps
 * `chainrule` to `runtimeTypes` (the package's .d.ts), so tsc checks what chainrule checks.
 */
export function writeWorkspace(root: string, runtimeTypes: string, files = 200, lines = 500): GeneratedWorkspace {
  const out: string[] = [];
  const buggy: number[] = [];
  for (let i = 0; i < files; i++) {
    const file = path.join(root, `${modulePath(i)}.ts`);
    mkdirSync(path.dirname(file), { recursive: true });
    const module = moduleLayout(i, lines);
    writeFileSync(file, module.text);
    out.push(file);
    if (module.buggy) buggy.push(i);
  }
  const tsconfig = {
    compilerOptions: {
      target: "es2022",
      module: "commonjs",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      paths: { chainrule: [runtimeTypes] },
    },
    include: ["src/**/*.ts"],
  };
  writeFileSync(path.join(root, "tsconfig.json"), JSON.stringify(tsconfig, null, 2) + "\n");
  return { root, files: out, buggy };
}
