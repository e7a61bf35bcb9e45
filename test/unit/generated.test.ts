// The files generated from the op catalog (`npm run gen`) are in step with it: the runtime's
// typings and exports, the template grammar and docs/ops.md. A catalog change that is not
// regenerated fails here, naming the file.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { USER_OPS } from "../../src/ops/catalog";
import { GENERATED } from "../../scripts/gen/files";

const root = path.join(__dirname, "..", "..");

for (const [file, render] of GENERATED) {
  test(`${file} is what the catalog generates (run \`npm run gen\` after changing an op)`, () => {
    assert.equal(readFileSync(path.join(root, file), "utf8"), render());
  });
}

test("the generated typings and docs name every user op", () => {
  const typings = readFileSync(path.join(root, "src/runtime/ops.generated.ts"), "utf8");
  const doc = readFileSync(path.join(root, "docs/ops.md"), "utf8");
  for (const op of USER_OPS) {
    assert.match(typings, new RegExp(`export const ${op.name}: OpFunctions\\["${op.name}"\\]`), op.name);
    assert.ok(doc.includes(`\`${op.name}(`), `docs/ops.md lacks ${op.name}`);
  }
});
