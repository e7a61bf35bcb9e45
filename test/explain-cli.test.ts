// `chainrule explain` as a user runs it (the built bin): CLI.md v2's text, JSON and Markdown, --emit,
// and the exit codes: 0 derived, 1 cannot be (with the construct and its position), 2 bad usage.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";

const root = path.join(__dirname, "..");
const bin = path.join(root, "bin", "chainrule.js");

function cli(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("explain --format json on the seed: CLI.md's fields; element-wise steps diagonal with ⊙, matmul steps linear with @ and ᵀ", () => {
  const r = cli(["explain", "examples/seed.ts", "loss", "x", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 1);
  assert.equal(j.file, "examples/seed.ts");
  assert.equal(j.function, "loss");
  assert.deepEqual(j.wrt, ["x"]);
  assert.equal(j.code, null);
  const h = j.forward.find((f: { name: string }) => f.name === "h");
  assert.deepEqual([h.expr, h.op, h.shape], ["σ(t1)", "sigmoid", [1, "H"]]);
  assert.ok(h.range.start.line === 4);
  for (const b of j.backward) {
    for (const k of ["target", "expr", "op", "shape", "jacobian", "why", "accumulate"]) assert.ok(k in b, `${k} in ${JSON.stringify(b)}`);
    if (b.op === "sigmoid") assert.ok(b.jacobian === "diagonal" && b.expr.includes("⊙") && !b.expr.includes("@"), b.expr);
    if (b.op === "matmul") assert.ok(b.jacobian === "linear" && b.expr.includes("@") && b.expr.includes("ᵀ"), b.expr);
  }
  assert.deepEqual(j.gradients, [{ param: "x", expr: "((ŷ − y) @ W2ᵀ ⊙ h ⊙ (1 − h)) @ W1ᵀ", shape: [1, "D"] }]);
});

test("explain text: forward, backward with the Jacobian's structure in words, the gradient, the assumption", () => {
  const r = cli(["explain", "examples/seed.ts", "loss", "x"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^∂loss\/∂x for loss in examples\/seed\.ts\n/);
  assert.match(r.stdout, /\n {2}h = σ\(t1\) +\[1,H\]\n/);
  assert.match(r.stdout, /\n {2}∂t1 = ∂h ⊙ h ⊙ \(1 − h\) +\[1,H\] +sigmoid: element-wise: diagonal Jacobian, so ⊙\n/);
  assert.match(r.stdout, /\n {2}∂loss\/∂x = \(\(ŷ − y\) @ W2ᵀ ⊙ h ⊙ \(1 − h\)\) @ W1ᵀ +\[1,D\]\n/);
  assert.match(r.stdout, /assuming y sums to 1/);
});

test("explain --format markdown: the hover's tables", () => {
  const r = cli(["explain", "examples/seed.ts", "loss", "x", "--format", "markdown"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\*\*∂loss\/∂x\*\* = `\(\(ŷ − y\) @ W2ᵀ ⊙ h ⊙ \(1 − h\)\) @ W1ᵀ` `\[1,D\]`/);
  assert.match(r.stdout, /\| `∂t1` \| `∂h ⊙ h ⊙ \(1 − h\)` \| `\[1,H\]` \| \*\*diagonal\*\* \(sigmoid\) \|/);
});

test("explain --emit prints the code alone; appended to the file it checks clean and verifies", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-explain-"));
  try {
    const src = readFileSync(path.join(root, "examples/seed.ts"), "utf8").replace(/\/\*\* @gradient[\s\S]*$/, "");
    writeFileSync(path.join(dir, "net.ts"), src);
    const r = cli(["explain", "net.ts", "loss", "--emit"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith("/** @gradient loss */\nexport function gradLoss("), r.stdout);
    writeFileSync(path.join(dir, "net.ts"), `${src}\n${r.stdout}`);
    assert.equal(cli(["check", "net.ts"], dir).code, 0);
    const v = cli(["verify", "net.ts", "--format", "json"], dir);
    assert.equal(v.code, 0, v.stdout);
    assert.equal(JSON.parse(v.stdout).checks[0].status, "pass");
    const j = JSON.parse(cli(["explain", "net.ts", "loss", "W1", "--emit", "--format", "json"], dir).stdout);
    assert.match(j.code, /^\/\*\* @gradient loss W1 \*\/\nexport function dLoss_dW1\(/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exit 1 names what the derivation does not follow and where; exit 2 for bad usage", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-explain-"));
  try {
    writeFileSync(path.join(dir, "f.ts"), 'import { Tensor, sum } from "chainrule";\nexport function f(x: Tensor<[1, "D"]>) {\n  let s = x;\n  while (s) s = s.mul(x);\n  return sum(s);\n}\nexport function g(x: Tensor<[1, "D"]>) {\n  return x.mul(2);\n}\n');
    const loop = cli(["explain", "f.ts", "f"], dir);
    assert.equal(loop.code, 1);
    assert.equal(loop.stderr, "f.ts:4:3 - error explain: the derivation does not follow `while` loops\n");
    const vector = cli(["explain", "f.ts", "g"], dir);
    assert.equal(vector.code, 1);
    assert.match(vector.stderr, /^f\.ts:7:17 - error explain: g returns \[1,D\], not a scalar/);
    for (const args of [["explain"], ["explain", "f.ts"], ["explain", "nope.ts", "f"], ["explain", "f.ts", "h"], ["explain", "f.ts", "f", "z"], ["explain", "f.ts", "f", "--format", "xml"]]) {
      const r = cli(args, dir);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /chainrule explain: .*\nusage: chainrule explain/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
