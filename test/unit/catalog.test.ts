// The op catalog's self-test: every op's VJP against central finite differences, every shape rule
// against its forward kernel, and the broadcasting kernels against naive reference loops.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CATALOG } from "../../src/ops/catalog";
import { expandTo, sumTo, zip } from "../../src/ops/kernels";
import type { OpDef } from "../../src/ops/types";
import { type Case, caseOf, filled, numel, rng, vjpErrors, worst } from "../helpers/vjp-check";

// ---- Random inputs ---------------------------------------------------------------------------

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = (minLength: number, maxLength: number) => fc.array(dim, { minLength, maxLength });

/** Two shapes that broadcast: a common base with some dims set to 1 and some leading dims dropped. */
const broadcastPair = fc
  .record({
    base: shapeArb(0, 4),
    onesA: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    onesB: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    dropA: fc.nat(4),
    dropB: fc.nat(4),
  })
  .map(({ base, onesA, onesB, dropA, dropB }) => {
    const derive = (ones: boolean[], drop: number) => base.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, base.length));
    return { base, a: derive(onesA, dropA), b: derive(onesB, dropB) };
  });

const caseArb = (op: OpDef) => fc.integer().map((seed) => caseOf(op, seed));

// ---- The VJP check ---------------------------------------------------------------------------

test("every op's self-test draws operands its shape rule accepts, of every operand count it takes", () => {
  for (const op of CATALOG.values()) {
    const counts = new Set<number>();
    for (let seed = 0; seed < 50; seed++) {
      const c = caseOf(op, seed);
      counts.add(c.args.length);
      const r = op.shape(c.args.map((a) => a.shape), c.attrs);
      assert.ok(r.ok, `${op.name} seed ${seed}: ${r.ok ? "" : r.problem.message}`);
    }
    if (!op.surface.list) assert.deepEqual([...counts], [op.surface.operands.length], op.name);
    else assert.ok(counts.size > 1, `${op.name}: lists of one length only`);
  }
});

for (const op of CATALOG.values()) {
  test(`vjp of ${op.name} matches central finite differences`, () => {
    fc.assert(
      fc.property(caseArb(op), fc.integer(), (c, gSeed) => {
        const errors = vjpErrors(op, c, gSeed);
        assert.deepEqual(errors.slice(0, 3), [], `${op.name} on [${c.args.map((a) => `[${a.shape}]`)}] ${JSON.stringify(c.attrs)}`);
      }),
      { numRuns: 40 },
    );
  });
}

test("the VJP check catches wrong VJPs (mutants of real ops)", () => {
  const sigmoid = CATALOG.get("sigmoid")!;
  const add = CATALOG.get("add")!;
  const matmul = CATALOG.get("matmul")!;
  const mutants: Array<[OpDef, Case]> = [
    // σ′ written as σ (forgetting the 1 − σ factor).
    [{ ...sigmoid, vjp: (o, g, _a, out) => [o.mul!(g, out)] }, { args: [filled([2, 3], "normal", rng(1))], attrs: {} }],
    // A broadcast operand's gradient not summed back (unbroadcast forgotten).
    [{ ...add, vjp: (_o, g) => [g, g] }, { args: [filled([2, 3], "normal", rng(2)), filled([1, 3], "normal", rng(3))], attrs: {} }],
    // The seed's confusion in reverse: g @ b where g @ bᵀ is right (square, so shapes still fit).
    [{ ...matmul, vjp: (o, g, [a, b]) => [o.matmul!(g, b!), o.matmul!(o.transpose!(a!), g)] },
      { args: [filled([3, 3], "normal", rng(4)), filled([3, 3], "normal", rng(5))], attrs: {} }],
    // A sign error.
    [{ ...CATALOG.get("sub")!, vjp: (o, g, [a, b]) => [o.unbroadcast!(g, a!), o.unbroadcast!(g, b!)] },
      { args: [filled([2], "normal", rng(6)), filled([2], "normal", rng(7))], attrs: {} }],
  ];
  for (const [op, c] of mutants) assert.notDeepEqual(vjpErrors(op, c, 7, false), [], `mutant of ${op.name} passed`);
});

test("finite-difference agreement is well inside the tolerance", () => {
  // Run after the per-op tests (node:test runs a file's tests in order); the ratio is error over
  // allowed error, so a value near 1 would mean the tolerance is what makes the tests pass.
  assert.ok(worst.error < 0.5, `worst error is ${worst.error} of the tolerance`);
});

// ---- Docs and shape rules --------------------------------------------------------------------

test("every op has a doc, a jacobianDoc and a Jacobian structure", () => {
  for (const op of CATALOG.values()) {
    assert.ok(op.doc.trim().length > 5, `${op.name}.doc`);
    assert.ok(op.jacobianDoc.trim().length > 5, `${op.name}.jacobianDoc`);
    assert.ok(["diagonal", "linear", "full"].includes(op.jacobian), `${op.name}.jacobian`);
  }
});

for (const op of CATALOG.values()) {
  test(`shape rule of ${op.name} agrees with its kernel's output shape`, () => {
    fc.assert(
      fc.property(caseArb(op), (c) => {
        const r = op.shape(c.args.map((a) => a.shape), c.attrs);
        assert.ok(r.ok, r.ok ? "" : r.problem.message);
        const out = op.forward(c.args, c.attrs);
        assert.deepEqual(r.shape, out.shape);
        assert.equal(out.data.length, numel(out.shape));
      }),
      { numRuns: 100 },
    );
  });
}

test("element-wise shape rules refuse shapes that do not broadcast, with the analyzer's wording", () => {
  fc.assert(
    fc.property(shapeArb(1, 3), fc.nat(2), fc.integer({ min: 2, max: 4 }), (s, at, extra) => {
      // At one axis, make the dims differ with neither of them 1.
      const axis = at % s.length;
      s[axis] = Math.max(2, s[axis]!);
      const other = s.slice();
      other[axis] = s[axis]! + extra;
      for (const name of ["add", "sub", "mul", "div"]) {
        const r = CATALOG.get(name)!.shape([s, other], {});
        assert.ok(!r.ok && r.problem.code === "elementwise-mismatch", name);
        assert.match(r.ok ? "" : r.problem.message, new RegExp(`^${name} \\[`));
      }
    }),
  );
});

test("crossEntropy needs prediction and label of the same shape", () => {
  const ce = CATALOG.get("crossEntropy")!;
  assert.equal(ce.shape([[1, "K"], [1, "K"]], {}).ok, true);
  const r = ce.shape([[2, 3], [1, 3]], {});
  assert.ok(!r.ok);
  assert.equal(r.ok ? "" : r.problem.message, "crossEntropy [2,3] and [1,3]: prediction and label need the same shape (dimensions 2 and 1 differ, axis 0)");
});

// ---- Broadcasting kernels against naive loops ------------------------------------------------

function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = k % shape[i]!;
    k = Math.floor(k / shape[i]!);
  }
  return idx;
}

/** The flat index into `src` read for output index `idx` under NumPy broadcasting. */
function sourceIndex(src: readonly number[], idx: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < src.length; i++) {
    const o = idx[idx.length - src.length + i]!;
    flat = flat * src[i]! + (src[i] === 1 ? 0 : o);
  }
  return flat;
}

function broadcastOf(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    return da === 1 ? db : da;
  });
}

const pairCase = broadcastPair.chain(({ base, a, b }) =>
  fc.integer().map((seed) => {
    const r = rng(seed);
    return { base, a: filled(a, "normal", r), b: filled(b, "normal", r) };
  }),
);

test("zip matches a naive broadcasting loop", () => {
  fc.assert(
    fc.property(pairCase, ({ a, b }) => {
      const f = (x: number, y: number) => 3 * x - y * y;
      const got = zip(a, b, f);
      const shape = broadcastOf(a.shape, b.shape);
      assert.deepEqual(got.shape, shape);
      const want = Array.from({ length: numel(shape) }, (_, k) => {
        const idx = unravel(k, shape);
        return f(a.data[sourceIndex(a.shape, idx)]!, b.data[sourceIndex(b.shape, idx)]!);
      });
      assert.deepEqual(Array.from(got.data), want);
    }),
    { numRuns: 300 },
  );
});

test("expandTo matches a naive broadcasting copy", () => {
  fc.assert(
    fc.property(pairCase, ({ base, a }) => {
      const got = expandTo(a, base);
      assert.deepEqual(got.shape, base);
      const want = Array.from({ length: numel(base) }, (_, k) => a.data[sourceIndex(a.shape, unravel(k, base))]!);
      assert.deepEqual(Array.from(got.data), want);
    }),
    { numRuns: 300 },
  );
});

test("sumTo matches a naive sum over broadcast axes", () => {
  fc.assert(
    fc.property(pairCase, ({ base, a }) => {
      const big = filled(base, "normal", rng(numel(base)));
      const got = sumTo(big, a.shape);
      assert.deepEqual(got.shape, a.shape);
      const want = new Array<number>(numel(a.shape)).fill(0);
      for (let k = 0; k < big.data.length; k++) want[sourceIndex(a.shape, unravel(k, base))]! += big.data[k]!;
      got.data.forEach((x, i) => assert.ok(Math.abs(x - want[i]!) < 1e-12, `element ${i}: ${x} vs ${want[i]}`));
    }),
    { numRuns: 300 },
  );
});
