// DSL.md's code examples must compile under `tsc --strict` against the published typings: the
// fixtures in test/types/fixtures import "chainrule", which resolves through package.json
// "exports" to dist/lib/runtime (so run `node scripts/build.mjs` first; npm test does).
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
// The compiler API itself, not ts-morph: this is what users' own tsc will do.
import ts = require("typescript");

const root = path.join(__dirname, "..", "..");
const fixtures = path.join(__dirname, "fixtures");
const typings = path.join(root, "dist", "lib", "runtime", "index.d.ts");

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2022.d.ts"],
  types: [],
  // Check our emitted .d.ts files too, not just their use.
  skipLibCheck: false,
};

/** Diagnostics of compiling `files`, plus in-memory files that shadow or add to the disk. */
function compile(files: string[], virtual: Record<string, string> = {}): string[] {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    name in virtual ? ts.createSourceFile(name, virtual[name]!, lang) : getSourceFile(name, lang, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name in virtual || fileExists(name);
  const program = ts.createProgram([...files, ...Object.keys(virtual)], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const file = d.file ? path.relative(root, d.file.fileName) : "";
    return `${file}:${where ? where.line + 1 : 0} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

function newestSource(): number {
  let newest = 0;
  // Everything the runtime's typings are emitted from (the template parser included, once present).
  for (const dir of ["src/runtime", "src/ops", "src/shape", "src/template"]) {
    if (!existsSync(path.join(root, dir))) continue;
    for (const name of readdirSync(path.join(root, dir))) newest = Math.max(newest, statSync(path.join(root, dir, name)).mtimeMs);
  }
  return newest;
}

const fixtureFiles = readdirSync(fixtures).filter((n) => n.endsWith(".ts")).map((n) => path.join(fixtures, n));

test("the runtime's typings are built and not older than their sources", () => {
  let built = 0;
  try {
    built = statSync(typings).mtimeMs;
  } catch {
    assert.fail(`${path.relative(root, typings)} is missing: run node scripts/build.mjs`);
  }
  assert.ok(built >= newestSource(), "dist/lib/runtime is older than src/: run node scripts/build.mjs");
});

test("DSL.md's examples compile under --strict with zero diagnostics", () => {
  assert.ok(fixtureFiles.length >= 3, "fixtures found");
  assert.deepEqual(compile(fixtureFiles), []);
});

test("the check can fail: a misspelt method, an unknown import, a wrong operand type", () => {
  const file = path.join(fixtures, "negative.virtual.ts");
  const diagnostics = compile([], {
    [file]: [
      'import { tensor, softMax } from "chainrule";',
      "const a = tensor([[1, 2]]);",
      "a.matmull(a);",
      'a.add("1");',
      "void softMax;",
    ].join("\n"),
  });
  assert.equal(diagnostics.length, 3, diagnostics.join("\n"));
  assert.match(diagnostics.join("\n"), /TS2724: '"chainrule"' has no exported member named 'softMax'. Did you mean 'softmax'\?/);
  assert.match(diagnostics.join("\n"), /TS2551: Property 'matmull' does not exist on type 'Tensor<Shape>'. Did you mean 'matmul'\?/);
  assert.match(diagnostics.join("\n"), /TS2345: Argument of type 'string' is not assignable/);
});
