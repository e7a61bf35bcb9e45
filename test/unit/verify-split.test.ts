// A long check's probes split between two processes (check.ts askElements, SPLIT_AT): the halves'
// answers merged give the same numbers and verdict as one process probing everything, and the
// merge stops where the probes stopped.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { mergeHalves, SPLIT_AT } from "../../src/verify/check";
import type { Answer } from "../../src/verify/protocol";
import { checkInProcess } from "../helpers/probe-in-process";

const root = path.resolve(__dirname, "../..");
const f = (...xs: number[]) => Float64Array.from(xs);

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

test("the seed's W1 past SPLIT_AT: split and unsplit checks give the same bits and verdict", async () => {
  const dir = mkdtempSync(path.join(root, "test-results-split-"));
  try {
    const file = path.join(dir, "seed-split.ts");
    // A wrong factor too (h for h ⊙ (1 − h)), so that a failure's worst element and diagnosis are compared as well.
    const src = readFileSync(path.join(root, "examples/seed.ts"), "utf8")
      .replace(/\/\*\* @gradient loss (\w+) \*\//g, "/**\n * @gradient loss $1\n * @dims D=160 H=128 K=3\n */");
    writeFileSync(file, src + "\n/**\n * @gradient loss W1\n * @dims D=160 H=128 K=3\n */\nexport function dLoss_dW1_wrong(x: Tensor<[1, \"D\"]>, W1: Tensor<[\"D\", \"H\"]>, b1: Tensor<[1, \"H\"]>,\n  W2: Tensor<[\"H\", \"K\"]>, b2: Tensor<[1, \"K\"]>, y: Tensor<[1, \"K\"]>) {\n  const h = sigmoid(x.matmul(W1).add(b1));\n  const yhat = softmax(h.matmul(W2).add(b2));\n  return x.T.matmul(yhat.sub(y).matmul(W2.T).mul(h));\n}\n");
    const rel = path.relative(root, file);
    assert.ok(160 * 128 >= SPLIT_AT);
    for (const only of ["dLoss_dW1", "dLoss_dW1_wrong"]) {
      const split = await checkInProcess(rel, { replay: true, split: true, only });
      const one = await checkInProcess(rel, { replay: true, only });
      const probing = (r: typeof split) => r[0]!.answers.filter((a) => a.elements);
      assert.equal(probing(split).length, 2, "two halves");
      assert.equal(probing(one).length, 1);
      const { cpuMs: _a, ...so } = split[0]!.run.outcome;
      const { cpuMs: _b, ...oo } = one[0]!.run.outcome;
      assert.deepEqual(so, oo);
      assert.equal(so.status, only === "dLoss_dW1" ? "pass" : "fail");
      assert.ok(sameBits(split[0]!.run.numeric!.get("W1")!, one[0]!.run.numeric!.get("W1")!));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const half = (plus: number[], minus: number[], extra: Partial<Answer> = {}): Answer => ({
  f0: 1, elements: [{ plus: f(...plus.slice(0, 2)), minus: f(...minus.slice(0, 2)) }, { plus: f(...plus.slice(2)), minus: f(...minus.slice(2)) }],
  passes: 2, ...extra,
});

test("mergeHalves: each half's elements, across parameters; counts added", () => {
  // Elements 0..4 over two parameters of 2 and 3 elements; the first half is [0, 3).
  const a = half([1, 2, 3, 0, 0], [-1, -2, -3, 0, 0], { done: 3, passes: 6 });
  const b = half([0, 0, 0, 4, 5], [0, 0, 0, -4, -5], { done: 2, passes: 4 });
  const m = mergeHalves(a, b, 3);
  assert.deepEqual(m.elements!.map((e) => [...e.plus]), [[1, 2], [3, 4, 5]]);
  assert.deepEqual(m.elements!.map((e) => [...e.minus]), [[-1, -2], [-3, -4, -5]]);
  assert.equal(m.done, 5);
  assert.equal(m.passes, 10);
  assert.equal(m.stopped, undefined);
});

test("mergeHalves: where the probes stopped", () => {
  const z = [0, 0, 0, 0, 0];
  // Non-finite in the first half: the second's work does not count.
  let m = mergeHalves(half(z, z, { done: 2, stopped: { reason: "non-finite" } }), half(z, z, { done: 2 }), 3);
  assert.deepEqual([m.stopped, m.done], [{ reason: "non-finite" }, 2]);
  // Non-finite in the second half after a complete first: counted from the start.
  m = mergeHalves(half(z, z, { done: 3 }), half(z, z, { done: 1, stopped: { reason: "non-finite" } }), 3);
  assert.deepEqual([m.stopped, m.done], [{ reason: "non-finite" }, 4]);
  // Over budget in either: over budget, with the longer time spent.
  m = mergeHalves(half(z, z, { done: 1, stopped: { reason: "budget", spentMs: 250 } }), half(z, z, { done: 1, stopped: { reason: "budget", spentMs: 300 } }), 3);
  assert.deepEqual([m.stopped, m.done], [{ reason: "budget", spentMs: 300 }, 2]);
  m = mergeHalves(half(z, z, { done: 1, stopped: { reason: "budget", spentMs: 250 } }), half(z, z, { done: 1, stopped: { reason: "non-finite" } }), 3);
  assert.equal(m.stopped?.reason, "budget");
});
