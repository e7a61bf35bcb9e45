// The generated diagnostics page is in step with the registry, and every code CLI.md names exists.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { renderDiagnosticsDoc } from "../../src/diagnostics/docs";
import { DIAGNOSTIC_CODES } from "../../src/diagnostics/registry";

const root = path.join(__dirname, "..", "..");

test("docs/diagnostics.md matches the registry (run `npm run docs` after changing it)", () => {
  assert.equal(readFileSync(path.join(root, "docs", "diagnostics.md"), "utf8"), renderDiagnosticsDoc());
});

test("the registry has exactly CLI.md's codes", () => {
  assert.deepEqual([...DIAGNOSTIC_CODES].sort(), [
    "annotation-mismatch", "broadcast-expands", "elementwise-mismatch", "gradient-of-nonscalar",
    "gradient-shape-mismatch", "gradient-unresolved", "matmul-mismatch", "rank-mismatch", "template-syntax",
  ]);
});
