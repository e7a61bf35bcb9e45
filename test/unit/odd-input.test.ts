// Odd input the analyzer must survive with exact positions: LSP line rules (U+2028/U+2029/NEL are
// not line breaks), a byte-order mark, nesting deeper than TypeScript's parser or our walk can
// follow, deeply aliased types, and files that do not parse (syntax-error, CLI only).

import assert from "node:assert/strict";
import { test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";
import { applyFix } from "../helpers/fixture";

const BUG = `export function bug(a: Tensor<[1, "H"]>, W: Tensor<["D", "H"]>) {\n  return a.matmul(W);\n}\n`;
const HEADER = `import { Tensor, matmul } from "chainrule";\n`;

function analyze(text: string) {
  const ws = new Workspace({ readFile: () => undefined });
  ws.update("/m.ts", text);
  return { ws, a: ws.analyze("/m.ts") };
}

function bugLine(text: string): number {
  return text.split(/\r\n|\n|\r/).findIndex((l) => l.includes("return a.matmul(W)"));
}

for (const sep of ["\u2028", "\u2029", "\u0085"]) {
  test(`U+${sep.charCodeAt(0).toString(16).padStart(4, "0")} in a comment does not move later positions (LSP line rules)`, () => {
    const text = HEADER + `// a comment with ${sep} a separator ${sep} twice\n` + BUG;
    const { a } = analyze(text);
    const d = a.diagnostics.find((x) => x.code === "matmul-mismatch")!;
    assert.equal(d.range.start.line, bugLine(text));
    assert.equal(d.range.start.character, "  return a.".length);
  });
}

test("CRLF and lone CR end lines as LSP says", () => {
  for (const eol of ["\r\n", "\r"]) {
    const text = (HEADER + BUG).replace(/\n/g, eol);
    const { a } = analyze(text);
    assert.equal(a.diagnostics[0]!.range.start.line, 2);
  }
});

test("a byte-order mark is not a column: positions and fix edits match the text without it", () => {
  const body = `import { Tensor } from "chainrule";\nexport function f(x: Tensor<[1, "H"]>) { return x.matmul(x); }\n`;
  const { a } = analyze("\uFEFF" + body);
  const d = a.diagnostics[0]!;
  assert.equal(d.range.start.character, body.split("\n")[1]!.indexOf("matmul"));
  const fix = d.fixes.find((f) => f.isPreferred)!;
  assert.equal(applyFix(body, fix).split("\n")[1], `export function f(x: Tensor<[1, "H"]>) { return x.mul(x); }`);
});

const deep: Array<[string, string]> = [
  ["10,000 nested parentheses", `export function f(x: Tensor<[1, "H"]>) {\n  return ${"(".repeat(10000)}x${")".repeat(10000)};\n}\n`],
  ["5,000 nested calls", `export function f(x: Tensor<[1, "H"]>) {\n  return ${"matmul(".repeat(5000)}x${", x)".repeat(5000)};\n}\n`],
  ["5,000 nested blocks", `export function f(x: Tensor<[1, "H"]>) {\n${"{".repeat(5000)}x.matmul(x);${"}".repeat(5000)}\n}\n`],
  ["a 5,000-long method chain", `export function f(x: Tensor<[1, "H"]>) {\n  return x${".add(x)".repeat(5000)};\n}\n`],
];
for (const [name, code] of deep) {
  test(`${name}: an analysis-limit warning where it stops, and the rest of the file still checked`, () => {
    const text = HEADER + code + BUG;
    const { ws, a } = analyze(text);
    assert.equal(ws.stats.failed, 0, ws.stats.lastFailure);
    const limit = a.diagnostics.filter((d) => d.code === "analysis-limit");
    assert.equal(limit.length, 1, JSON.stringify(a.diagnostics.map((d) => d.code)));
    assert.equal(limit[0]!.severity, "warning");
    assert.equal(limit[0]!.range.start.line, 2);
    const bug = a.diagnostics.filter((d) => d.code === "matmul-mismatch");
    assert.deepEqual(bug.map((d) => d.range.start.line), [bugLine(text)], "only the real bug, no finding from the blanked code");
    assert.equal(ws.syntaxError("/m.ts"), undefined, "blanking out deep code adds no syntax error");
  });
}

test("30-deep type aliases are followed", () => {
  const aliases = Array.from({ length: 30 }, (_, i) => `type A${i} = A${i + 1};`).join("\n") + `\ntype A30 = Tensor<[1, "H"]>;\n`;
  const text = HEADER + aliases + `export function f(x: A0, W: Tensor<["D", "H"]>) {\n  return x.matmul(W);\n}\n`;
  const { a } = analyze(text);
  assert.match(a.diagnostics[0]!.message, /matmul \[1,H\] @ \[D,H\]/);
});

test("syntax-error: the first parse error, and the rest of the file still analysed", () => {
  const text = HEADER + `export function broken(x: Tensor<[1, "H"]>) {\n  const y = x.add(;\n}\n` + BUG;
  const { ws, a } = analyze(text);
  const s = ws.syntaxError("/m.ts")!;
  assert.equal(s.code, "syntax-error");
  assert.equal(s.severity, "error");
  assert.equal(s.range.start.line, 2);
  assert.match(s.message, /does not parse: .+ expected/);
  assert.ok(a.diagnostics.some((d) => d.code === "matmul-mismatch" && d.range.start.line === bugLine(text)));
  assert.ok(!a.diagnostics.some((d) => d.code === "syntax-error"), "editors show TypeScript's own; analyze() does not add it");
});
