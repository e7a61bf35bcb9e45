// CLI.md: "Fixes are offered only when, after the edit, the expression checks", and applying a fix
// "must give valid TypeScript". Swapping a matmul's operands when one is a number (rank 0) does
// neither: `W.matmul(2)` became `(2).matmul(W)`, a call of a method numbers do not have.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";

function diagnosticsOf(text: string) {
  const w = new Workspace({ readFile: (p) => (p === "/m.ts" ? text : undefined) });
  w.update("/m.ts", text);
  return w.analyze("/m.ts").diagnostics;
}

test("matmul with a number operand offers no swap of the operands (method form)", () => {
  const ds = diagnosticsOf(
    `import { Tensor } from "chainrule";\nexport function f(W: Tensor<["D", "H"]>) {\n  return W.matmul(2);\n}\n`,
  );
  assert.equal(ds.length, 1);
  assert.equal(ds[0]!.code, "matmul-mismatch");
  const titles = ds[0]!.fixes.map((f) => f.title);
  assert.ok(!titles.includes("Swap the operands"), `offered: ${titles.join("; ")}`);
  for (const f of ds[0]!.fixes) for (const e of f.edits) assert.doesNotMatch(e.newText, /^\(2\)$/);
});

test("matmul with a number operand offers no swap of the operands (function form)", () => {
  const ds = diagnosticsOf(
    `import { Tensor, matmul } from "chainrule";\nexport function f(W: Tensor<["D", "H"]>) {\n  return matmul(W, 2);\n}\n`,
  );
  assert.equal(ds.length, 1);
  assert.ok(!ds[0]!.fixes.some((f) => f.title === "Swap the operands"));
});

test("swapping two matrices is still offered where it checks", () => {
  const ds = diagnosticsOf(
    `import { Tensor } from "chainrule";\nexport function f(a: Tensor<["K", "H"]>, b: Tensor<[1, "K"]>): Tensor<[1, "H"]> {\n  return a.matmul(b);\n}\n`,
  );
  assert.equal(ds.length, 1);
  const swap = ds[0]!.fixes.find((f) => f.title === "Swap the operands");
  assert.ok(swap?.isPreferred);
});
