// The core's hover text (src/ide/hover.ts through Workspace.hover): shapes and provenance, an op's
// rule and Jacobian, and the diagonal-Jacobian answer under the same condition as the diagnostic.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";

function hoverAt(text: string, needle: string, offset = 0): string {
  const ws = new Workspace({ readFile: () => undefined });
  ws.update("/h.ts", text);
  const lines = text.split("\n");
  const line = lines.findIndex((l) => l.includes(needle));
  const h = ws.hover("/h.ts", { line, character: lines[line]!.indexOf(needle) + offset });
  assert.ok(h, `no hover at ${needle}`);
  return h.markdown;
}

const HEADER = `import { Tensor, relu, sigmoid } from "chainrule";\n`;

test("a matmul in the seed's case gets the diagonal-Jacobian answer; attention's Q @ K does not", () => {
  const seed = HEADER + `export function f(g: Tensor<[1, "H"]>, h: Tensor<[1, "H"]>) { return g.matmul(h); }\n`;
  assert.match(hoverAt(seed, "matmul", 1), /g · diag\(s′\) = g ⊙ s′/);
  const attention = HEADER + `export function f(Q: Tensor<["T", "d"]>, K: Tensor<["T", "d"]>) { return Q.matmul(K); }\n`;
  const md = hoverAt(attention, "matmul", 1);
  assert.match(md, /\[T,d\] @ \[T,d\]/);
  assert.doesNotMatch(md, /diag\(s′\)/);
});

test("the answer also applies to same-shape matrices whose right one is an element-wise result", () => {
  const text = HEADER + `export function f(Q: Tensor<["T", "d"]>, K: Tensor<["T", "d"]>) { return Q.matmul(sigmoid(K)); }\n`;
  assert.match(hoverAt(text, "matmul", 1), /Jacobian is diagonal/);
});

test("a variable's hover gives its shape and where it came from; plain text drops the Markdown", () => {
  const text = HEADER + `export function f(x: Tensor<["N", "D"]>, W: Tensor<["D", "H"]>) {\n  const h = relu(x.matmul(W));\n  return h;\n}\n`;
  const ws = new Workspace({ readFile: () => undefined });
  ws.update("/h.ts", text);
  const h = ws.hover("/h.ts", { line: 2, character: 8 })!;
  assert.match(h.markdown, /`h`: \*\*\[N,H\]\*\*/);
  assert.match(h.markdown, /from relu/);
  assert.doesNotMatch(h.plain, /[*`]/);
});

test("the gradients a cursor means come from the analyzer: inside a @gradient function that one, inside F all of F's", () => {
  const text = HEADER + [
    `export function loss(x: Tensor<[1, "D"]>) {`, `  return x.sum();`, `}`,
    `/** @gradient loss x */`, `export function dx(x: Tensor<[1, "D"]>) {`, `  return x.mul(0).add(1);`, `}`,
    `/** @gradient loss */`, `export function all(x: Tensor<[1, "D"]>) {`, `  return { x: x.mul(0).add(1) };`, `}`,
    `export const other = 1;`,
  ].join("\n") + "\n";
  const ws = new Workspace({ readFile: () => undefined });
  ws.update("/g.ts", text);
  assert.deepEqual(ws.gradientsAt("/g.ts", { line: 2, character: 4 }), ["dx", "all"]);
  assert.deepEqual(ws.gradientsAt("/g.ts", { line: 4, character: 6 }), ["dx"], "on the JSDoc tag");
  assert.deepEqual(ws.gradientsAt("/g.ts", { line: 10, character: 4 }), ["all"]);
  assert.deepEqual(ws.gradientsAt("/g.ts", { line: 12, character: 2 }), []);
  assert.equal(ws.functionAt("/g.ts", { line: 5, character: 3 })?.name, "dx");
});
