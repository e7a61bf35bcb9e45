// Unit tests of the analyzer through its public Workspace API: the seed bug exactly as CLI.md
// states it, hover and inlay queries, gradient pairings, cross-file re-checks, cancellation,
// incremental re-analysis, and the template seam.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { CancelledError } from "../../src/analysis/api";
import { setTemplateAnalyzer, templateAnalyzer } from "../../src/analysis/template-hook";
import { Workspace } from "../../src/analysis/workspace";
import { applyFix } from "../helpers/fixture";

const root = path.join(__dirname, "..", "..");
// The seed's network (forward only, as the protocol tests' workspace has it) and the shipped example of its bug.
const SEED = readFileSync(path.join(root, "test/protocol/fixtures/seed.ts"), "utf8");
const SEED_BUG = readFileSync(path.join(root, "examples/seed-bug.ts"), "utf8");

function ws(files: Record<string, string>): Workspace {
  const w = new Workspace({ readFile: (p) => files[p] });
  for (const [p, t] of Object.entries(files)) w.update(p, t);
  return w;
}

test("seed bug: exactly one matmul-mismatch at 14:34–14:58 (method name to closing parenthesis) whose preferred fix gives DSL.md's gradient", () => {
  const w = ws({ "/seed-bug.ts": SEED_BUG });
  const a = w.analyze("/seed-bug.ts");
  assert.equal(a.isDsl, true);
  assert.equal(a.diagnostics.length, 1);
  const d = a.diagnostics[0]!;
  assert.equal(d.code, "matmul-mismatch");
  assert.equal(d.severity, "error");
  assert.deepEqual(d.range, { start: { line: 14, character: 34 }, end: { line: 14, character: 58 } });
  assert.match(d.message, /^matmul \[1,H\] @ \[1,H\]: inner dimensions H and 1 differ/);
  assert.match(d.message, /Jacobian is diagonal/);
  const preferred = d.fixes.filter((f) => f.isPreferred);
  assert.equal(preferred.length, 1);
  assert.equal(preferred[0]!.title, "Use ⊙ (element-wise mul)");
  assert.deepEqual(preferred[0]!.edits, [{ range: { start: { line: 14, character: 34 }, end: { line: 14, character: 40 } }, newText: "mul" }]);
  const fixed = applyFix(SEED_BUG, preferred[0]!);
  assert.ok(fixed.startsWith(SEED.trimEnd()), "the fixed file is DSL.md's correct network");
  // Related information points at the annotation the clashing dim H came from: the left operand
  // got H from W2.T, and W2 is annotated ["H", "K"] on line 11.
  assert.equal(d.related.length, 1);
  assert.match(d.related[0]!.message, /H comes from the annotation of W2/);
  const line11 = SEED_BUG.split("\n")[11]!;
  assert.deepEqual(d.related[0]!.range.start, { line: 11, character: line11.indexOf('Tensor<["H", "K"]>') });
});

test("the correct seed network is clean and pairs dLoss_dx with loss", () => {
  const a = ws({ "/seed.ts": SEED }).analyze("/seed.ts");
  assert.deepEqual(a.diagnostics, []);
  assert.equal(a.gradients.length, 1);
  const g = a.gradients[0]!;
  assert.equal(g.gradient, "dLoss_dx");
  assert.equal(g.of, "loss");
  assert.deepEqual(g.wrt, ["x"]);
  assert.equal(g.resolved, true);
  assert.equal(g.ofFile, "/seed.ts");
  assert.deepEqual(g.range, { start: { line: 10, character: 16 }, end: { line: 10, character: 24 } });
});

test("non-DSL files: isDsl false, nothing reported, nothing analysed", () => {
  const w = ws({ "/plain.ts": "export const x = [1, 2].map((v) => v.matmul(v));\n" });
  const a = w.analyze("/plain.ts");
  assert.deepEqual(a, { file: "/plain.ts", isDsl: false, diagnostics: [], gradients: [] });
  assert.equal(w.stats.analyzed, 0);
  assert.equal(w.shapeAt("/plain.ts", { line: 0, character: 10 }), null);
  assert.deepEqual(w.shapesIn("/plain.ts"), []);
});

test("hover: operator entries carry the op and operand shapes; variables their provenance", () => {
  const w = ws({ "/s.ts": SEED });
  // `matmul` in `x.matmul(W1)` on line 4.
  const line4 = SEED.split("\n")[4]!;
  const op = w.shapeAt("/s.ts", { line: 4, character: line4.indexOf("matmul") + 1 });
  assert.ok(op);
  assert.equal(op.kind, "operator");
  assert.equal(op.op, "matmul");
  assert.deepEqual(op.operands, [[1, "D"], ["D", "H"]]);
  assert.deepEqual(op.shape, [1, "H"]);
  assert.equal(op.provenance, "matmul [1,D] @ [D,H]");
  const param = w.shapeAt("/s.ts", { line: 2, character: SEED.split("\n")[2]!.indexOf("W1") });
  assert.equal(param?.kind, "parameter");
  assert.equal(param?.provenance, "annotation");
  assert.deepEqual(param?.shape, ["D", "H"]);
});

test("inlay hints: inferred declarations only, limited to the range", () => {
  const w = ws({ "/s.ts": SEED });
  const all = w.shapesIn("/s.ts");
  assert.deepEqual(all.map((i) => `${i.name}:${JSON.stringify(i.shape)}`), ['h:[1,"H"]', 'yhat:[1,"K"]', 'h:[1,"H"]', 'yhat:[1,"K"]']);
  const some = w.shapesIn("/s.ts", { start: { line: 0, character: 0 }, end: { line: 8, character: 0 } });
  assert.equal(some.length, 2);
});

test("@dims and @sample on either function are merged into the pairing", () => {
  const text = `import { Tensor, sum } from "chainrule";
/** @dims D=4 @sample y onehot */
export function loss(x: Tensor<[1, "D"]>, y: Tensor<[1, "D"]>) { return sum(x.mul(y)); }
/**
 * @gradient loss
 * @dims H=5
 * @sample x positive
 */
export function grads(x: Tensor<[1, "D"]>, y: Tensor<[1, "D"]>) { return { x: y, y: x }; }
`;
  const a = ws({ "/g.ts": text }).analyze("/g.ts");
  assert.deepEqual(a.diagnostics, []);
  const g = a.gradients[0]!;
  assert.deepEqual(g.dims, { D: 4, H: 5 });
  assert.deepEqual(g.samples, { y: "onehot", x: "positive" });
  assert.deepEqual(g.wrt, ["x", "y"]);
  assert.equal(g.resolved, true);
});

test("cross-file: editing an imported file changes the importer's diagnostics; importersOf knows", () => {
  const model = `import { Tensor } from "chainrule";\nexport function layer(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>) { return x.matmul(W); }\n`;
  const main = `import { Tensor } from "chainrule";\nimport { layer } from "./model";\nexport function f(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>, V: Tensor<["H", "K"]>) { return layer(x, W).matmul(V); }\n`;
  const w = ws({ "/model.ts": model, "/main.ts": main });
  assert.deepEqual(w.analyze("/main.ts").diagnostics, []);
  assert.deepEqual(w.importersOf("/model.ts"), ["/main.ts"]);
  w.update("/model.ts", model.replace("x.matmul(W)", "x.matmul(W).T"));
  const d = w.analyze("/main.ts").diagnostics;
  assert.equal(d.length, 1);
  assert.match(d[0]!.message, /matmul \[H,1\] @ \[H,K\]: inner dimensions 1 and H differ/);
});

test("files that are not open are read through the host, and re-read after invalidate", () => {
  const disk: Record<string, string> = {
    "/lib.ts": `import { Tensor } from "chainrule";\nexport function g(a: Tensor<[1, "A"]>) { return a; }\n`,
  };
  const w = new Workspace({ readFile: (p) => disk[p] });
  w.update("/main.ts", `import { Tensor } from "chainrule";\nimport { g } from "./lib";\nexport function f(b: Tensor<[1, "B"]>) { return g(b); }\n`);
  assert.equal(w.analyze("/main.ts").diagnostics.length, 1);
  disk["/lib.ts"] = disk["/lib.ts"]!.replace('"A"', '"B"');
  assert.equal(w.analyze("/main.ts").diagnostics.length, 1, "disk files are cached until invalidated");
  w.invalidate("/lib.ts");
  assert.equal(w.analyze("/main.ts").diagnostics.length, 0);
});

test("cancellation between functions throws CancelledError", () => {
  const w = ws({ "/s.ts": SEED });
  assert.throws(() => w.analyze("/s.ts", { isCancellationRequested: true }), CancelledError);
  assert.equal(w.analyze("/s.ts").diagnostics.length, 0);
});

test("incremental: an edit inside one function re-analyses only that function", () => {
  const w = ws({ "/s.ts": SEED_BUG });
  w.analyze("/s.ts");
  const before = { ...w.stats };
  const fixed = SEED_BUG.replace(".matmul(h.mul(", ".mul(h.mul(");
  w.update("/s.ts", fixed);
  assert.deepEqual(w.analyze("/s.ts").diagnostics, []);
  assert.equal(w.stats.analyzed - before.analyzed, 1);
  assert.ok(w.stats.reused > before.reused);
  // Shifting text before a function keeps its cached result and moves its ranges.
  w.update("/s.ts", SEED_BUG);
  assert.equal(w.analyze("/s.ts").diagnostics[0]!.range.start.line, 14);
  const mid = w.stats.analyzed;
  w.update("/s.ts", "\n\n" + SEED_BUG);
  const d = w.analyze("/s.ts").diagnostics;
  assert.equal(d.length, 1);
  assert.deepEqual(d[0]!.range, { start: { line: 16, character: 34 }, end: { line: 16, character: 58 } });
  assert.equal(d[0]!.fixes[0]!.edits[0]!.range.start.line, 16);
  assert.equal(w.stats.analyzed, mid, "no function was re-analysed");
});

test("incremental: a @gradient tag added or removed in another function re-ranks the fixes inside the function it names", () => {
  const ENERGY = [
    `import { Tensor, Scalar } from "chainrule";`,
    `export function energy(x: Tensor<[1, "D"]>): Scalar {`,
    `  return x.mul(x);`,
    `}`,
    `/** @gradient energy x */`,
    `export function dEnergy(x: Tensor<[1, "D"]>) {`,
    `  return x.mul(2);`,
    `}`,
    ``,
  ].join("\n");
  const preferred = (w: Workspace) => w.analyze("/e.ts").diagnostics.flatMap((d) => d.fixes.filter((f) => f.isPreferred).map((f) => f.title));
  const fresh = (text: string) => preferred(ws({ "/e.ts": text }));
  const untagged = ENERGY.replace("/** @gradient energy x */", "/** derivative of energy */");
  // A function a tag differentiates must stay scalar: "Change the annotation to [1,D]" is not preferred then.
  assert.deepEqual(fresh(ENERGY), []);
  assert.notDeepEqual(fresh(untagged), []);
  const w = ws({ "/e.ts": ENERGY });
  for (const text of [untagged, ENERGY, untagged]) {
    w.update("/e.ts", text);
    assert.deepEqual(preferred(w), fresh(text));
  }
});

test("incremental: text moved above a helper moves the 'here in' spot of a problem found in it for a call", () => {
  // The problem is found by instantiating forward for run's argument (forward's own unit reports
  // nothing: p is untyped); only the import line changes, so every unit's text stays the same.
  const HELPER = [
    `import { Tensor, zeros, relu } from "chainrule";`,
    `function forward(p: any, x: Tensor<["N", "D"]>) {`,
    `  return relu(x.matmul(p.W1));`,
    `}`,
    `export function run(x: Tensor<["N", "D"]>) {`,
    `  return forward({ W1: zeros(["H", "D"]) }, x);`,
    `}`,
    ``,
  ].join("\n");
  const spots = (w: Workspace) => w.analyze("/h.ts").diagnostics.flatMap((d) => d.related.map((r) => r.range));
  const w = ws({ "/h.ts": HELPER });
  assert.deepEqual(spots(w), [{ start: { line: 2, character: 16 }, end: { line: 2, character: 28 } }]);
  const moved = HELPER.replace(`"chainrule";`, `"chainrule" ;`).replace("import {", "import {\n ");
  w.update("/h.ts", moved);
  assert.deepEqual(spots(w), spots(ws({ "/h.ts": moved })));
  assert.equal(spots(w)[0]!.start.line, 3);
});

test("incremental: an edit inside one method re-analyses that method (and its class's fields), not the other methods", () => {
  const methods = Array.from({ length: 6 }, (_, i) => `  m${i}(x: Tensor<["N", "D"]>) {\n    const y = x.matmul(this.W);\n    return y;\n  }\n`).join("");
  const text = `import { Tensor, randn } from "chainrule";\nexport class L {\n  W: Tensor<["D", "H"]>;\n  constructor() { this.W = randn(["D", "H"]); }\n${methods}}\n`;
  const w = new Workspace({ readFile: () => undefined });
  w.update("/c.ts", text);
  assert.deepEqual(w.analyze("/c.ts").diagnostics, []);
  const before = w.stats.analyzed;
  const edited = text.replace("  m3(x: Tensor<[\"N\", \"D\"]>) {\n    const y = x.matmul(this.W);", "  m3(x: Tensor<[\"N\", \"D\"]>) {\n    const y = x.matmul(this.W.T);");
  assert.notEqual(edited, text);
  w.update("/c.ts", edited);
  const d = w.analyze("/c.ts").diagnostics;
  assert.deepEqual(d.map((x) => x.code), ["matmul-mismatch"]);
  assert.equal(w.stats.analyzed - before, 2, "the class unit (its fields and method names) and the edited method");
});

test("incremental: a changed return shape re-checks the callers in the same file", () => {
  const text = `import { Tensor } from "chainrule";
function layer(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>) { return x.matmul(W); }
export function f(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>, V: Tensor<["H", "K"]>) { return layer(x, W).matmul(V); }
`;
  const w = ws({ "/a.ts": text });
  assert.equal(w.analyze("/a.ts").diagnostics.length, 0);
  w.update("/a.ts", text.replace("return x.matmul(W);", "return x.matmul(W).T;"));
  const d = w.analyze("/a.ts").diagnostics;
  assert.equal(d.length, 1);
  assert.equal(d[0]!.range.start.line, 2);
});

test("analysis never throws on garbage, and returns nothing for an empty document", () => {
  const w = new Workspace({ readFile: () => undefined });
  for (const t of ["", "import", 'import { x } from "chainrule"; function (', 'import * as cr from "chainrule";\n' + "(".repeat(3000), 'import { t } from "chainrule"; t`${'] ) {
    w.update("/g.ts", t);
    const a = w.analyze("/g.ts");
    assert.ok(Array.isArray(a.diagnostics));
    w.shapeAt("/g.ts", { line: 0, character: 5 });
    w.shapesIn("/g.ts");
  }
});

test("template seam: a registered analyzer's shape and problems flow through", () => {
  new Workspace({ readFile: () => undefined });
  const previous = templateAnalyzer();
  setTemplateAnalyzer((_node, _sf, operands) => ({
    shape: operands[0] ?? null,
    prov: "template",
    problems: [{ code: "template-syntax", message: "bad template", start: _node.template.getStart(_sf), end: _node.end }],
  }));
  try {
    const text = `import { Tensor, t } from "chainrule";\nexport function f(x: Tensor<[1, "D"]>, W: Tensor<["H", "H"]>) {\n  return t\`\${x}\`.matmul(W);\n}\n`;
    const d = ws({ "/t.ts": text }).analyze("/t.ts").diagnostics;
    assert.deepEqual(d.map((x) => x.code).sort(), ["matmul-mismatch", "template-syntax"]);
  } finally {
    setTemplateAnalyzer(previous);
  }
});

test("inlay hints as the editor gets them: a label after each inferred name, its origin on hover", () => {
  const text = `import { Tensor, zeros, sigmoid } from "chainrule";
export function f(x: Tensor<[1, "D"]>, b = zeros([1, "D"])) {
  const h = sigmoid(x.add(b));
  const k: Tensor<[1, "D"]> = h;
  return k;
}
`;
  const w = ws({ "/h.ts": text });
  const lines = text.split("\n");
  const hints = w.inlayHints("/h.ts").map((h) => [lines[h.position.line]!.slice(0, h.position.character).split(/\W/).filter(Boolean).pop(), h.label, h.tooltip]);
  // The unannotated parameter with a default gets one; the annotated x and k do not (their shape is on screen).
  assert.deepEqual(hints, [
    ["b", ": [1,D]", `b: [1,D], from zeros([1, "D"])`],
    ["h", ": [1,D]", "h: [1,D], from sigmoid [1,D]"],
  ]);
});
