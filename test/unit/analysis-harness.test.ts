// The fixture harness must be able to fail: a wrong range, a wrong message, a missing annotation,
// a wrong shape or a wrong "after" text each make check() throw.

import assert from "node:assert/strict";
import { test } from "node:test";
import { check, parseFixture } from "../helpers/fixture";

const good = `// ==== ok
import { Tensor } from "chainrule";
export function f(a: Tensor<[1, "H"]>, b: Tensor<[1, "H"]>) {
  return a.matmul(b);
  //       ^^^^^^^^^ error matmul-mismatch: inner dimensions H and 1 differ
  //     ^ shape [1,H]
}
`;

test("the harness accepts a correct fixture", () => {
  const [c] = parseFixture(good);
  assert.equal(c!.files.size, 1);
  check(c!);
});

for (const [name, broken] of [
  ["wrong range", good.replace("//       ^^^^^^^^^ error", "//       ^^^^^^^^ error")],
  ["wrong message", good.replace("H and 1 differ", "H and K differ")],
  ["wrong code", good.replace("error matmul-mismatch", "error rank-mismatch")],
  ["missing annotation", good.replace(/ *\/\/ +\^+ error.*\n/, "")],
  ["wrong shape", good.replace("shape [1,H]", "shape [H,1]")],
  ["wrong after text", good + "//- after: preferred\nimport { Tensor } from \"chainrule\";\n"],
] as const) {
  test(`the harness rejects a fixture with a ${name}`, () => {
    assert.throws(() => check(parseFixture(broken)[0]!));
  });
}

test("multi-file fixtures split at //- markers", () => {
  const [c] = parseFixture(`// ==== two\n//- /a.ts\nimport { Tensor } from "chainrule";\n//- /b/c.ts\nexport const x = 1;\n`);
  assert.deepEqual([...c!.files.keys()], ["/fixture/a.ts", "/fixture/b/c.ts"]);
});
