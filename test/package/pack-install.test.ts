// The package as a user gets it: `npm pack` of this checkout, `npm install` of the tarball into an
// empty project in a temp folder, then `npx chainrule` (--help, init, check, verify, lsp --stdio)
// and the runtime imported from CommonJS, from ESM, through tsx and under tsc's NodeNext rules.
// Nothing here reaches into the repository's own node_modules for chainrule: it must all come
// from the tarball (its one dependency, esbuild, from the registry or npm's cache).

import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { LspClient } from "../protocol/harness";

const ROOT = path.resolve(__dirname, "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, timeout: 240_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string, status = 0): string {
  assert.equal(r.status, status, `${what}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe("npm pack → npm install of the tarball → npx chainrule, in an empty project", () => {
  let tmp: string;
  let project: string;
  let files: string[];

  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "chainrule-pack-"));
    project = path.join(tmp, "project");
    mkdirSync(project);
    // dist/ is built by `npm test` before any test runs; --ignore-scripts packs it as it is.
    const packed = JSON.parse(ok(sh(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], ROOT), "npm pack"));
    files = packed[0].files.map((f: { path: string }) => f.path);
    writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "user-project", private: true }, null, 2));
    ok(sh(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(tmp, packed[0].filename)], project), "npm install <tarball>");
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("the tarball holds what runs and nothing else: no sources, tests, benchmarks, source maps or binaries", () => {
    for (const f of ["bin/chainrule.js", "dist/cli.js", "dist/engine.js", "dist/server.js", "dist/verify-worker.js", "dist/build-ids.json",
      "dist/lib/runtime/index.js", "dist/lib/runtime/index.d.ts", "dist/lib/runtime/index.mjs", "dist/lib/runtime/index.d.mts",
      "docs/cli.md", "docs/dsl.md", "docs/diagnostics.md", "README.md", "CHANGELOG.md", "LICENSE", "examples/seed.ts"]) {
      assert.ok(files.includes(f), `${f} is packed`);
    }
    const unwanted = files.filter((f) => /^(src|server|client|test|bench|scripts|node_modules)\//.test(f) || f.endsWith(".map") || /\.(node|exe|wasm)$/.test(f));
    assert.deepEqual(unwanted, []);
  });

  it("its run-time dependencies are dependencies: only esbuild (for verify); the rest is bundled", () => {
    const pj = JSON.parse(readFileSync(path.join(project, "node_modules/chainrule/package.json"), "utf8"));
    assert.deepEqual(Object.keys(pj.dependencies ?? {}), ["esbuild"]);
  });

  it("npx chainrule --version, --help and <command> --help describe every command and flag", () => {
    const version = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
    assert.equal(ok(sh(NPX, ["chainrule", "--version"], project), "--version").trim(), version);
    const help = ok(sh(NPX, ["chainrule", "--help"], project), "--help");
    for (const c of ["check", "verify", "lsp", "init"]) assert.match(help, new RegExp(`chainrule ${c}\\b`));
    const check = ok(sh(NPX, ["chainrule", "check", "--help"], project), "check --help");
    assert.match(check, /--format text\|json/);
    assert.match(check, /examples:/);
    const verify = ok(sh(NPX, ["chainrule", "verify", "--help"], project), "verify --help");
    for (const flag of ["--format", "--seed", "--timeout", "--mode"]) assert.match(verify, new RegExp(flag));
  });

  it("npx chainrule init sets the project up; check finds nothing in its example, and the seed's bug once it is made", () => {
    const out = ok(sh(NPX, ["chainrule", "init"], project), "init");
    assert.match(out, /tsconfig\.json: created/);
    assert.match(out, /chainrule-example\.ts: created/);
    const pj = JSON.parse(readFileSync(path.join(project, "package.json"), "utf8"));
    assert.match(pj.dependencies.chainrule, /chainrule-.*\.tgz$/, "the dependency npm saved is kept");
    assert.equal(pj.scripts["chainrule:check"], "chainrule check");
    assert.match(ok(sh(NPX, ["chainrule", "check"], project), "check"), /No shape problems in 1 file/);
    const example = readFileSync(path.join(project, "chainrule-example.ts"), "utf8");
    const buggy = example.replace(".matmul(W2.T).mul(h.mul(sub(1, h)))", ".matmul(W2.T).matmul(h.mul(sub(1, h)))");
    assert.notEqual(buggy, example);
    writeFileSync(path.join(project, "bug.ts"), buggy);
    const json = JSON.parse(ok(sh(NPX, ["chainrule", "check", "bug.ts", "--format", "json"], project), "check bug.ts", 1));
    assert.equal(json.files[0].diagnostics[0].code, "matmul-mismatch");
    rmSync(path.join(project, "bug.ts"));
  });

  it("npx chainrule verify runs the example's gradients in the sandbox and they pass", () => {
    const out = JSON.parse(ok(sh(NPX, ["chainrule", "verify", "chainrule-example.ts", "--format", "json"], project), "verify"));
    assert.ok(out.checks.length >= 5);
    assert.deepEqual(out.checks.map((c: { status: string }) => c.status).filter((s: string) => s !== "pass"), []);
  });

  it("npx chainrule lsp --stdio answers initialize and publishes the seed's bug", async () => {
    const client = await LspClient.start({ command: { args: [path.join(project, "node_modules/.bin/chainrule"), "lsp", "--stdio"], cwd: project } });
    try {
      const file = path.join(project, "chainrule-example.ts");
      const text = readFileSync(file, "utf8").replace(".matmul(W2.T).mul(h.mul(sub(1, h)))", ".matmul(W2.T).matmul(h.mul(sub(1, h)))");
      const uri = pathToFileURL(file).href;
      await client.open(uri, text);
      const diags = await client.diagnosticsFor(uri, 1);
      assert.deepEqual(diags.map((d) => d.code), ["matmul-mismatch"]);
    } finally {
      await client.stop();
    }
  });

  it("the runtime imports from CommonJS and from ESM as one instance, with the same ops", () => {
    const cjs = ok(sh(process.execPath, ["-e", `const c = require("chainrule"); console.log(JSON.stringify(c.matmul(c.tensor([[1, 2]]), c.tensor([[3], [4]])).data))`], project), "require");
    assert.equal(cjs.trim(), `{"0":11}`);
    const esm = ok(sh(process.execPath, ["--input-type=module", "-e", [
      `import { tensor, mul, Tensor } from "chainrule";`,
      `import * as cr from "chainrule";`,
      `import { createRequire } from "node:module";`,
      `const viaRequire = createRequire(import.meta.url)("chainrule");`,
      `console.log([...mul(tensor([[2, 3]]), 2).data].join(","), viaRequire.Tensor === Tensor, typeof cr.t);`,
    ].join("\n")], project), "import");
    assert.equal(esm.trim(), "4,6 true function");
  });

  it("the runtime runs under tsx, and type-checks under tsc for CommonJS (.ts) and ESM (.mts) files", () => {
    writeFileSync(path.join(project, "run.ts"), [
      `import { Tensor, tensor, sigmoid, t } from "chainrule";`,
      `const x: Tensor<[1, 2]> = tensor([[0, 0]]);`,
      "console.log(sigmoid(x).data[0], t`${x} ⊙ ${x}`.shape.join(\"x\"));",
    ].join("\n"));
    const tsx = pathToFileURL(path.join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
    assert.equal(ok(sh(process.execPath, ["--import", tsx, "run.ts"], project), "tsx run.ts").trim(), "0.5 1x2");
    writeFileSync(path.join(project, "esm.mts"), `import { Tensor, zeros } from "chainrule";\nexport const z: Tensor<[2, 3]> = zeros([2, 3]);\n`);
    writeFileSync(path.join(project, "wrong.mts"), `import { nosuchop } from "chainrule";\nconsole.log(nosuchop);\n`);
    const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
    const typecheck = sh(process.execPath, [tsc, "-p", "tsconfig.json"], project);
    // Only the deliberate mistake fails: types resolve for the .ts (require) and .mts (import) files.
    assert.equal(typecheck.status, 2, typecheck.stdout);
    assert.deepEqual(typecheck.stdout.trim().split("\n").map((l) => l.replace(/\(.*/, "")), ["wrong.mts"]);
    assert.match(typecheck.stdout, /has no exported member 'nosuchop'/);
  });
});
