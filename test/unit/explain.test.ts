// `explain` on the code forms users write: the seed network as CLI.md's JSON, shared sub-expressions
// named once, helpers (local, nested, imported, generic) inlined per call, classes over this.W,
// templates, let and destructuring, and a clear refusal (construct and position) where the
// derivation cannot go.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { emitGradient } from "../../src/explain/emit";
import { ExplainError, ExplainUsageError } from "../../src/explain/explain";
import { prettyName } from "../../src/explain/names";
import { explainIn, IMPORTS, MAIN, sources } from "../helpers/explain";

const seed = readFileSync(path.join(__dirname, "../../examples/seed.ts"), "utf8");
const line = (ex: ReturnType<typeof explainIn>["ex"]) => ex.json.backward.map((b) => `${b.target} ${b.accumulate ? "+=" : "="} ${b.expr}`);

describe("the seed network", () => {
  const { ex } = explainIn(sources(seed), "loss", ["x"]);

  test("forward steps are named after the function's variables, unnamed intermediates t1, t2", () => {
    assert.deepEqual(ex.json.forward.map((f) => [f.name, f.symbol, f.expr, f.op, f.shape]), [
      ["t1", "t1", "x @ W1 + b1", "add", [1, "H"]],
      ["h", "h", "σ(t1)", "sigmoid", [1, "H"]],
      ["t2", "t2", "h @ W2 + b2", "add", [1, "K"]],
      ["yhat", "ŷ", "softmax(t2)", "softmax", [1, "K"]],
      ["loss", "loss", "crossEntropy(ŷ, y)", "crossEntropy", []],
    ]);
    // h is written on line 5 (0-based 4), from `sigmoid(` to its closing parenthesis.
    assert.deepEqual(ex.json.forward[1]!.range, { start: { line: 4, character: 12 }, end: { line: 4, character: 41 } });
  });

  test("backward steps: softmax + crossEntropy as ŷ − y, matmul linear with @ and ᵀ, sigmoid diagonal with ⊙", () => {
    assert.deepEqual(line(ex), ["∂t2 = ŷ − y", "∂h = ∂t2 @ W2ᵀ", "∂t1 = ∂h ⊙ h ⊙ (1 − h)", "∂x = ∂t1 @ W1ᵀ"]);
    assert.deepEqual(ex.json.backward.map((b) => [b.op, b.jacobian, b.from]), [
      ["softmax", "full", "1"], ["matmul", "linear", "∂t2"], ["sigmoid", "diagonal", "∂h"], ["matmul", "linear", "∂t1"],
    ]);
    assert.match(ex.json.backward[2]!.why, /diagonal/);
    // The matmul back through which ∂h goes is `h.matmul(W2)`, on line 6 (0-based 5).
    assert.deepEqual(ex.json.backward[1]!.range, { start: { line: 5, character: 23 }, end: { line: 5, character: 35 } });
  });

  test("the whole gradient, with the assumption stated", () => {
    assert.deepEqual(ex.json.gradients, [{ param: "x", expr: "((ŷ − y) @ W2ᵀ ⊙ h ⊙ (1 − h)) @ W1ᵀ", shape: [1, "D"] }]);
    assert.equal(ex.json.shared.length, 0);
    assert.equal(ex.json.assumptions.length, 1);
    assert.match(ex.json.assumptions[0]!, /^y sums to 1 .*ŷ − y/);
    assert.equal(ex.json.version, 1);
    assert.deepEqual(ex.json.wrt, ["x"]);
    assert.equal(ex.json.code, null);
  });

  test("all tensor parameters by default; what several gradients share is named once", () => {
    const all = explainIn(sources(seed), "loss").ex.json;
    assert.deepEqual(all.wrt, ["x", "W1", "b1", "W2", "b2", "y"]);
    assert.deepEqual(all.shared.map((s) => `${s.param} = ${s.expr}`), ["∂t2 = ŷ − y", "∂h = ∂t2 @ W2ᵀ", "∂t1 = ∂h ⊙ h ⊙ (1 − h)"]);
    assert.deepEqual(all.gradients.map((g) => `${g.param}: ${g.expr}`), [
      "x: ∂t1 @ W1ᵀ", "W1: xᵀ @ ∂t1", "b1: ∂t1", "W2: hᵀ @ ∂t2", "b2: ∂t2", "y: −log(ŷ)",
    ]);
    assert.ok(all.backward.some((b) => b.target === "∂b1" && b.how === "passed on unchanged (Jacobian I)"));
  });
});

describe("code forms", () => {
  const fn = (params: string, body: string) => `${IMPORTS}\nexport function f(${params}) {\n${body}\n}\n`;

  test("an imported generic helper is inlined per call, its locals keep their names", () => {
    const helper = 'import { Tensor, tanh } from "chainrule";\nexport function layer<N extends string>(x: Tensor<[1, N]>, W: Tensor<[N, "H"]>) {\n  const z = x.matmul(W);\n  return tanh(z);\n}\n';
    const main = fn('x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>', "  return sum(layer(x, W));").replace(IMPORTS, `${IMPORTS}\nimport { layer } from "./layers";`);
    const { ex } = explainIn(sources(main, { "layers.ts": helper }), "f");
    assert.deepEqual(ex.json.forward.map((s) => `${s.symbol} = ${s.expr}`), ["z = x @ W", "t1 = tanh(z)", "f = sum(t1)"]);
    assert.equal(ex.json.forward[0]!.file, "/fixture/layers.ts");
    assert.deepEqual(ex.json.gradients.map((g) => g.expr), ["∂z @ Wᵀ", "xᵀ @ ∂z"]);
  });

  test("local arrow helpers and hoisted nested functions; parameters do not rename values", () => {
    const { ex } = explainIn(sources(`${IMPORTS}\nexport const f = (x: Tensor<[1, "D"]>) => {\n  const sq = (v: Tensor<[1, "D"]>) => v.mul(v);\n  return sum(half(sq(x)));\n  function half(v: Tensor<[1, "D"]>) { return v.div(2); }\n};\n`), "f");
    assert.deepEqual(ex.json.gradients.map((g) => g.expr), ["x"]);
    assert.ok(!ex.json.forward.some((s) => s.name === "v"));
  });

  test("a value written twice is one value, named once (p − y squared gives 2 ⊙ t1)", () => {
    const { ex } = explainIn(sources(fn('p: Tensor<[1, "H"]>, y: Tensor<[1, "H"]>', "  return sum(p.sub(y).mul(p.sub(y)));")), "f", ["p"]);
    assert.deepEqual(ex.json.forward.map((s) => `${s.name} = ${s.expr}`), ["t1 = p − y", "t2 = t1 ⊙ t1", "f = sum(t2)"]);
    assert.deepEqual(ex.json.gradients.map((g) => g.expr), ["2 ⊙ t1"]);
  });

  test("let, reassignment and destructuring follow values; a reassigned name gets a second name", () => {
    const { ex } = explainIn(sources(fn('x: Tensor<[1, "H"]>', "  let h = x.exp();\n  h = h.mul(3);\n  const [a] = [h];\n  const { b } = { b: a.add(1) };\n  return sum(b);")), "f");
    assert.deepEqual(ex.json.forward.map((s) => s.name), ["h", "h2", "b", "f"]);
    assert.deepEqual(ex.json.gradients.map((g) => g.expr), ["3 ⊙ h"]);
  });

  test("a class method over this.W: its fields are parameters too", () => {
    const src = `${IMPORTS}\nclass Net {\n  constructor(public W: Tensor<["D", "H"]>, public b: Tensor<[1, "H"]>) {}\n  forward(x: Tensor<[1, "D"]>) { return sigmoid(x.matmul(this.W).add(this.b)); }\n  loss(x: Tensor<[1, "D"]>) { return sum(this.forward(x)); }\n}\n`;
    const { ex } = explainIn(sources(src), "Net.loss", ["W"]);
    assert.deepEqual(ex.json.params.map((p) => p.name), ["x", "W", "b"]);
    assert.deepEqual(ex.json.gradients, [{ param: "W", expr: "xᵀ @ (t2 ⊙ (1 − t2))", shape: ["D", "H"] }]);
    assert.equal(explainIn(sources(src), "loss", ["W"]).ex.json.gradients[0]!.expr, "xᵀ @ (t2 ⊙ (1 − t2))");
  });

  test("new C(…) then c.m(x) inside the function follows the constructor and the method", () => {
    const src = `${IMPORTS}\nclass M {\n  W: Tensor<["D", "H"]>;\n  constructor(W: Tensor<["D", "H"]>) { this.W = W; }\n  run(x: Tensor<[1, "D"]>) { return relu(x.matmul(this.W)); }\n}\nexport function f(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>) {\n  const m = new M(W);\n  return sum(m.run(x));\n}\n`;
    const { ex } = explainIn(sources(src), "f", ["W"]);
    assert.deepEqual(ex.json.gradients.map((g) => g.expr), ["xᵀ @ 𝟙[t1 > 0]"]);
  });

  test("templates: each op is a step, linked to its place in the formula", () => {
    const main = fn('x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>', "  const h = t`σ(${x} @ ${W})`;\n  return t`sum(${h} ⊙ ${h})`;");
    const { ex } = explainIn(sources(main), "f", ["W"]);
    assert.deepEqual(line(ex), ["∂t2 = 1", "∂h = ∂t2 ⊙ h", "∂h += ∂t2 ⊙ h", "∂t1 = ∂h ⊙ h ⊙ (1 − h)", "∂W = xᵀ @ ∂t1"]);
    assert.deepEqual(ex.json.gradients.map((g) => g.expr), ["xᵀ @ (2 ⊙ h ⊙ h ⊙ (1 − h))"]);
    const step = ex.json.backward.find((b) => b.op === "matmul")!;
    const text = main.split("\n")[step.range!.start.line]!;
    assert.equal(text.slice(step.range!.start.character, step.range!.end.character), "${x} @ ${W}");
  });

  test("numbers: a number parameter and x.shape[i] are constants, written as such", () => {
    const { ex } = explainIn(sources(fn('x: Tensor<[1, "D"]>, lr: number', "  return sum(x.mul(x).mul(lr).div(x.shape[1]));")), "f");
    assert.deepEqual(ex.json.wrt, ["x"]);
    assert.equal(ex.json.params[1]!.number, true);
    assert.equal(ex.json.gradients[0]!.expr, "2 ⊙ (1 / D) ⊙ lr ⊙ x");
  });

  test("batched rows: a broadcast bias's gradient is sum(…, 0)", () => {
    const { ex } = explainIn(sources(fn('X: Tensor<["N", "D"]>, W: Tensor<["D", "H"]>, b: Tensor<[1, "H"]>', "  return sum(tanh(X.matmul(W).add(b)));")), "f", ["b"]);
    assert.deepEqual(ex.json.gradients, [{ param: "b", expr: "sum(1 − t2 ⊙ t2, 0)", shape: [1, "H"] }]);
    const step = ex.json.backward.find((s) => s.target === "∂b")!;
    assert.equal(step.how, "passed on unchanged (Jacobian I), summed over broadcast axis 0");
    assert.match(step.why, /broadcast to \[N,H\]/);
  });

  test("PyTorch's linear (x @ Wᵀ): the step shows the rule, (Wᵀ)ᵀ, and the gradient cancels it", () => {
    const { ex } = explainIn(sources(fn('x: Tensor<["N", "D"]>, W: Tensor<["H", "D"]>', "  return sum(x.matmul(W.T));")), "f");
    const dx = ex.json.backward.find((s) => s.target === "∂x")!;
    assert.equal(dx.expr, "∂t1 @ (Wᵀ)ᵀ");
    assert.equal(dx.simplified, "∂t1 @ W");
    // ∂t1 is a matrix of ones (sum's Jacobian), written 𝟏 where its shape matters.
    assert.deepEqual(ex.json.gradients.map((g) => g.expr), ["𝟏 @ W", "𝟏ᵀ @ x"]);
    assert.deepEqual(line(ex), ["∂t1 = 1", "∂x = ∂t1 @ (Wᵀ)ᵀ", "∂Wᵀ = xᵀ @ ∂t1", "∂W = (∂Wᵀ)ᵀ"]);
  });
});

test("a deep residual chain: the gradient reaching a value twice is named once, so its text stays linear in depth", () => {
  const blocks = Array.from({ length: 40 }, () => "  h = h.add(tanh(h.matmul(W)));").join("\n");
  const src = `${IMPORTS}\nexport function f(x: Tensor<[1, "H"]>, W: Tensor<["H", "H"]>) {\n  let h = x;\n${blocks}\n  return sum(h);\n}\n`;
  const { ws, ex } = explainIn(sources(src), "f", ["x"]);
  // Written in place, each block's upstream would appear twice: 2^40 copies.
  assert.equal(ex.json.gradients[0]!.expr, "∂h + (∂h ⊙ (1 − t2 ⊙ t2)) @ Wᵀ");
  assert.equal(ex.json.shared.length, 39);
  assert.ok(ex.json.shared.every((s) => s.expr.length < 60), ex.json.shared.map((s) => s.expr).join("\n"));
  // Two forward consts and one shared gradient per block, and a few lines more: linear too.
  assert.ok(emitGradient(ws, ex).code.split("\n").length < 3 * 40 + 10);
});

describe("where the derivation cannot go", () => {
  const fail = (body: string, params = 'x: Tensor<[1, "D"]>') => {
    try {
      explainIn(sources(`${IMPORTS}\nexport function f(${params}) {\n${body}\n}\n`), "f");
    } catch (e) {
      return e;
    }
    assert.fail("expected an error");
  };

  test("a loop is named, with its position", () => {
    const e = fail("  let s = x;\n  for (let i = 0; i < 3; i++) s = s.mul(x);\n  return sum(s);") as ExplainError;
    assert.ok(e instanceof ExplainError);
    assert.match(e.message, /`for` loops/);
    const text = `${IMPORTS}\nexport function f(x: Tensor<[1, "D"]>) {\n`;
    assert.equal(e.span!.start, text.length + "  let s = x;\n  ".length);
  });

  test("a branch, a non-scalar function, an unknown call", () => {
    assert.match((fail("  if (x) return sum(x);\n  return sum(x.mul(2));") as Error).message, /`if` statements/);
    assert.match((fail("  return x.mul(2);") as Error).message, /returns \[1,D\], not a scalar/);
    assert.match((fail("  return sum(mystery(x));") as Error).message, /unknown name mystery/);
    assert.match((fail("  return sum(x.matmul(x));") as Error).message, /inner dimensions D and 1 differ/);
  });

  test("no such function or parameter is bad usage, naming what exists", () => {
    assert.throws(() => explainIn(sources(seed), "nope"), (e: unknown) => e instanceof ExplainUsageError && /no function nope .*functions: loss, dLoss_dx/.test((e as Error).message));
    assert.throws(() => explainIn(sources(seed), "loss", ["z"]), (e: unknown) => e instanceof ExplainUsageError && /loss has no parameter z \(it takes x, W1, b1, W2, b2, y\)/.test((e as Error).message));
  });

  test("a file that does not import chainrule", () => {
    assert.throws(() => explainIn(new Map([[MAIN, "export function f(x: number) { return x; }\n"]]), "f"), ExplainError);
  });
});

test("variable names read as math: yhat → ŷ, theta → θ, others as written", () => {
  assert.deepEqual(["yhat", "y_hat", "xHat", "theta", "delta", "h", "W1"].map(prettyName), ["ŷ", "ŷ", "x̂", "θ", "δ", "h", "W1"]);
});
