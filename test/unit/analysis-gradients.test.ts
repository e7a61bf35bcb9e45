// Unit tests of `Workspace.gradientTargets`, what the numeric gradient checker asks the analyzer:
// F resolved across files and aliases, F's parameters with their declared shapes (the annotation
// reader the checker used to have: tuples, Scalar, number, namespaces, generic and imported
// aliases), label flow into crossEntropy, constructor dims, and merged tags.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GradientTarget } from "../../src/analysis/api";
import { Workspace } from "../../src/analysis/workspace";

const IMPORT = `import { Tensor, Scalar, sum, crossEntropy, softmax, zeros } from "chainrule";\nimport * as cr from "chainrule";\n`;

/** The targets of `/main.ts` in a workspace of in-memory files (read as if from disk). */
function targets(files: Record<string, string>): GradientTarget[] {
  return new Workspace({ readFile: (p) => files[p] }).gradientTargets("/main.ts");
}

/** The declared shape of F's first parameter, F written with `decl` as that parameter's type. */
function shapeOf(decl: string, prelude = ""): { shape: unknown; number: boolean } | undefined {
  const main = `${IMPORT}${prelude}\nexport function f(x: ${decl}) { return sum(x); }\n/** @gradient f x */\nexport function g(x: ${decl}) { return x; }\n`;
  const p = targets({ "/main.ts": main })[0]?.ofParams?.[0];
  return p && { shape: p.shape, number: p.number };
}

describe("declared parameter shapes", () => {
  it("reads Tensor tuples, qualified names, Scalar, number and aliases (generic ones too)", () => {
    assert.deepEqual(shapeOf(`Tensor<[1, "D"]>`), { shape: [1, "D"], number: false });
    assert.deepEqual(shapeOf(`cr.Tensor<["D", "H"]>`), { shape: ["D", "H"], number: false });
    assert.deepEqual(shapeOf(`Scalar`), { shape: [], number: false });
    assert.deepEqual(shapeOf(`number`), { shape: [], number: true });
    assert.deepEqual(shapeOf(`Row<"K">`, `type Row<N extends string> = Tensor<[1, N]>;`), { shape: [1, "K"], number: false });
    assert.deepEqual(shapeOf(`M`, `type M = Tensor<["A", 3]>;`), { shape: ["A", 3], number: false });
    assert.deepEqual(shapeOf(`Rate`, `type Rate = number;`), { shape: [], number: true });
  });

  it("gives null when no dim list is declared or a dim is not a literal", () => {
    assert.deepEqual(shapeOf(`any`), { shape: null, number: false });
    assert.deepEqual(shapeOf(`Tensor<number[]>`), { shape: null, number: false });
    assert.deepEqual(shapeOf(`Tensor<[1, number]>`), { shape: null, number: false });
  });

  it("takes F's annotation, else the gradient's parameter of the same name", () => {
    const main = `${IMPORT}export function f(x, k: number) { return sum(x).mul(k); }\n/** @gradient f x */\nexport function g(x: Tensor<["D", 1]>, k) { return x; }\n`;
    assert.deepEqual(targets({ "/main.ts": main })[0]!.ofParams, [
      { name: "x", shape: ["D", 1], number: false },
      { name: "k", shape: [], number: true },
    ]);
  });

  it("follows aliases imported from another file", () => {
    const types = `import { Tensor } from "chainrule";\nexport type Row<N extends string> = Tensor<[1, N]>;\n`;
    const main = `${IMPORT}import type { Row } from "./types";\nexport function f(x: Row<"D">) { return sum(x); }\n/** @gradient f x */\nexport function g(x: Row<"D">) { return x; }\n`;
    assert.deepEqual(targets({ "/main.ts": main, "/types.ts": types })[0]!.ofParams?.[0]?.shape, [1, "D"]);
  });
});

describe("pairings for the checker", () => {
  it("resolves F imported under another name, with its file, and the object form's keys", () => {
    const model = `import { Tensor, sum } from "chainrule";\n/** @dims D=5 */\nexport function affine(x: Tensor<[1, "D"]>, W: Tensor<["D", "K"]>) { return sum(x.matmul(W)); }\n`;
    const main = `${IMPORT}import { affine as lin } from "./model";\n/**\n * @gradient lin\n * @sample x positive\n */\nexport function d(x: Tensor<[1, "D"]>, W: Tensor<["D", "K"]>) { return { W: x.T.matmul(zeros([1, "K"])) }; }\n`;
    const [t] = targets({ "/main.ts": main, "/model.ts": model });
    assert.equal(t!.of, "lin");
    assert.equal(t!.ofFile, "/model.ts");
    assert.equal(t!.objectForm, true);
    assert.deepEqual(t!.wrt, ["W"]);
    assert.deepEqual(t!.params, ["x", "W"]);
    assert.deepEqual(t!.ofParams?.map((p) => p.shape), [[1, "D"], ["D", "K"]]);
    assert.deepEqual(t!.dims, { D: 5 }, "@dims on F counts");
    assert.deepEqual(t!.samples, { x: "positive" });
    assert.deepEqual(t!.bodyDims, ["K"]);
  });

  it("finds label parameters through locals, in function, method and namespace form", () => {
    const labels = (fn: string) => targets({ "/main.ts": `${IMPORT}${fn}\n/** @gradient loss x */\nexport function g(x, y, z) { return x; }\n` })[0]!.labelParams;
    assert.deepEqual(labels(`function loss(x, y, z) { const a = y; const lbl = a.mul(1); const p = softmax(x); return crossEntropy(p, lbl).add(sum(z)); }`), ["y"]);
    assert.deepEqual(labels(`const loss = (x, y, z) => x.crossEntropy(y);`), ["y"]);
    assert.deepEqual(labels(`function loss(x, y, z) { return cr.crossEntropy(x, y); }`), ["y"]);
  });

  it("reports what does not resolve without F's parameters, and tag problems", () => {
    const main = `${IMPORT}/** @gradient nothere x */\nexport function a(x: Scalar) { return x; }\n/**\n * @gradient f x\n * @dims D=0\n */\nexport function b(x: Scalar) { return x; }\nfunction f(x: Scalar) { return x; }\n`;
    const [a, b] = targets({ "/main.ts": main });
    assert.equal(a!.ofParams, undefined);
    assert.equal(a!.resolved, false);
    assert.deepEqual(b!.tagProblems, ["@dims expects NAME=SIZE with a positive size, got `D=0`"]);
    assert.deepEqual(b!.ofParams, [{ name: "x", shape: [], number: false }]);
  });

  it("gives nothing for a file that is not DSL code or does not exist", () => {
    assert.deepEqual(targets({ "/main.ts": `/** @gradient f x */\nexport function g(x) { return x; }\n` }), []);
    assert.deepEqual(targets({}), []);
  });
});
