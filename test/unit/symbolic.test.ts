// The catalog's VJPs over symbolic expressions (the algebra the derivation writer uses): every
// op's gradient has its operand's symbolic shape, reads as math, and, evaluated numerically,
// equals the numeric VJP, so the hand simplifications are sound for every op, internal ones too.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Evaluator } from "../../src/explain/evaluate";
import type { GNode } from "../../src/explain/graph";
import { render, RenderNames } from "../../src/explain/render";
import { gradOf, ref, SExpr, simplifyingAlgebra } from "../../src/explain/sexpr";
import { CATALOG, makeOps } from "../../src/ops/catalog";
import { applyOp, numericAlgebra } from "../../src/ops/numeric";
import { Draw } from "../../src/ops/selftest";
import type { OpAttrs, TensorData } from "../../src/ops/types";
import { ShapeError } from "../../src/shape/problems";
import { evaluateDim } from "../../src/shape/dim";
import { Dim, formatShape, Shape, shapeEquals } from "../../src/shape/shape";

const alg = simplifyingAlgebra({ transposes: true });
const o = makeOps(alg);
let ids = 0;
const input = (text: string, shape: Shape): GNode => ({ id: ids++, kind: "input", args: [], attrs: {}, shape, text, diff: true });
const NAMES: RenderNames = { name: (n) => n.name ?? n.text, grad: (n) => (n.name === "y" ? "g" : `∂${n.name ?? n.text}`) };
const show = (e: SExpr) => render(e, NAMES);

/** One op applied to inputs a, b, … (or `names`): its output node y and each operand's gradient given g = ∂y. */
function vjp(op: string, shapes: readonly Shape[], attrs: OpAttrs = {}, names = ["a", "b", "c"]) {
  const args = shapes.map((s, i) => input(names[i] ?? `x${i}`, s));
  const shape = alg.apply(op, args.map(ref), attrs).shape;
  const out: GNode = { id: ids++, kind: "op", op, args, attrs, shape, name: "y" };
  return { args, out, grads: CATALOG.get(op)!.vjp(o, gradOf(out), args.map(ref), ref(out), attrs) };
}
const exprs = (op: string, shapes: Shape[], attrs: OpAttrs = {}, names?: string[]) =>
  vjp(op, shapes, attrs, names).grads.map((g) => `${show(g)} ${formatShape(g.shape)}`);

test("sigmoid's VJP is element-wise: g ⊙ y ⊙ (1 − y), shape [1,H]", () => {
  assert.deepEqual(exprs("sigmoid", [[1, "H"]]), ["g ⊙ y ⊙ (1 − y) [1,H]"]);
});

test("matmul's VJP is g @ bᵀ and aᵀ @ g, with the operands' shapes", () => {
  assert.deepEqual(exprs("matmul", [[1, "D"], ["D", "H"]]), ["g @ bᵀ [1,D]", "aᵀ @ g [D,H]"]);
  assert.deepEqual(exprs("matmul", [[1, "H"], ["H", "K"]], {}, ["h", "W2"])[0], "g @ W2ᵀ [1,H]");
});

test("broadcasting shows in the VJP: the broadcast operand's gradient is summed over its size-1 axis", () => {
  assert.deepEqual(exprs("add", [["N", "H"], [1, "H"]]), ["g [N,H]", "sum(g, 0) [1,H]"]);
  assert.deepEqual(exprs("sub", [[1, "H"], [1, "H"]]), ["g [1,H]", "−g [1,H]"]);
  assert.deepEqual(exprs("softmax", [[1, "K"]]), ["y ⊙ (g − sum(g ⊙ y, -1)) [1,K]"]);
});

test("rendering parenthesises where precedence needs it, and around a ⊙ that @ takes as its left operand", () => {
  const [a, b, c] = ["a", "b", "c"].map((n) => ref(input(n, ["N", "N"]))) as [SExpr, SExpr, SExpr];
  assert.equal(show(o.transpose!(o.matmul!(a, b))), "(a @ b)ᵀ");
  // (Aᵀ B)ᵀ = Bᵀ A when the whole gradient is written; a single step keeps the rule visible.
  assert.equal(show(o.transpose!(o.matmul!(o.transpose!(a), b))), "bᵀ @ a");
  assert.equal(show(makeOps(simplifyingAlgebra({ transposes: false })).transpose!(o.matmul!(o.transpose!(a), b))), "(aᵀ @ b)ᵀ");
  assert.equal(show(o.matmul!(a, o.mul!(b, c))), "a @ (b ⊙ c)");
  assert.equal(show(o.matmul!(o.mul!(a, b), c)), "(a ⊙ b) @ c");
  assert.equal(show(o.sub!(a, o.sub!(b, c))), "a − (b − c)");
  assert.equal(show(o.sub!(o.sub!(a, b), c)), "a − b − c");
  assert.equal(show(o.neg!(o.add!(a, b))), "−(a + b)");
  assert.equal(show(o.mul!(a, o.mul!(b, c))), "a ⊙ b ⊙ c");
  assert.equal(show(o.div!(a, o.mul!(b, c))), "a / (b ⊙ c)");
  assert.equal(show(o.sigmoid!(o.transpose!(a))), "σ(aᵀ)");
  assert.equal(show(o.sum!(a, o.attrs({ axis: 0 }))), "sum(a, 0)");
});

test("symbolic shapes come from the catalog's rules, errors included (the seed's confusion)", () => {
  const h = ref(input("h", [1, "H"]));
  assert.throws(() => o.matmul!(h, h), (e: unknown) =>
    e instanceof ShapeError && e.message === "matmul [1,H] @ [1,H]: inner dimensions H and 1 differ");
  assert.deepEqual(o.mul!(h, ref(input("c", ["H", 1]))).shape, ["H", "H"]);
});

/**
 * Symbolic operand shapes, for the ops where symbolic dims say more than numbers (broadcasting,
 * dim expressions); every other op of the catalog runs on its self-test's draw (see CASES).
 */
const SYMBOLIC: Record<string, [Shape[], OpAttrs?]> = {
  add: [[["N", "H"], [1, "H"]]], sub: [[[1, "H"], ["N", 1]]], mul: [[["H"], ["N", 1]]], div: [[[1, "H"], []]],
  neg: [[["N", "H"]]], sigmoid: [[[1, "H"]]], tanh: [[[1, "H"]]], relu: [[[1, "H"]]], exp: [[["H"]]], log: [[[]]],
  step: [[[1, "H"]]], matmul: [[[1, "D"], ["D", "H"]]], transpose: [[["D", "H"]]], diag: [[[1, "N"]]],
  outer: [[[1, "M"], ["N", 1]]], sum: [[["N", "H"]], { axis: -1 }], mean: [[["N", "H"]], { axis: 0 }],
  count: [[["N", "H"]], { axis: 0 }], softmax: [[["N", "K"]]], logSoftmax: [[[1, "K"]]],
  crossEntropy: [[[1, "K"], [1, "K"]]], unbroadcast: [[["N", "H"], [1, "H"]]], expandAs: [[[1, "H"], ["N", "H"]]],
  reshapeAs: [[[1, "N"], ["N", 1]]], diagPart: [[["N", "N"], [1, "N"]]],
  sqrt: [[[1, "H"]]], square: [[["N", "H"]]], abs: [[["H"]]], pow: [[[1, "H"]], { exponent: 3 }],
  maximum: [[["N", "H"], [1, "H"]]], minimum: [[["H"], ["N", 1]]], gt: [[["N", "H"], []]], lt: [[[1, "H"], ["N", 1]]],
  where: [[["N", 1], [1, "H"], ["N", "H"]]], max: [[["N", "H"]], { axis: 1 }], variance: [[["N", "H"]], { axis: -1 }],
  reshape: [[["B", "T", "D"]], { shape: ["B*T", "D"] }], concat: [[[1, "H"], [1, "K"], [1, "H"]], { axis: 1 }],
  slice: [[[1, "H+K"]], { axis: 1, start: "H", end: "H+K" }], unslice: [[[1, "K"], [1, "H+K"]], { axis: -1, start: "H" }],
};
const SIZES: Record<string, number> = { N: 3, H: 4, D: 2, K: 5, M: 2, B: 2, T: 3 };

/** Every op of the catalog (internal ones included): its symbolic case, else its own self-test draw. */
const CASES: Record<string, [Shape[], OpAttrs?]> = Object.fromEntries(
  [...CATALOG.values()].map((op) => {
    if (op.name in SYMBOLIC) return [op.name, SYMBOLIC[op.name]!];
    const c = op.selfTest(new Draw(7));
    return [op.name, [c.operands.map((x) => x.shape), c.attrs ?? {}]];
  }),
);
const size = (d: Dim) => (typeof d === "string" ? evaluateDim(d, (n) => SIZES[n]) : d!);
/** Attributes with their dims evaluated, as the runtime passes them to kernels. */
const numericAttrs = (a: OpAttrs): OpAttrs => ({
  ...a,
  ...(a.shape ? { shape: a.shape.map(size) } : {}),
  ...(a.start !== undefined ? { start: size(a.start) } : {}),
  ...(a.end !== undefined ? { end: size(a.end) } : {}),
});


test("every op's VJP evaluates symbolically, each gradient with its operand's symbolic shape", () => {
  assert.ok(Object.keys(SYMBOLIC).every((n) => CATALOG.has(n)), "a symbolic case for an op the catalog lacks");
  for (const [name, [shapes, attrs = {}]] of Object.entries(CASES)) {
    const { args, grads } = vjp(name, shapes, attrs);
    assert.equal(grads.length, args.length, name);
    grads.forEach((gr, i) => assert.ok(shapeEquals(gr.shape, shapes[i]!), `${name} operand ${i}: ${formatShape(gr.shape)}`));
  }
});

test("the symbolic VJPs, evaluated numerically, equal the numeric VJPs (simplifications are sound)", () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 1.5 + 0.5; // positive, for log and div
  const fill = (shape: number[]): TensorData => ({ shape, data: Float64Array.from({ length: shape.reduce((n, d) => n * d, 1) }, rand) });
  for (const [name, [symShapes, symAttrs = {}]] of Object.entries(CASES)) {
    const shapes = symShapes.map((s) => s.map(size));
    const attrs = numericAttrs(symAttrs);
    const { args, out, grads } = vjp(name, shapes, attrs);
    const values = args.map((a, i) => fill(shapes[i]!.slice() as number[]));
    const ev = new Evaluator(new Map(args.map((a, i) => [a, values[i]!])), {});
    const y = applyOp(name, values, attrs);
    assert.deepEqual(ev.value(out).shape, y.shape);
    const g = fill(y.shape.slice());
    const numeric = CATALOG.get(name)!.vjp(makeOps(numericAlgebra), g, values, y, attrs);
    grads.forEach((gr, i) => {
      const got = ev.expr(gr, (n) => (n === out ? g : undefined));
      assert.deepEqual(got.shape, numeric[i]!.shape, `${name} operand ${i}`);
      got.data.forEach((x, k) => assert.ok(Math.abs(x - numeric[i]!.data[k]!) < 1e-12, `${name} operand ${i} element ${k}`));
    });
  }
});

test("v2 VJPs read as math, with dim expressions in their shapes and bounds", () => {
  assert.deepEqual(exprs("concat", [[1, "H"], [1, "K"]], { axis: 1 }), ["slice(g, 1, 0, H) [1,H]", "slice(g, 1, H, H+K) [1,K]"]);
  assert.deepEqual(exprs("slice", [[1, "2*H"]], { axis: 1, start: "H", end: "2*H" }), ["concat([0, g], 1) [1,2*H]"]);
  assert.deepEqual(exprs("matmul", [["B", "T", "D"], ["D", "H"]]), ["g @ bᵀ [B,T,D]", "sumTo(aᵀ @ g, [D,H]) [D,H]"]);
  assert.deepEqual(exprs("pow", [[1, "H"]], { exponent: 3 }), ["g ⊙ 3 ⊙ a^2 [1,H]"]);
  assert.deepEqual(exprs("softmax", [["B", "T"]], { axis: 0 }), ["y ⊙ (g − sum(g ⊙ y, 0)) [B,T]"]);
  assert.deepEqual(exprs("transpose", [["B", "T", "D"]], { axes: [1, 0, 2] }), ["transpose(g, [1,0,2]) [B,T,D]"]);
  assert.deepEqual(exprs("gt", [[1, "H"], []]), ["0 [1,H]", "0 []"]);
  assert.match(exprs("max", [["N", "H"]], { axis: 1 })[0]!, /𝟙\[/);
});
