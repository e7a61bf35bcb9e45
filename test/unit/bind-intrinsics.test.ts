// chainrule's own modules in a verify bundle read the realm's intrinsics through locals (a vm
// context's global reads are uncached): the binding must keep line numbers and directives.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bindIntrinsics } from "../../src/verify/bundle";

test("bindIntrinsics binds the intrinsics a module names, after its directive, on its first line", () => {
  const src = '"use strict";\nconst x = Math.exp(1);\nconst a = new Float64Array(2);\n';
  const out = bindIntrinsics(src);
  assert.ok(out.startsWith('"use strict";const Math = globalThis.Math, Float64Array = globalThis.Float64Array;'));
  assert.equal(out.split("\n").length, src.split("\n").length);
  assert.equal(new Function(`${out}; return x;`)(), Math.exp(1));
  assert.equal(bindIntrinsics("export const y = 1;\n"), "export const y = 1;\n");
  assert.ok(!bindIntrinsics("const MathX = 1;").includes("globalThis"));
});
