// The same op applied twice to the same operand with different attributes (pow(a, 0.5) and
// pow(a, -1), two slices, two permutations, two reshapes) is two values, not one: the derivation
// interned op nodes and compared expressions by their axis only, so it merged them and derived a
// wrong gradient. slice's VJP is written in catalog ops users write (concat with zero blocks),
// so that a gradient through slice can be emitted. Each case's emitted gradient, appended to the file, must check and verify.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";
import { emitGradient } from "../../src/explain/emit";
import { explainFunction } from "../../src/explain/explain";
import { verify, type CheckResult } from "../../src/verify/index";
import { IMPORTS } from "../helpers/explain";

const SOURCE = `${IMPORTS}
/** @sample a positive */
export function twoPowers(a: Tensor<[1, "H"]>) { return sum(pow(a, 0.5).add(pow(a, -1))); }
export function twoPermutations(X: Tensor<[2, 3, 4]>, C: Tensor<[4, 3, 2]>) {
  return sum(transpose(X, [2, 1, 0]).mul(C)).add(sum(transpose(X, [0, 2, 1]).mul(transpose(C, [2, 0, 1]))));
}
export function permuteBack(X: Tensor<["B", "T", "D"]>, C: Tensor<["D", "B", "T"]>) { return sum(transpose(X, [2, 0, 1]).mul(C)); }
export function batchTransposed(X: Tensor<["B", "T", "D"]>, Y: Tensor<["B", "D", "T"]>, C: Tensor<["B", "T", "T"]>) { return sum(X.matmul(Y).mul(C)); }
/** @dims H=6 */
export function twoSlices(a: Tensor<[1, "H"]>, C: Tensor<[1, 2]>) { return sum(slice(a, 1, 0, 2).mul(C).add(slice(a, 1, 2, 4))); }
export function sliceByDims(a: Tensor<[1, "H+K"]>, C: Tensor<[1, "K"]>) { return sum(slice(a, -1, "H").mul(C)).add(sum(slice(a, 1, 1, -1))); }
export function twoReshapes(X: Tensor<[2, 6]>, C: Tensor<[3, 4]>) { return sum(reshape(X, [3, 4]).mul(C)).add(sum(reshape(X, [4, 3]).mul(transpose(C)))); }
export function reshapeByDims(X: Tensor<["B", "T", "D"]>, C: Tensor<["B*T", "D"]>) { return sum(reshape(X, ["B*T", "D"]).mul(C)); }
export function batchBroadcast(X: Tensor<[2, 1, 3, 4]>, Y: Tensor<[5, 4, 2]>, C: Tensor<[2, 5, 3, 2]>) { return sum(X.matmul(Y).mul(C)); }
export function sharedWeights(X: Tensor<["B", "T", "D"]>, W: Tensor<["D", "H"]>, C: Tensor<["B", "T", "H"]>) { return sum(X.matmul(W).mul(C)); }
export function diagonals(a: Tensor<[1, "H"]>, c: Tensor<["H", 1]>, C: Tensor<["H", "H"]>) { return sum(diag(a).mul(C).add(diag(c).mul(C))); }
export function inTemplates(X: Tensor<["B", "T", "D"]>, C: Tensor<["D", "B", "T"]>) { return t\`sum(\${transpose(X, [2, 0, 1])} ⊙ \${C})\`; }
`;

describe("ops that differ only in their attributes stay apart", () => {
  const fns = ["twoPowers", "twoPermutations", "permuteBack", "batchTransposed", "twoSlices", "sliceByDims", "twoReshapes", "reshapeByDims", "batchBroadcast", "sharedWeights", "diagonals", "inTemplates"];
  let dir: string;
  let file: string;
  let checks: CheckResult[];
  const grads = new Map<string, string>();
  const emitted = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "chainrule-attrs-"));
    file = path.join(dir, "attrs.ts");
    writeFileSync(file, SOURCE);
    let text = SOURCE;
    for (const fn of fns) {
      const ex = explainFunction(new Workspace(), { file, fn });
      grads.set(fn, ex.json.gradients.map((g) => `${g.param}: ${g.expr}`).join("; "));
      const ws = new Workspace({ readFile: (p) => (p === file ? text : undefined) });
      const code = emitGradient(ws, explainFunction(ws, { file, fn })).code;
      emitted.set(fn, code);
      text = `${text}\n${code}`;
    }
    writeFileSync(file, text);
    checks = (await verify([file], { cwd: dir })).checks;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("pow(a, 0.5) + pow(a, -1): both terms of the derivative", () => {
    assert.equal(grads.get("twoPowers"), "a: 0.5 ⊙ a^−0.5 − a^−2");
  });

  test("two permutations of one tensor: each transposed back by its own inverse", () => {
    const [dX, dC] = grads.get("twoPermutations")!.split("; ");
    assert.match(dX!, /^X: .*transpose\(C, \[2,1,0\]\)/);
    assert.match(dC!, /^C: transpose\(Xᵀ, \[1,2,0\]\) \+ t1$/);
  });

  test("slice's gradient is g between zero blocks, written in DSL ops (concat), so --emit can write it", () => {
    assert.equal(grads.get("twoSlices"), "a: concat([0, 1, 0], 1) + concat([C, 0], 1); C: t1");
    assert.match(emitted.get("sliceByDims")!, /concat\(\[zeros\(\[1, "H"\]\), C\], 1\)/);
  });

  test("a reshape's gradient is emitted as reshape(g, [dims of a])", () => {
    assert.match(emitted.get("twoReshapes")!, /X: .*reshape\(C\.T, \[2, 6\]\).* \+ .*reshape\(C, \[2, 6\]\)/);
    assert.match(emitted.get("reshapeByDims")!, /X: .*reshape\(C, \["B", "T", "D"\]\)/);
  });

  test("a broadcast operand's gradient (batched matmul) and diag's are emitted in DSL ops", () => {
    assert.match(emitted.get("sharedWeights")!, /W: .*reshape\(transpose\(X, \[0,2,1\]\)\.matmul\(C\)\.sum\(0\), \["D", "H"\]\)/);
    assert.match(emitted.get("batchBroadcast")!, /\.sum\(1\)/);
    assert.match(emitted.get("diagonals")!, /a: .*C\.mul\(eye\("H"\)\)\.sum\(0\)/);
    assert.match(emitted.get("diagonals")!, /c: .*C\.mul\(eye\("H"\)\)\.sum\(1\)/);
  });

  test("the file with every emitted gradient checks clean and each verifies", () => {
    assert.deepEqual(new Workspace().analyze(file).diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
    assert.equal(checks.length, fns.length);
    for (const c of checks) assert.equal(c.status, "pass", `${c.gradient} (∂${c.of}): ${c.message}`);
  });
});
