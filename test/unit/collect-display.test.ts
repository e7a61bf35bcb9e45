// CLI.md: "`file` is as given or relative to the current folder": a file named on the command line
// is shown as it was written, an absolute path included; files found below a folder are shown
// relative to the current folder.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { collectFiles } from "../../src/files/collect";
import { verify } from "../../src/verify/index";

const dir = mkdtempSync(path.join(tmpdir(), "chainrule-display-"));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(path.join(dir, "proj", "sub"), { recursive: true });
writeFileSync(path.join(dir, "proj", "sub", "a.ts"), "export const a = 1;\n");
writeFileSync(path.join(dir, "other.ts"), "export const b = 1;\n");
const cwd = path.join(dir, "proj");

test("a file given by absolute path is shown as given", () => {
  const abs = path.join(dir, "other.ts");
  assert.deepEqual(collectFiles([abs], cwd).map((f) => f.display), [abs.split(path.sep).join("/")]);
});

test("a file given by absolute path inside the current folder is relative to it (the server's open documents)", () => {
  assert.deepEqual(collectFiles([path.join(cwd, "sub", "a.ts")], cwd).map((f) => f.display), ["sub/a.ts"]);
});

test("a file given by relative path is shown as given", () => {
  assert.deepEqual(collectFiles(["../other.ts", "./sub/a.ts"], cwd).map((f) => f.display), ["../other.ts", "./sub/a.ts"]);
});

test("files below a folder, given relative or absolute, are relative to the current folder", () => {
  assert.deepEqual(collectFiles(["sub"], cwd).map((f) => f.display), ["sub/a.ts"]);
  assert.deepEqual(collectFiles([path.join(cwd, "sub")], cwd).map((f) => f.display), ["sub/a.ts"]);
  assert.deepEqual(collectFiles([], cwd).map((f) => f.display), ["sub/a.ts"]);
});

test("verify names a file given by absolute path as given, as check does", async () => {
  const abs = path.join(dir, "bad.ts");
  writeFileSync(abs, `import { Tensor, Scalar, sum } from "chainrule";\nexport function f(x: Tensor<[1, "N"]>): Scalar { return sum(x); }\n/** @gradient nope x */\nexport function g(x: Tensor<[1, "N"]>) { return x; }\n`);
  const { checks } = await verify([abs], { cwd });
  assert.equal(checks.length, 1);
  assert.equal(checks[0]!.file, abs.split(path.sep).join("/"));
});
