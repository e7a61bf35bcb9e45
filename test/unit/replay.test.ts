// Finite differences through the runtime's replay of the base pass (src/runtime/replay.ts) give
// the very numbers plain calls of F give, bit for bit, on the verify fixtures: the seed network,
// a wrong gradient, F computing outside the ops, the v2 networks (attention, layer norm, gating,
// masks), the object form. The worker's code runs in this process (trusted fixtures).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkInProcess } from "../helpers/probe-in-process";
import { seedAt } from "../helpers/seed-at";

const FIXTURES = [
  "examples/seed.ts", "test/verify/seed-bug.ts", "test/verify/ad-disagrees.ts", "test/verify/wrong.ts", "test/verify/object.ts",
  "test/verify/v2/attention.ts", "test/verify/v2/layernorm.ts", "test/verify/v2/gated.ts", "test/verify/v2/masked.ts",
];

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

for (const file of FIXTURES) {
  test(`${file}: replayed probes equal plain calls of F, bit for bit`, async () => {
    const replayed = await checkInProcess(file, { replay: true });
    const plain = await checkInProcess(file, { replay: false });
    assert.ok(replayed.length > 0, "no checks");
    assert.equal(replayed.length, plain.length);
    let probed = 0;
    for (const [i, r] of replayed.entries()) {
      const p = plain[i]!;
      const name = `${file} ${r.spec.gradient}`;
      const { cpuMs: _a, ms: _b, ...ro } = r.run.outcome as typeof r.run.outcome & { ms?: number };
      const { cpuMs: _c, ms: _d, ...po } = p.run.outcome as typeof p.run.outcome & { ms?: number };
      assert.deepEqual(ro, po, `${name}: same outcome`);
      const re = r.answers.filter((a) => a.elements);
      const pe = p.answers.filter((a) => a.elements);
      assert.equal(re.length, pe.length);
      for (const [k, a] of re.entries()) {
        assert.equal(a.replayed, true, `${name}: the probes were not replayed`);
        assert.equal(pe[k]!.replayed, undefined);
        a.elements!.forEach((e, j) => {
          assert.ok(sameBits(e.plus, pe[k]!.elements![j]!.plus), `${name}: F(x + εe) differs`);
          assert.ok(sameBits(e.minus, pe[k]!.elements![j]!.minus), `${name}: F(x − εe) differs`);
          probed += e.plus.length;
        });
      }
    }
    assert.ok(probed > 0, `${file}: nothing probed element by element`);
  });
}

test("the seed network at a larger size, where the matmul delta rule carries the W1 probes", async () => {
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const path = await import("node:path");
  const dir = mkdtempSync(path.join(path.resolve(__dirname, "../.."), "test-results-replay-"));
  try {
    const file = path.join(dir, "seed-mid.ts");
    writeFileSync(file, seedAt("D=37 H=19 K=5"));
    const rel = path.relative(path.resolve(__dirname, "../.."), file);
    const replayed = await checkInProcess(rel, { replay: true, only: "dLoss_dW1" });
    const plain = await checkInProcess(rel, { replay: false, only: "dLoss_dW1" });
    const a = replayed[0]!.answers.find((x) => x.elements)!;
    const b = plain[0]!.answers.find((x) => x.elements)!;
    assert.equal(a.replayed, true);
    assert.equal(a.elements![0]!.plus.length, 37 * 19);
    assert.ok(sameBits(a.elements![0]!.plus, b.elements![0]!.plus));
    assert.ok(sameBits(a.elements![0]!.minus, b.elements![0]!.minus));
    assert.equal(replayed[0]!.run.outcome.status, "pass");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
