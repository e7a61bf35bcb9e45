// Every fix a diagnostic offers must make the diagnosed expression check (CLI.md: "Fixes are
// offered only when, after the edit, the expression checks"), judged by the full analysis of the
// fixed file, not only by the re-check of the edited statement that chooses the fixes. The cases
// are where the two used to differ: a generic class's methods (the re-check lost the class's type
// parameters, so `Tensor<[1, I]>` was unknown there) and a number operand swapped into receiver
// position.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";
import { applyFix } from "../helpers/fixture";

function analyze(text: string) {
  const w = new Workspace({ readFile: (p) => (p === "/main.ts" ? text : undefined) });
  w.update("/main.ts", text);
  return w.analyze("/main.ts").diagnostics;
}

/** Offered fixes of the first diagnostic, each with whether the fixed file still has an error of that code on that line. */
function fixesAndLeftovers(text: string) {
  const [d] = analyze(text);
  assert.ok(d, "expected a diagnostic");
  return {
    d,
    fixes: d.fixes.map((f) => {
      const after = analyze(applyFix(text, f));
      const left = after.some((x) => x.code === d.code && x.range.start.line === d.range.start.line);
      return { title: f.title, preferred: f.isPreferred, left };
    }),
  };
}

const GENERIC_LAYER = `import { Tensor } from "chainrule";
export class Linear<I extends string, O extends string> {
  W: Tensor<[I, O]>;
  x?: Tensor<[1, I]>;
  constructor(W: Tensor<[I, O]>) { this.W = W; }
  backward(dy: Tensor<[1, O]>) {
    const dW = this.x!.matmul(dy);
    return dW;
  }
}
`;

test("generic class method: every offered fix of [1,I] @ [1,O] checks in the fixed file; the transpose of x is the one", () => {
  const { d, fixes } = fixesAndLeftovers(GENERIC_LAYER);
  assert.equal(d.code, "matmul-mismatch");
  assert.deepEqual(fixes.filter((f) => f.left).map((f) => f.title), []);
  assert.deepEqual(fixes.map((f) => [f.title, f.preferred]), [["Transpose the left operand (this.x!ᵀ)", true]]);
});

test("matmul by a number: no swap that makes the number the receiver", () => {
  const text = `import { Tensor } from "chainrule";
export function scale(W: Tensor<["H", "H"]>) {
  return W.matmul(3);
}
`;
  const { fixes } = fixesAndLeftovers(text);
  assert.ok(!fixes.some((f) => f.title.startsWith("Swap")), JSON.stringify(fixes));
  assert.deepEqual(fixes.filter((f) => f.left).map((f) => f.title), []);
});
