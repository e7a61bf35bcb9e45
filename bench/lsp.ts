// Language-server benchmark: time from a didChange to the publishDiagnostics for that version on
// generated DSL files of 500, 2,000 and 10,000 lines (p50/p95 over 100 edits), hover latency, and
// the server's RSS after opening the largest file; TypeScript's own tsserver is measured on the
// same files and edits in the same run (change → geterr → semanticDiag). Debounce is excluded:
// the server runs with debounceMs 0 (the 50 ms default would be added on top of every number).
// Run: npm run build && node --import tsx bench/lsp.ts [--sizes 500,2000] [--edits 100]

import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LspClient } from "../test/protocol/harness";

const ROOT = path.resolve(__dirname, "..");
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SIZES = arg("sizes", "500,2000,10000").split(",").map(Number);
const EDITS = Number(arg("edits", "100"));

/** One seed-style pair (loss + hand gradient) per block; `back` is the line the edits toggle. */
function block(i: number): string[] {
  return [
    `export function loss${i}(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,`,
    `                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {`,
    `  const h = sigmoid(x.matmul(W1).add(b1));`,
    `  const yhat = softmax(h.matmul(W2).add(b2));`,
    `  return crossEntropy(yhat, y);`,
    `}`,
    ``,
    `/** @gradient loss${i} x */`,
    `export function dLoss${i}_dx(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,`,
    `                         W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {`,
    `  const h = sigmoid(x.matmul(W1).add(b1));`,
    `  const yhat = softmax(h.matmul(W2).add(b2));`,
    `  const delta = yhat.sub(y).matmul(W2.T);`,
    `  const back = delta.mul(h.mul(sub(1, h)));`,
    `  return back.matmul(W1.T);`,
    `}`,
    ``,
  ];
}

function generate(lines: number): string {
  const out = [`import { Tensor, sigmoid, softmax, crossEntropy, sub } from "chainrule";`, ``];
  for (let i = 0; out.length < lines; i++) out.push(...block(i));
  return out.slice(0, lines).join("\n") + "\n";
}

/** The edit: toggle `delta.mul(` ↔ `delta.matmul(` in the middle block (error on, error off). */
function editSite(text: string): { line: number; character: number } {
  const lines = text.split("\n");
  const candidates = lines.map((l, i) => (l.includes("const back = delta.mul(") ? i : -1)).filter((i) => i >= 0);
  const line = candidates[Math.floor(candidates.length / 2)]!;
  return { line, character: lines[line]!.indexOf("mul(") };
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** A minimal tsserver client: newline-delimited requests, Content-Length framed answers. */
class TsServer {
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private listeners: Array<(msg: { type: string; event?: string; request_seq?: number; body?: { file?: string } }) => boolean> = [];
  readonly proc: ChildProcess;

  constructor() {
    this.proc = spawn(process.execPath, [require.resolve("typescript/lib/tsserver.js"), "--disableAutomaticTypingAcquisition"], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.proc.stdout!.on("data", (d: Buffer) => this.read(d));
  }

  private read(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const head = this.buffer.indexOf("\r\n\r\n");
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/.exec(this.buffer.subarray(0, head).toString())![1]);
      if (this.buffer.length < head + 4 + len) return;
      const msg = JSON.parse(this.buffer.subarray(head + 4, head + 4 + len).toString());
      this.buffer = this.buffer.subarray(head + 4 + len);
      this.listeners = this.listeners.filter((l) => !l(msg));
    }
  }

  send(command: string, args: unknown): number {
    const seq = ++this.seq;
    this.proc.stdin!.write(JSON.stringify({ seq, type: "request", command, arguments: args }) + "\n");
    return seq;
  }

  request(command: string, args: unknown): Promise<unknown> {
    const seq = this.send(command, args);
    return new Promise((resolve) => this.listeners.push((m) => (m.type === "response" && m.request_seq === seq ? (resolve(m.body), true) : false)));
  }

  semanticDiag(file: string): Promise<void> {
    return new Promise((resolve) => this.listeners.push((m) => (m.type === "event" && m.event === "semanticDiag" && m.body?.file === file ? (resolve(), true) : false)));
  }

  stop(): void {
    this.proc.kill();
  }
}

interface Row {
  lines: number;
  crP50: number; crP95: number; crFirst: number;
  tsP50: number; tsP95: number; tsFirst: number;
  hoverP50: number; hoverP95: number; tsQuickinfoP50: number;
  crRss: number; tsRss: number;
}

async function measure(dir: string, lines: number): Promise<Row> {
  const text = generate(lines);
  const file = path.join(dir, `gen-${lines}.ts`);
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const site = editSite(text);
  const toggles = [
    { range: { start: site, end: { line: site.line, character: site.character + 3 } }, text: "matmul" },
    { range: { start: site, end: { line: site.line, character: site.character + 6 } }, text: "mul" },
  ];

  // chainrule
  const client = await LspClient.start({ initializationOptions: { debounceMs: 0 } });
  let t = performance.now();
  await client.open(uri, text);
  await client.diagnosticsFor(uri, 1);
  const crFirst = performance.now() - t;
  const crRss = rssMb(client.process.pid!);
  const cr: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    t = performance.now();
    const v = await client.change(uri, [toggles[i % 2]!]);
    const diags = await client.diagnosticsFor(uri, v);
    cr.push(performance.now() - t);
    if (diags.length !== (i % 2 === 0 ? 1 : 0)) throw new Error(`unexpected diagnostics at v${v}: ${diags.length}`);
  }
  const hover: number[] = [];
  const hLines = text.split("\n");
  for (let i = 0; i < EDITS; i++) {
    const line = (i * 7919) % hLines.length;
    const col = Math.max(0, hLines[line]!.indexOf("h"));
    t = performance.now();
    await client.hover(uri, line, col);
    hover.push(performance.now() - t);
  }
  await client.stop();

  // tsserver, same file, same edits (1-based lines and offsets).
  const ts = new TsServer();
  t = performance.now();
  await ts.request("open", { file, fileContent: text, scriptKindName: "TS", projectRootPath: dir });
  let diag = ts.semanticDiag(file);
  ts.send("geterr", { files: [file], delay: 0 });
  await diag;
  const tsFirst = performance.now() - t;
  const tsRss = rssMb(ts.proc.pid!);
  const tsTimes: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const e = toggles[i % 2]!;
    t = performance.now();
    await ts.request("change", {
      file, line: e.range.start.line + 1, offset: e.range.start.character + 1,
      endLine: e.range.end.line + 1, endOffset: e.range.end.character + 1, insertString: e.text,
    });
    diag = ts.semanticDiag(file);
    ts.send("geterr", { files: [file], delay: 0 });
    await diag;
    tsTimes.push(performance.now() - t);
  }
  const quick: number[] = [];
  for (let i = 0; i < EDITS; i++) {
    const line = (i * 7919) % hLines.length;
    t = performance.now();
    await ts.request("quickinfo", { file, line: line + 1, offset: Math.max(0, hLines[line]!.indexOf("h")) + 1 });
    quick.push(performance.now() - t);
  }
  ts.stop();

  return {
    lines, crFirst, tsFirst, crRss, tsRss,
    crP50: percentile(cr, 50), crP95: percentile(cr, 95),
    tsP50: percentile(tsTimes, 50), tsP95: percentile(tsTimes, 95),
    hoverP50: percentile(hover, 50), hoverP95: percentile(hover, 95), tsQuickinfoP50: percentile(quick, 50),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-bench-lsp-"));
  // Resolve `chainrule` the way a user's project does, so tsserver type-checks against the real types.
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(ROOT, path.join(dir, "node_modules/chainrule"), "dir");
  const f = (x: number) => x.toFixed(1).padStart(8);
  try {
    console.log(`didChange → publishDiagnostics, ${EDITS} edits per size, debounce excluded (debounceMs 0); ms`);
    console.log("  lines | chainrule p50    p95  first | tsserver p50    p95  first | ratio p50 | hover p50    p95 | ts quickinfo p50 | RSS chainrule  tsserver");
    for (const n of SIZES) {
      const r = await measure(dir, n);
      console.log(
        `${String(r.lines).padStart(7)} |       ${f(r.crP50)}${f(r.crP95)}${f(r.crFirst)} |      ${f(r.tsP50)}${f(r.tsP95)}${f(r.tsFirst)} |   ${(r.crP50 / r.tsP50).toFixed(2).padStart(6)}x |  ${f(r.hoverP50)}${f(r.hoverP95)} |          ${f(r.tsQuickinfoP50)} |   ${String(r.crRss).padStart(6)} MB ${String(r.tsRss).padStart(6)} MB`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
