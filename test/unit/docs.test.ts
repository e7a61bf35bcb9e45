// The generated diagnostics page is in step with the registry, and every code CLI.md names exists.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { renderDiagnosticsDoc } from "../../src/diagnostics/docs";
import { DIAGNOSTIC_CODES } from "../../src/diagnostics/registry";

const root = path.join(__dirname, "..", "..");

test("docs/diagnostics.md matches the registry (run `npm run docs` after changing it)", () => {
  assert.equal(readFileSync(path.join(root, "docs", "diagnostics.md"), "utf8"), renderDiagnosticsDoc());
});

test("the registry has exactly CLI.md v2's codes, plus analysis-limit and file-unreadable (documented in docs/decisions.md)", () => {
  assert.deepEqual([...DIAGNOSTIC_CODES].sort(), [
    "analysis-limit", "annotation-mismatch", "broadcast-expands", "elementwise-mismatch", "file-unreadable", "gradient-of-nonscalar",
    "gradient-shape-mismatch", "gradient-unresolved", "loop-shape-changes", "matmul-mismatch", "rank-mismatch", "shape-mismatch",
    "syntax-error", "template-syntax",
  ]);
});

test("every diagnostic code has its handler's fixture cases beside it, expecting that code (file-unreadable: the CLI's, tested in test/hostile)", () => {
  const dir = path.join(root, "src", "diagnostics", "handlers");
  for (const code of DIAGNOSTIC_CODES) {
    assert.ok(existsSync(path.join(dir, `${code}.ts`)), `${code}: no handler file ${code}.ts`);
    if (code === "file-unreadable") continue;
    const fixture = path.join(dir, `${code}.fixture`);
    assert.ok(existsSync(fixture), `${code}: no ${code}.fixture beside its handler`);
    assert.match(readFileSync(fixture, "utf8"), new RegExp(`\\^+ (error|warning) ${code}\\b`), `${code}.fixture expects no ${code}`);
  }
});
