// Runs every fixture case: each diagnostic code's own cases beside its handler
// (src/diagnostics/handlers/<code>.fixture, as rust-analyzer keeps check, fix and tests together),
// and the topic fixtures under test/fixtures (real code, ops, templates, imports). Files end in
// .fixture, not .ts, so that tsc does not compile deliberately broken DSL code. See
// test/helpers/fixture.ts.

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { check, parseFixture } from "./helpers/fixture";

const dir = path.join(__dirname, "fixtures");
const handlers = path.join(__dirname, "..", "src", "diagnostics", "handlers");

function fixtureFiles(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = path.join(d, n);
    return statSync(p).isDirectory() ? fixtureFiles(p) : n.endsWith(".fixture") ? [p] : [];
  });
}

for (const file of [...fixtureFiles(handlers), ...fixtureFiles(dir)].sort()) {
  const rel = path.relative(file.startsWith(handlers) ? path.dirname(handlers) : dir, file);
  for (const c of parseFixture(readFileSync(file, "utf8"))) {
    test(`${rel} › ${c.name}`, () => check(c));
  }
}
