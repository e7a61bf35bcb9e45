// The checker's pure parts, in-process and without user code: comparison and diagnosis, dim
// binding, input sampling, finite differences and the AD walk. Label flow and annotation reading
// are the analyzer's (test/unit/analysis-gradients.test.ts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyOp } from "../../src/ops/numeric";
import type { TensorData } from "../../src/ops/types";
import { compareParam } from "../../src/verify/compare";
import { formatFactor } from "../../src/text/verify-text";
import { bindDims } from "../../src/verify/discover";
import { backprop, type TapeNodeLike } from "../../src/verify/reference";
import { Rng, sampleData, unitDirection } from "../../src/verify/sample";
import { ATOL, RTOL } from "../../src/verify/types";

const arr = (...xs: number[]) => Float64Array.from(xs);
const t = (shape: number[], ...xs: number[]) => ({ shape, data: arr(...xs) });

describe("compareParam", () => {
  const n = arr(1, -2, 3, 0.5, 4, -1); // numeric gradient of a [2,3] parameter

  it("passes within atol + rtol·|n| and fails just outside", () => {
    const inside = n.map((x) => x + 0.9 * (ATOL + RTOL * Math.abs(x)));
    const outside = n.map((x, i) => (i === 4 ? x + 1.1 * (ATOL + RTOL * Math.abs(x)) : x));
    assert.equal(compareParam("W", [2, 3], { shape: [2, 3], data: inside }, n).pass, true);
    const r = compareParam("W", [2, 3], { shape: [2, 3], data: outside }, n);
    assert.equal(r.pass, false);
    assert.deepEqual(r.worst?.index, [1, 1]);
    assert.equal(r.bad, 1);
  });

  it("maxRelError is |a − n| / max(|a|, |n|)", () => {
    const r = compareParam("x", [1, 2], t([1, 2], 1, 3), arr(2, 3));
    assert.equal(r.maxAbsError, 1);
    assert.equal(r.maxRelError, 0.5);
  });

  it("names sign-flipped, scaled (with its factor), zero", () => {
    assert.equal(compareParam("W", [2, 3], { shape: [2, 3], data: n.map((x) => -x) }, n).diagnosis, "sign-flipped");
    const s = compareParam("W", [2, 3], { shape: [2, 3], data: n.map((x) => 2 * x) }, n);
    assert.equal(s.diagnosis, "scaled");
    assert.match(s.note!, /2 × the numeric/);
    assert.equal(compareParam("W", [2, 3], { shape: [2, 3], data: new Float64Array(6) }, n).diagnosis, "zero");
  });

  it("names transposed for the transposed shape and for a square case, not for a symmetric one", () => {
    const nt = arr(1, 0.5, -2, 4, 3, -1); // n laid out as its [3,2] transpose
    const r = compareParam("W", [2, 3], { shape: [3, 2], data: nt }, n);
    assert.equal(r.diagnosis, "transposed");
    assert.equal(r.pass, false);
    const sq = arr(1, 2, 3, 4);
    assert.equal(compareParam("A", [2, 2], t([2, 2], 1, 3, 2, 4), sq).diagnosis, "transposed");
    // A gradient that is wrong in another way is not mistaken for a transposition.
    assert.equal(compareParam("A", [2, 2], t([2, 2], 1, 3, 2, 5), sq).diagnosis, null);
  });

  it("gives no diagnosis when no single mistake explains every element", () => {
    const r = compareParam("W", [2, 3], { shape: [2, 3], data: n.map((x, i) => (i === 0 ? x + 1 : x)) }, n);
    assert.equal(r.pass, false);
    assert.equal(r.diagnosis, null);
  });

  it("reports a shape that is neither the parameter's nor its transpose", () => {
    const r = compareParam("W", [2, 3], t([1, 6], ...n), n);
    assert.equal(r.pass, false);
    assert.equal(r.maxAbsError, null);
    assert.match(r.note!, /returned \[1,6\] but W is \[2,3\]/);
  });

  it("formats factors readably", () => {
    assert.equal(formatFactor(2.0000000001), "2");
    assert.equal(formatFactor(1 / 3), "0.3333");
  });
});

describe("bindDims", () => {
  it("gives unbound dims distinct sizes from 2, skipping bound sizes and literal dims", () => {
    assert.deepEqual(bindDims(["D", "H", "K"], {}, []), { D: 2, H: 3, K: 4 });
    assert.deepEqual(bindDims(["D", "H", "K"], { H: 2 }, [3]), { D: 4, H: 2, K: 5 });
    assert.deepEqual(bindDims(["N", "N"], {}, []), { N: 2 });
  });
});

describe("sampling", () => {
  it("is reproducible per seed and differs across seeds", () => {
    assert.deepEqual(sampleData(new Rng(1), "normal", [3, 4]), sampleData(new Rng(1), "normal", [3, 4]));
    assert.notDeepEqual(sampleData(new Rng(1), "normal", [3, 4]), sampleData(new Rng(2), "normal", [3, 4]));
  });
  it("one-hot: exactly one 1 per row, a column vector is one lane", () => {
    const d = sampleData(new Rng(3), "onehot", [4, 5]);
    for (let r = 0; r < 4; r++) assert.deepEqual([...d.subarray(r * 5, r * 5 + 5)].sort(), [0, 0, 0, 0, 1]);
    assert.equal(sampleData(new Rng(3), "onehot", [6, 1]).reduce((a, b) => a + b, 0), 1);
  });
  it("probability: positive rows summing to 1; positive: within [0.5, 2]", () => {
    const p = sampleData(new Rng(4), "probability", [3, 4]);
    for (let r = 0; r < 3; r++) assert.ok(Math.abs(p.subarray(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(p.every((x) => x > 0));
    assert.ok(sampleData(new Rng(5), "positive", [50]).every((x) => x >= 0.5 && x <= 2));
  });
  it("directions have unit length", () => {
    const u = unitDirection(new Rng(6), 100);
    assert.ok(Math.abs(u.reduce((s, x) => s + x * x, 0) - 1) < 1e-12);
  });
});

describe("references", () => {
  it("backprop over a hand-built tape accumulates a tensor used twice", () => {
    // f = Σ σ(x @ W) ⊙ (x @ W): x@W feeds two ops, so its gradient is the sum of two VJPs.
    const x: TensorData = t([1, 2], 0.3, -0.8);
    const W: TensorData = t([2, 3], 0.5, -1, 2, 0.1, 0.7, -0.4);
    const tape: TapeNodeLike[] = [];
    const run = (op: string, inputs: TensorData[], attrs = {}) => {
      const output = applyOp(op, inputs, attrs);
      tape.push({ op, inputs, output, attrs });
      return output;
    };
    const forward = () => {
      tape.length = 0;
      const z = run("matmul", [x, W]);
      return run("sum", [run("mul", [run("sigmoid", [z]), z])]);
    };
    const out = forward();
    const [gx, gW] = backprop(tape, out, [x, W]);
    // Central differences, as the checker computes them from the worker's probes.
    const fd = (p: TensorData) =>
      Float64Array.from(p.data, (v, i) => {
        p.data[i] = v + 1e-6;
        const plus = forward().data[0]!;
        p.data[i] = v - 1e-6;
        const minus = forward().data[0]!;
        p.data[i] = v;
        return (plus - minus) / 2e-6;
      });
    const nx = fd(x);
    const nW = fd(W);
    gx!.forEach((g, i) => assert.ok(Math.abs(g - nx[i]!) < 1e-7, `x[${i}]`));
    gW!.forEach((g, i) => assert.ok(Math.abs(g - nW[i]!) < 1e-7, `W[${i}]`));
  });
});
