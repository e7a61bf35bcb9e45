// The derivation writer over the whole op catalog: for every user op, a one-op scalar function is
// explained, its backward step has the op's Jacobian structure and notation (⊙ for element-wise
// ops, @ with ᵀ for matmul), and the derived gradient, evaluated with the catalog's kernels, equals
// finite differences of the function: the hand simplifications are sound for every op.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Evaluator } from "../../src/explain/evaluate";
import { USER_OPS } from "../../src/ops/catalog";
import type { OpDef } from "../../src/ops/types";
import { explainIn, finiteDifferences, IMPORTS, inputsFor, sources } from "../helpers/explain";

/**
 * The body of a one-op function of a, b for each op, with its parameters' shapes. Ops not listed
 * get a default by kind (unary, binary, reduce over [1,H]); an op those do not fit needs a line here.
 */
const CASES: Record<string, { params: string; body: string }> = {
  matmul: { params: 'a: Tensor<[1, "D"]>, b: Tensor<["D", "H"]>', body: "sum(a.matmul(b))" },
  transpose: { params: 'a: Tensor<["D", "H"]>, b: Tensor<["H", "D"]>', body: "sum(a.T.mul(b))" },
  diag: { params: 'a: Tensor<[1, "H"]>, b: Tensor<["H", "H"]>', body: "sum(diag(a).mul(b))" },
  outer: { params: 'a: Tensor<[1, "D"]>, b: Tensor<[1, "H"]>', body: "sum(outer(a, b))" },
  sum: { params: 'a: Tensor<["N", "H"]>, b: Tensor<[1, "H"]>', body: "sum(a.sum(0).mul(b))" },
  mean: { params: 'a: Tensor<["N", "H"]>, b: Tensor<[1, "H"]>', body: "sum(a.mean(0).mul(b))" },
  softmax: { params: 'a: Tensor<[1, "K"]>, b: Tensor<[1, "K"]>', body: "sum(softmax(a).mul(b))" },
  logSoftmax: { params: 'a: Tensor<[1, "K"]>, b: Tensor<[1, "K"]>', body: "sum(logSoftmax(a).mul(b))" },
  crossEntropy: { params: 'a: Tensor<[1, "K"]>, b: Tensor<[1, "K"]>', body: "crossEntropy(a, b)" },
  pow: { params: 'a: Tensor<[1, "H"]>, b: Tensor<[1, "H"]>', body: "sum(a.pow(3).mul(b))" },
  gt: { params: 'a: Tensor<[1, "H"]>, b: Tensor<[1, "H"]>', body: "sum(a.gt(b).add(a.mul(b)))" },
  lt: { params: 'a: Tensor<[1, "H"]>, b: Tensor<[1, "H"]>', body: "sum(a.lt(b).add(a.mul(b)))" },
  where: { params: 'a: Tensor<[1, "H"]>, b: Tensor<[1, "H"]>', body: "sum(where(a.gt(0), a.mul(b), b))" },
  reshape: { params: 'a: Tensor<[2, "H"]>, b: Tensor<["H", 2]>', body: 'sum(a.reshape(["H", 2]).mul(b))' },
  slice: { params: 'a: Tensor<[1, "H"]>, b: Tensor<[1, 2]>', body: "sum(slice(a, 1, 0, 2).mul(b))" },
};

function caseFor(op: OpDef): { params: string; body: string } {
  const listed = CASES[op.name];
  if (listed) return listed;
  const params = 'a: Tensor<[1, "H"]>, b: Tensor<[1, "H"]>';
  if (op.surface.operands.length === 2 && !op.surface.list && !op.surface.attrs.some((p) => !p.optional)) return { params, body: `sum(a.${op.name}(b))` };
  if (op.kind === "reduce") return { params, body: `a.${op.name}().mul(sum(b))` };
  return { params, body: `sum(a.${op.name}().mul(b))` };
}

const DIMS = { D: 2, H: 3, K: 4, N: 5 };

for (const op of USER_OPS) {
  test(`${op.name}: its step is ${op.jacobian}, written as the structure says, and the gradient equals finite differences`, () => {
    const { params, body } = caseFor(op);
    const { ex } = explainIn(sources(`${IMPORTS}\nexport function f(${params}) {\n  return ${body};\n}\n`), "f");
    const steps = ex.json.backward.filter((s) => s.op === op.name);
    assert.ok(steps.length > 0, `no step goes back through ${op.name}: ${JSON.stringify(ex.json.backward)}`);
    for (const s of steps) {
      assert.equal(s.jacobian, op.jacobian, `${op.name}: ${s.target} = ${s.expr}`);
      assert.ok(!s.expr.includes("@") || op.jacobian !== "diagonal", `an element-wise step written with @: ${s.expr}`);
      // Every element-wise step reads upstream ⊙ diagonal, even where the diagonal is 1 (then `simplified` drops it).
      if (op.jacobian === "diagonal") assert.match(s.expr, /⊙/, `${op.name}: ${s.expr}`);
      if (op.name === "matmul") assert.match(s.expr, /@.*ᵀ|ᵀ.*@/, s.expr);
      assert.ok(s.why.length > 0 && s.how.length > 0);
    }
    const inputs = inputsFor(ex, DIMS);
    const ev = new Evaluator(inputs, DIMS);
    for (const w of ex.derivation.wrt) {
      const got = ev.expr(ex.derivation.gradients.get(w)!, () => undefined);
      const want = finiteDifferences(ex, inputs, DIMS, w);
      assert.deepEqual(got.shape, inputs.get(w)!.shape, `∂f/∂${w.text}'s shape`);
      got.data.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-5 * Math.max(1, Math.abs(want[i]!)), `${op.name} ∂f/∂${w.text}[${i}]: derived ${g}, finite differences ${want[i]}`));
    }
  });
}

test("sigmoid's step is the seed's: ∂ ⊙ σ ⊙ (1 − σ), with σ written as its value's name", () => {
  const { ex } = explainIn(sources(`${IMPORTS}\nexport function f(x: Tensor<[1, "H"]>) {\n  const s = sigmoid(x);\n  return sum(s);\n}\n`), "f");
  const step = ex.json.backward.find((s) => s.op === "sigmoid")!;
  assert.equal(`${step.target} = ${step.expr}`, "∂x = ∂s ⊙ s ⊙ (1 − s)");
  assert.equal(step.how, "element-wise: diagonal Jacobian, so ⊙");
  assert.equal(ex.json.gradients[0]!.expr, "s ⊙ (1 − s)");
});
