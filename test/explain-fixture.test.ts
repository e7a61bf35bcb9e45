// Runs every explain fixture under test/fixtures/explain (files ending in .explain): functions with
// the derivation text and emitted code expected of them. See test/helpers/explain-fixture.ts.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { checkExplainCase, parseExplainFixture } from "./helpers/explain-fixture";

const dir = path.join(__dirname, "fixtures", "explain");

for (const name of readdirSync(dir).filter((n) => n.endsWith(".explain")).sort()) {
  for (const c of parseExplainFixture(readFileSync(path.join(dir, name), "utf8"))) {
    test(`explain/${name} › ${c.name}`, () => checkExplainCase(c));
  }
}
