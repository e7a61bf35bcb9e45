// The symbolic algebra: the catalog's VJPs rendered as math with symbolic shapes, agreeing with
// the numeric VJPs, and the step-by-step derivation of the seed's network.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CATALOG, makeOps } from "../../src/ops/catalog";
import { applyOp, numericAlgebra } from "../../src/ops/numeric";
import { constant, derive, explainVjp, Expr, formatDerivation, named, render, symbolicAlgebra, variable } from "../../src/ops/symbolic";
import type { OpAttrs, TensorData } from "../../src/ops/types";
import { ShapeError } from "../../src/shape/problems";
import { formatShape, Shape, shapeEquals } from "../../src/shape/shape";

const o = makeOps(symbolicAlgebra);

test("sigmoid's VJP is element-wise: g ⊙ σ ⊙ (1 − σ), shape [1,H]", () => {
  const [grad] = explainVjp("sigmoid", [[1, "H"]]);
  assert.equal(grad!.expr, "g ⊙ σ ⊙ (1 − σ)");
  assert.equal(formatShape(grad!.shape), "[1,H]");
});

test("matmul's VJP is g @ bᵀ and aᵀ @ g, with the operands' shapes", () => {
  const [dx, dW] = explainVjp("matmul", [[1, "D"], ["D", "H"]]);
  assert.deepEqual([dx!.expr, formatShape(dx!.shape)], ["g @ bᵀ", "[1,D]"]);
  assert.deepEqual([dW!.expr, formatShape(dW!.shape)], ["aᵀ @ g", "[D,H]"]);
  const [dh] = explainVjp("matmul", [[1, "H"], ["H", "K"]], {}, ["h", "W2"]);
  assert.equal(dh!.expr, "g @ W2ᵀ");
  assert.equal(formatShape(dh!.shape), "[1,H]");
});

test("broadcasting shows in the VJP: the broadcast operand's gradient is summed back", () => {
  const [da, db] = explainVjp("add", [["N", "H"], [1, "H"]]);
  assert.equal(da!.expr, "g");
  assert.equal(db!.expr, "sumTo(g, [1,H])");
  assert.deepEqual(explainVjp("sub", [[1, "H"], [1, "H"]]).map((g) => g.expr), ["g", "−g"]);
  assert.equal(explainVjp("softmax", [[1, "K"]])[0]!.expr, "y ⊙ (g − sum(g ⊙ y, -1))");
});

test("rendering parenthesises only where precedence and associativity require", () => {
  const [a, b, c] = ["a", "b", "c"].map((n) => variable(n, ["N", "N"])) as [Expr, Expr, Expr];
  assert.equal(render(o.transpose!(o.matmul!(a, b))), "(a @ b)ᵀ");
  assert.equal(render(o.matmul!(a, o.mul!(b, c))), "a @ (b ⊙ c)");
  assert.equal(render(o.matmul!(o.mul!(a, b), c)), "a ⊙ b @ c");
  assert.equal(render(o.sub!(a, o.sub!(b, c))), "a − (b − c)");
  assert.equal(render(o.sub!(o.sub!(a, b), c)), "a − b − c");
  assert.equal(render(o.neg!(o.add!(a, b))), "−(a + b)");
  assert.equal(render(o.mul!(a, o.mul!(b, c))), "a ⊙ b ⊙ c");
  assert.equal(render(o.div!(a, o.mul!(b, c))), "a / (b ⊙ c)");
  assert.equal(render(o.sigmoid!(o.transpose!(a))), "σ(aᵀ)");
  assert.equal(render(o.sum!(a, o.attrs({ axis: 0 }))), "sum(a, 0)");
  assert.equal(render(named("h", o.exp!(a))), "h");
  assert.equal(render(named("h", o.exp!(a)), true), "exp(a)");
});

test("symbolic shapes come from the catalog's rules, errors included (the seed's confusion)", () => {
  const h = variable("h", [1, "H"]);
  assert.throws(() => o.matmul!(h, h), (e: unknown) =>
    e instanceof ShapeError && e.message === "matmul [1,H] @ [1,H]: inner dimensions H and 1 differ");
  assert.deepEqual(o.mul!(h, variable("c", ["H", 1])).shape, ["H", "H"]);
});

/** Symbolic operand shapes for every op of the catalog (internal ones included). */
const SHAPES: Record<string, [Shape[], OpAttrs?]> = {
  add: [[["N", "H"], [1, "H"]]], sub: [[[1, "H"], ["N", 1]]], mul: [[["H"], ["N", 1]]], div: [[[1, "H"], []]],
  neg: [[["N", "H"]]], sigmoid: [[[1, "H"]]], tanh: [[[1, "H"]]], relu: [[[1, "H"]]], exp: [[["H"]]], log: [[[]]],
  step: [[[1, "H"]]], matmul: [[[1, "D"], ["D", "H"]]], transpose: [[["D", "H"]]], diag: [[[1, "N"]]],
  outer: [[[1, "M"], ["N", 1]]], sum: [[["N", "H"]], { axis: -1 }], mean: [[["N", "H"]], { axis: 0 }],
  count: [[["N", "H"]], { axis: 0 }], softmax: [[["N", "K"]]], logSoftmax: [[[1, "K"]]],
  crossEntropy: [[[1, "K"], [1, "K"]]], unbroadcast: [[["N", "H"], [1, "H"]]], expandAs: [[[1, "H"], ["N", "H"]]],
  reshapeAs: [[[1, "N"], ["N", 1]]], diagPart: [[["N", "N"], [1, "N"]]],
};
const SIZES: Record<string, number> = { N: 3, H: 4, D: 2, K: 5, M: 2 };

function vjpExprs(name: string, shapes: readonly Shape[], attrs: OpAttrs) {
  const args = shapes.map((s, i) => variable(`x${i}`, s));
  const out = named("y", symbolicAlgebra.apply(name, args, attrs));
  const g = variable("g", out.shape);
  return { args, out, g, grads: CATALOG.get(name)!.vjp(o, g, args, out, attrs) };
}

test("every op's VJP evaluates symbolically, each gradient with its operand's symbolic shape", () => {
  assert.deepEqual([...CATALOG.keys()].filter((n) => !(n in SHAPES)), []);
  for (const [name, [shapes, attrs = {}]] of Object.entries(SHAPES)) {
    const { args, grads } = vjpExprs(name, shapes, attrs);
    assert.equal(grads.length, args.length, name);
    grads.forEach((gr, i) => assert.ok(shapeEquals(gr.shape, shapes[i]!), `${name} operand ${i}: ${formatShape(gr.shape)}`));
  }
});

/** Evaluates an expression numerically: variables from `env`, ops through the catalog. */
function evaluate(e: Expr, env: Map<string, TensorData>): TensorData {
  if (e.kind === "var") return env.get(e.name)!;
  if (e.kind === "const") {
    const shape = (e.shape ?? []) as number[];
    return { shape, data: new Float64Array(shape.reduce((n, d) => n * d, 1)).fill(e.value!) };
  }
  return applyOp(e.name, e.args.map((a) => evaluate(a, env)), e.attrs);
}

test("the symbolic VJPs, evaluated numerically, equal the numeric VJPs (simplifications are sound)", () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 1.5 + 0.5; // positive, for log and div
  const fill = (shape: number[]): TensorData => ({ shape, data: Float64Array.from({ length: shape.reduce((n, d) => n * d, 1) }, rand) });
  for (const [name, [symShapes, attrs = {}]] of Object.entries(SHAPES)) {
    const shapes = symShapes.map((s) => s.map((d) => (typeof d === "string" ? SIZES[d]! : d!)));
    const { args, out, g, grads } = vjpExprs(name, shapes, attrs);
    const env = new Map<string, TensorData>(args.map((a, i) => [a.name, fill(shapes[i]!)]));
    const values = args.map((a) => env.get(a.name)!);
    const y = applyOp(name, values, attrs);
    env.set("g", fill(y.shape.slice()));
    assert.deepEqual(evaluate(out, env).shape, y.shape);
    const numeric = CATALOG.get(name)!.vjp(makeOps(numericAlgebra), env.get("g")!, values, y, attrs);
    grads.forEach((gr, i) => {
      const got = evaluate(gr, env);
      assert.deepEqual(got.shape, numeric[i]!.shape, `${name} operand ${i}`);
      got.data.forEach((x, k) => assert.ok(Math.abs(x - numeric[i]!.data[k]!) < 1e-12, `${name} operand ${i} element ${k}`));
    });
  }
});

test("derive writes the seed's backward pass one op at a time, with shapes", () => {
  const [x, W1, b1, W2, b2, y] = ([["x", [1, "D"]], ["W1", ["D", "H"]], ["b1", [1, "H"]], ["W2", ["H", "K"]], ["b2", [1, "K"]], ["y", [1, "K"]]] as const)
    .map(([n, s]) => variable(n, s)) as [Expr, Expr, Expr, Expr, Expr, Expr];
  const h = named("h", o.sigmoid!(o.add!(o.matmul!(x, W1), b1)));
  const yhat = named("ŷ", o.softmax!(o.add!(o.matmul!(h, W2), b2)));
  const text = formatDerivation(derive(o.crossEntropy!(yhat, y), ["x"]));
  assert.equal(text, [
    "L = crossEntropy(ŷ, y)    []",
    "  ∂ŷ = −(y / ŷ)    [1,K]",
    "ŷ = softmax(t4)    [1,K]",
    "  ∂t4 = ŷ ⊙ (∂ŷ − sum(∂ŷ ⊙ ŷ, -1))    [1,K]",
    "t4 = t3 + b2    [1,K]",
    "  ∂t3 = ∂t4    [1,K]",
    "t3 = h @ W2    [1,K]",
    "  ∂h = ∂t3 @ W2ᵀ    [1,H]",
    "h = σ(t2)    [1,H]",
    "  ∂t2 = ∂h ⊙ h ⊙ (1 − h)    [1,H]",
    "t2 = t1 + b1    [1,H]",
    "  ∂t1 = ∂t2    [1,H]",
    "t1 = x @ W1    [1,H]",
    "  ∂x = ∂t1 @ W1ᵀ    [1,D]",
  ].join("\n"));
});

test("derive accumulates a gradient reaching a value along two paths", () => {
  const h = variable("h", [1, "H"]);
  const steps = derive(o.sum!(o.mul!(h, h)));
  const lines = steps.flatMap((s) => s.backward.map((b) => `${b.target} ${b.accumulate ? "+=" : "="} ${b.expr}`));
  assert.deepEqual(lines, ["∂t1 = expand(1, [1,H])", "∂h = ∂t1 ⊙ h", "∂h += ∂t1 ⊙ h"]);
  assert.equal(render(constant(-2)), "−2");
});
