// "Adding a diagnostic code without its handler is a compile error" holds by test: the handler
// table is compiled once as it is (no error) and once against a registry with one more code,
// which must fail at the table (and at the site types, which ask for the new code's site).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts = require("typescript");

const root = path.join(__dirname, "..", "..");
const handlers = path.join(root, "src", "diagnostics", "handlers", "index.ts");
const registry = path.join(root, "src", "diagnostics", "registry.ts");

function errors(registryText?: string): string[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, types: [], lib: ["lib.es2022.d.ts"], skipLibCheck: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    registryText !== undefined && path.resolve(name) === registry ? ts.createSourceFile(name, registryText, lang) : getSourceFile(name, lang, onError, create);
  const program = ts.createProgram([handlers], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? path.relative(root, d.file.fileName) : ""} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
}

test("the handler table compiles as it is", () => {
  assert.deepEqual(errors(), []);
});

test("a code added to the registry without a handler does not compile, and the error is at the handler table", () => {
  const text = readFileSync(registry, "utf8");
  const at = text.indexOf("export const DIAGNOSTICS = {") + "export const DIAGNOSTICS = {".length;
  assert.ok(at > 30, "the registry's DIAGNOSTICS table was not found");
  const added = `${text.slice(0, at)}\n  "brand-new-code": { code: "brand-new-code", severity: "error", summary: "s", explanation: "e" },${text.slice(at)}`;
  const got = errors(added);
  assert.ok(got.length > 0, "the table compiled with a code it has no handler for");
  // The table's `satisfies` names the missing handler; the site types (SiteOf) ask for the new code's site too.
  assert.ok(got.every((e) => e.startsWith(path.join("src", "diagnostics"))), got.join("\n"));
  assert.ok(got.some((e) => e.startsWith(path.join("src", "diagnostics", "handlers", "index.ts")) && e.includes("TS1360") && e.includes("brand-new-code")), got.join("\n"));
});
