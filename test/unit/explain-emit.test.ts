// `explain --emit` end to end: for every function of test/explain/networks.ts (the seed, batched
// affine layers, a tanh network, losses transcribed from PyTorch's backward formulas) and every
// parameter, plus the object form, the emitted gradient appended to the file checks with no
// diagnostic and passes `verify`. Plus the style rules: method chains or templates as the file
// writes them, imports added when needed, names that do not collide.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";
import { emitGradient } from "../../src/explain/emit";
import { explainFunction } from "../../src/explain/explain";
import { verify, type CheckResult } from "../../src/verify/index";
import { explainIn, IMPORTS, sources } from "../helpers/explain";

const root = path.resolve(__dirname, "../..");
const networks = path.join(root, "test/explain/networks.ts");

describe("emitted gradients check clean and verify", () => {
  let dir: string;
  let file: string;
  let checks: CheckResult[];
  const emitted: string[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "chainrule-emit-"));
    file = path.join(dir, "networks.ts");
    copyFileSync(networks, file);
    let text = readFileSync(file, "utf8");
    for (const fn of ["loss", "batched", "tanhNet", "linear", "nll", "bce", "reluNet", "expDiv", "l2"]) {
      const all = explainFunction(new Workspace(), { file: networks, fn }).json.wrt;
      for (const params of [...all.map((p) => [p]), []]) {
        // Each emission sees the file as it has grown, as a user appending one after another would.
        const ws = new Workspace({ readFile: (p) => (p === file ? text : undefined) });
        const code = emitGradient(ws, explainFunction(ws, { file, fn, params })).code;
        emitted.push(code);
        text = `${text}\n${code}`;
      }
    }
    writeFileSync(file, text);
    checks = (await verify([file], { cwd: dir })).checks;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the file with every emitted gradient has no diagnostic", () => {
    const ws = new Workspace();
    assert.deepEqual(ws.analyze(file).diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
  });

  test("verify passes every emitted gradient (each parameter, and the object form)", () => {
    assert.equal(checks.length, emitted.length);
    for (const c of checks) assert.equal(c.status, "pass", `${c.gradient} (∂${c.of}/∂${c.wrt.join(",")}): ${c.message}`);
  });

  test("the seed's emitted ∂loss/∂x is the seed's own hand-written gradient", () => {
    const seed = readFileSync(path.join(root, "examples/seed.ts"), "utf8");
    const hand = /export function dLoss_dx[\s\S]*?\n}\n/.exec(seed)![0];
    assert.equal(emitted[0], `/** @gradient loss x */\n${hand}`);
  });

  test("several parameters: the object form, with shared gradients as consts named after the derivation", () => {
    const obj = emitted.find((c) => c.includes("@gradient loss */"))!;
    assert.match(obj, /export function gradLoss\(/);
    assert.match(obj, /const dt1 = dh\.mul\(h\.mul\(sub\(1, h\)\)\);/);
    assert.match(obj, /return \{\n {4}x: dt1\.matmul\(W1\.T\),/);
  });
});

describe("style", () => {
  const emit = (src: string, fn: string, params: string[] = []) => {
    const { ws, ex } = explainIn(sources(src), fn, params);
    return emitGradient(ws, ex);
  };

  test("a file that writes templates gets templates, with its own tokens (* and .T)", () => {
    const src = `${IMPORTS}\nexport function f(x: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>) {\n  const h = t\`σ(\${x} @ \${W}.T.T)\`;\n  return t\`sum(\${h} * \${h})\`;\n}\n`;
    const out = emit(src, "f", ["W"]);
    // F's own forward values are written as F writes them; the gradient is simplified.
    assert.match(out.code, /const h = t`σ\(\$\{x\} @ \$\{W\}\.T\.T\)`;/);
    assert.match(out.code, /return t`\$\{x\}\.T @ \(2 \* \$\{h\} \* \$\{h\} \* \(1 - \$\{h\}\)\)`;/);
  });

  test("without the file's import, 1 − h is written with methods; what methods cannot write is imported; arrows stay arrows", () => {
    const sig = emit('import { Tensor, sum } from "chainrule";\nexport const f = (x: Tensor<[1, "H"]>) => sum(x.sigmoid());\n', "f");
    assert.deepEqual(sig.imports, []);
    assert.equal(sig.code, '/** @gradient f x */\nexport const dF_dx = (x: Tensor<[1, "H"]>) => {\n  const t1 = x.sigmoid();\n  return t1.mul(t1.neg().add(1));\n};\n');
    const log = emit('import { Tensor, sum } from "chainrule";\nexport function g(x: Tensor<[1, "H"]>) { return sum(x.log()); }\n', "g");
    assert.deepEqual(log.imports, ["div"]);
    assert.ok(log.code.startsWith('import { div } from "chainrule";\n\n/** @gradient g x */\nexport function dG_dx(x: Tensor<[1, "H"]>) {\n  return div(1, x);\n}'), log.code);
    assert.ok(!log.fnText.includes("import"));
  });

  test("a name the file already declares is not reused", () => {
    const src = `${IMPORTS}\nexport function f(x: Tensor<[1, "H"]>) { return sum(x.mul(x)); }\nexport function dF_dx() {}\n`;
    assert.equal(emit(src, "f").name, "dF_dx2");
  });

  test("a method cannot be emitted as a @gradient function yet, and says so", () => {
    const src = `${IMPORTS}\nclass N { constructor(public W: Tensor<[1, "H"]>) {} loss() { return sum(this.W); } }\n`;
    assert.throws(() => emit(src, "N.loss"), /N\.loss is a method/);
  });
});
