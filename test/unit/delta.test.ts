// The catalog's delta rules (src/ops/delta.ts) against the ops' own forward kernels: on the
// self-test's draws, with a few elements of one or more operands moved as finite differences move
// them, the rule's output must be the forward's, bit for bit (NaN, ±∞ and −0 included).
import assert from "node:assert/strict";
import { test } from "node:test";
import { CATALOG } from "../../src/ops/catalog";
import type { OpDef, TensorData } from "../../src/ops/types";
import { caseOf } from "../helpers/vjp-check";

const withDelta = [...CATALOG.values()].filter((op) => op.delta);

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/** Moves `count` elements of operand `j` (or every operand when j < 0); returns the new operands and the changed lists. */
function move(args: TensorData[], j: number, count: number, seed: number, odd: boolean) {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const moved = args.map((a) => ({ shape: a.shape.slice(), data: a.data.slice() }));
  const changed = args.map((_a, k): Int32Array => {
    if (j >= 0 && k !== j) return new Int32Array(0);
    const n = args[k]!.data.length;
    const picked = new Set<number>();
    for (let t = 0; t < Math.min(count, n); t++) picked.add(Math.floor(next() * n));
    for (const i of picked) {
      const specials = [NaN, Infinity, -Infinity, -0, 0];
      moved[k]!.data[i] = odd && next() < 0.3 ? specials[Math.floor(next() * specials.length)]! : args[k]!.data[i]! + (next() < 0.5 ? 1e-6 : -1e-6);
    }
    return Int32Array.from([...picked].sort((x, y) => x - y));
  });
  return { moved, changed };
}

test("catalog ops with a delta rule: element-wise ops (user and internal) and matmul", () => {
  const names = withDelta.map((op) => op.name);
  for (const op of CATALOG.values()) if (op.kind === "elementwise") assert.ok(names.includes(op.name), `${op.name} has no delta rule`);
  assert.ok(names.includes("matmul"));
});

for (const op of withDelta) {
  test(`${op.name}: its delta rule gives its forward's bits`, () => {
    let used = 0;
    for (let seed = 0; seed < 300; seed++) {
      const c = caseOf(op as OpDef, seed);
      const before = { inputs: c.args, output: op.forward(c.args, c.attrs) };
      const memo = {};
      // Several probes against the same earlier call, as replay makes them (the memo is reused).
      for (let probe = 0; probe < 4; probe++) {
        const j = (seed + probe) % (c.args.length + 1) - 1;
        const { moved, changed } = move(c.args, j, 1 + ((seed + probe) % 3), seed * 7 + probe, seed % 5 === 0);
        const got = op.delta!(moved, c.attrs, changed, before, memo);
        if (got === null) continue;
        used++;
        const want = op.forward(moved, c.attrs);
        assert.deepEqual(got.shape, want.shape, `${op.name} seed ${seed}: shape`);
        assert.ok(sameBits(got.data, want.data), `${op.name} seed ${seed} probe ${probe}: ${Array.from(got.data)} ≠ ${Array.from(want.data)}`);
      }
    }
    // The rule must actually take over on some draws, or this test checks nothing.
    assert.ok(used > 50, `${op.name}'s delta rule answered only ${used} times`);
  });
}

test("the matmul rule on the seed's shapes: a column per weight probe, a row per input probe", () => {
  const matmul = CATALOG.get("matmul")!;
  const r = (n: number, s: number) => Float64Array.from({ length: n }, (_v, i) => Math.sin(i * 12.9898 + s) * 3);
  const a = { shape: [3, 40], data: r(120, 1) };
  const b = { shape: [40, 17], data: r(680, 2) };
  const before = { inputs: [a, b], output: matmul.forward([a, b], {}) };
  const memo = {};
  for (const [which, idx] of [[1, 0], [1, 679], [1, 333], [0, 5], [0, 119]] as const) {
    const moved = [a, b].map((t) => ({ shape: t.shape, data: t.data.slice() }));
    moved[which]!.data[idx] += 1e-6;
    const changed = [0, 1].map((k) => (k === which ? Int32Array.of(idx) : new Int32Array(0)));
    const got = matmul.delta!(moved, {}, changed, before, memo);
    assert.ok(got, `no delta for operand ${which} element ${idx}`);
    assert.ok(sameBits(got.data, matmul.forward(moved, {}).data), `operand ${which} element ${idx}`);
  }
  // Too many rows to keep their folds: a moved b[p,j] recomputes column j with the kernel.
  const big = [{ shape: [64, 257], data: r(64 * 257, 3) }, { shape: [257, 300], data: r(257 * 300, 4) }];
  const bigBefore = { inputs: big, output: matmul.forward(big, {}) };
  const bigMemo: Record<string, unknown> = {};
  for (const idx of [0, 300 * 256 + 299, 1234]) {
    const moved = [big[0]!, { shape: big[1]!.shape, data: big[1]!.data.slice() }];
    moved[1]!.data[idx] -= 1e-6;
    const got = matmul.delta!(moved, {}, [new Int32Array(0), Int32Array.of(idx)], bigBefore, bigMemo);
    assert.ok(got && sameBits(got.data, matmul.forward(moved, {}).data), `b element ${idx}`);
  }
  assert.ok(bigMemo.bT, "the column path was taken");
  // Both operands moved, or most of one: the full kernel.
  assert.equal(matmul.delta!([a, b], {}, [Int32Array.of(0), Int32Array.of(0)], before, memo), null);
  assert.equal(matmul.delta!([a, b], {}, [new Int32Array(0), null], before, memo), null);
});
