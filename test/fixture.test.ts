// Runs every fixture case under test/fixtures (files ending in .fixture; not .ts, so that tsc's
// test/**/*.ts does not compile deliberately broken DSL code). See test/helpers/fixture.ts.

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { check, parseFixture } from "./helpers/fixture";

const dir = path.join(__dirname, "fixtures");

function fixtureFiles(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = path.join(d, n);
    return statSync(p).isDirectory() ? fixtureFiles(p) : n.endsWith(".fixture") ? [p] : [];
  });
}

for (const file of fixtureFiles(dir).sort()) {
  const rel = path.relative(dir, file);
  for (const c of parseFixture(readFileSync(file, "utf8"))) {
    test(`${rel} › ${c.name}`, () => check(c));
  }
}
