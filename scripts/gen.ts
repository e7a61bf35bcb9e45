// `npm run gen`: regenerates the files derived from the op catalog (the runtime's typings and
// function exports, the template grammar, docs/ops.md). test/unit/generated.test.ts compares each
// with what is committed, so a change to the catalog that is not regenerated fails the tests.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { GENERATED } from "./gen/files";

const root = path.join(__dirname, "..");
for (const [file, render] of GENERATED) {
  writeFileSync(path.join(root, file), render());
  console.log(`wrote ${file}`);
}
