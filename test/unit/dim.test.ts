// Dim expressions (src/shape/dim.ts): one normal form per polynomial, so `===` is polynomial
// equality; arithmetic, exact division, names, signs and evaluation under a binding.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  dimAdd, dimDivExact, dimMul, dimNames, dimSign, dimSub, evaluateDim, formatProduct, isDimExpression, normalizeDim, shapeProduct,
} from "../../src/shape/dim";

test("the normal form: falling degree, names in order, coefficient first, constant last, no spaces", () => {
  const cases: Array<[string, string | number]> = [
    ["H", "H"], ["K + H", "H+K"], ["H+H", "2*H"], ["T*B", "B*T"], ["B*T + 2*H - 1", "B*T+2*H-1"],
    ["1 - H + K", "-H+K+1"], ["(H+1)*2", "2*H+2"], ["H*H", "H*H"], ["(H-1)*(H+1)", "H*H-1"], ["-(-H)", "H"],
    ["H - H", 0], ["2+1", 3], ["0*H", 0], ["3", 3], ["-2", -2], ["batch * seq_len", "batch*seq_len"], ["Bé+A", "A+Bé"],
  ];
  for (const [written, normal] of cases) assert.equal(normalizeDim(written), normal, written);
});

test("strings that are not expressions stay opaque names, exactly as written", () => {
  for (const s of ["n heads", "D'", "2H", "H/2", "H+", "(H", "H**2", ""]) assert.equal(normalizeDim(s), s);
  assert.equal(dimAdd("n heads", 1), null);
  assert.equal(dimSub("n heads", "n heads"), 0);
  assert.deepEqual(dimNames("n heads"), ["n heads"]);
  assert.equal(isDimExpression("n heads"), false);
  assert.equal(isDimExpression("H"), false);
  assert.equal(isDimExpression("H+1"), true);
});

test("arithmetic on dims: numbers stay numbers, unknown stays unknown", () => {
  assert.equal(dimAdd("H", "K"), "H+K");
  assert.equal(dimAdd(2, 3), 5);
  assert.equal(dimAdd("H", -1), "H-1");
  assert.equal(dimSub("H+K", "K"), "H");
  assert.equal(dimMul("B", "T"), "B*T");
  assert.equal(dimMul(null, 0), 0);
  assert.equal(dimAdd(null, 1), null);
  assert.equal(shapeProduct(["B", "T", "D"]), "B*D*T");
  assert.equal(shapeProduct([2, "H", 3]), "6*H");
  assert.equal(shapeProduct(null), null);
  assert.equal(dimDivExact("B*D*T", "D"), "B*T");
  assert.equal(dimDivExact("2*H+4", 2), "H+2");
  assert.equal(dimDivExact("B*T", "H"), null);
  assert.equal(dimDivExact("H+1", 2), null);
  assert.equal(dimDivExact(6, 4), null);
  assert.equal(dimDivExact(6, 0), null);
});

test("random polynomials: normalising is idempotent and equality does not depend on how they are written", () => {
  const name = fc.constantFrom<string>("A", "B", "H", "K");
  const term = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.array(name, { maxLength: 2 }));
  fc.assert(
    fc.property(fc.array(term, { minLength: 1, maxLength: 4 }), fc.integer(), (terms, seed) => {
      const write = (ts: typeof terms) => ts.map(([c, ns]) => [String(c), ...ns].join("*")).join(" + ");
      const n = normalizeDim(write(terms));
      // Reordered terms and factors give the same normal form.
      const reordered = terms.map(([c, ns]): [number, string[]] => [c, ns.slice().reverse()]);
      const shuffled = seed & 1 ? reordered.reverse() : [...reordered.slice(1), reordered[0]!];
      assert.equal(normalizeDim(write(shuffled)), n);
      if (typeof n === "string") assert.equal(normalizeDim(n), n);
      // Evaluation of the normal form equals evaluation of what was written.
      const sizes: Record<string, number> = { A: 2, B: 3, H: 5, K: 7 };
      const direct = terms.reduce((s, [c, ns]) => s + ns.reduce((p, x) => p * sizes[x]!, c), 0);
      assert.equal(typeof n === "number" ? n : evaluateDim(n as string, (x) => sizes[x]), direct);
    }),
  );
});

test("dimNames lists the names of an expression; dimSign decides only what holds for all sizes ≥ 1", () => {
  assert.deepEqual(dimNames("B*T+2*H"), ["B", "T", "H"]);
  assert.deepEqual(dimNames(3), []);
  assert.equal(dimSign("H-1"), "nonnegative");
  assert.equal(dimSign("H-2"), "unknown");
  assert.equal(dimSign("-H"), "negative");
  assert.equal(dimSign("-H-K+1"), "negative");
  assert.equal(dimSign("H+K"), "nonnegative");
  assert.equal(dimSign("K-H"), "unknown");
  assert.equal(dimSign(-1), "negative");
  assert.equal(dimSign(null), "unknown");
});

test("evaluation names the first unbound name", () => {
  assert.equal(evaluateDim("H+K", (n) => ({ H: 3, K: 2 })[n]), 5);
  assert.throws(() => evaluateDim("H+K", (n) => ({ H: 3 })[n as "H"]), { message: 'unbound dim "K" in "H+K": bind it with bindDims({ K: … }) or @dims K=…' });
  assert.throws(() => evaluateDim("n heads", () => undefined), /unbound dim "n heads"/);
});

test("element counts as messages write them", () => {
  assert.equal(formatProduct(["B", "T", "D"]), "B·T·D");
  assert.equal(formatProduct(["B*T", "H"]), "B·T·H");
  assert.equal(formatProduct([1, "H+K", 2]), "(H+K)·2");
  assert.equal(formatProduct([2, 3]), "6");
  assert.equal(formatProduct([]), "1");
});
