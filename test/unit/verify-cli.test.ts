// `chainrule verify` as CLI.md fixes it: flags, exit codes, the JSON document and the text lines.
// Runs verifyCommand in-process (user code still runs in its sandboxed child).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { verifyCommand } from "../../src/cli/verify";

const root = path.resolve(__dirname, "../..");

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await verifyCommand(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: root });
  return { code, stdout, stderr };
}

/** Every field CLI.md names, with its JSON type ("null|number": either). */
const CONTRACT: Record<string, string> = {
  file: "string", gradient: "string", of: "string", wrt: "array", status: "string", mode: "string",
  dims: "object", seed: "number", maxAbsError: "null|number", maxRelError: "null|number",
  worst: "null|object", diagnosis: "null|string", message: "string", ms: "number",
};

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

describe("verify --format json", () => {
  it("prints version 1 and one contract-shaped entry per check; exit 0 when all pass", async () => {
    const r = await cli("examples/seed.ts", "--format", "json");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, 1);
    assert.equal(doc.checks.length, 5);
    for (const c of doc.checks) {
      for (const [k, t] of Object.entries(CONTRACT)) assert.ok(t.split("|").includes(typeOf(c[k])), `${k}: ${typeOf(c[k])}`);
      assert.equal(c.file, "examples/seed.ts");
      assert.equal(c.status, "pass");
      assert.equal(c.mode, "full");
      assert.equal(c.seed, 1);
      assert.equal(c.diagnosis, null);
      assert.deepEqual(Object.keys(c.worst).sort(), ["analytic", "index", "numeric", "param"]);
    }
    assert.deepEqual(doc.checks[0].wrt, ["x"]);
    assert.deepEqual(doc.checks[0].dims, { D: 2, H: 3, K: 4 });
  });

  it("exit 1 when a check fails; failing entries carry their diagnosis", async () => {
    const r = await cli("test/verify/wrong.ts", "--format=json");
    assert.equal(r.code, 1);
    const byName = new Map(JSON.parse(r.stdout).checks.map((c: { gradient: string }) => [c.gradient, c]));
    assert.equal((byName.get("dq_sign") as { diagnosis: string }).diagnosis, "sign-flipped");
    assert.equal((byName.get("dfdA_ok") as { status: string }).status, "pass");
  });

  it("exit 1 when a check errors (unresolved pairing), with null numbers", async () => {
    const r = await cli("test/verify/load/unresolved.ts", "--format", "json");
    assert.equal(r.code, 1);
    for (const c of JSON.parse(r.stdout).checks) {
      assert.equal(c.status, "error");
      assert.equal(c.maxAbsError, null);
      assert.equal(c.worst, null);
    }
  });

  it("--seed makes inputs reproducible: same seed, same numbers; another seed, other numbers", async () => {
    const numbers = async (seed: string) => JSON.parse((await cli("examples/seed.ts", "--format", "json", "--seed", seed)).stdout).checks.map((c: { seed: number; worst: { numeric: number } }) => [c.seed, c.worst.numeric]);
    const a = await numbers("7");
    assert.deepEqual(a, await numbers("7"));
    assert.equal(a[0][0], 7);
    assert.notDeepEqual(a.map((x: number[]) => x[1]), (await numbers("8")).map((x: number[]) => x[1]));
  });

  it("--mode fast is reported per check", async () => {
    const doc = JSON.parse((await cli("examples/seed.ts", "--format", "json", "--mode", "fast")).stdout);
    for (const c of doc.checks) assert.equal(c.mode, "fast");
  });

  it("--timeout bounds one check", async () => {
    const r = await cli("test/verify/faults.ts", "--format", "json", "--timeout", "800");
    const loops = JSON.parse(r.stdout).checks.find((c: { gradient: string }) => c.gradient === "loops");
    assert.match(loops.message, /^timed out after 800 ms/);
    assert.equal(r.code, 1);
  });
});

describe("verify paths", () => {
  it("walks folders, skips node_modules, ignores files without @gradient", async () => {
    const doc = JSON.parse((await cli("test/verify/folder", "--format", "json")).stdout);
    assert.deepEqual(doc.checks.map((c: { file: string }) => c.file), ["test/verify/folder/sub/a.ts"]);
  });

  it("prints an empty list and exits 0 when nothing is found", async () => {
    const r = await cli("test/verify/model.ts", "--format", "json");
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { version: 1, checks: [] });
  });
});

describe("verify text format", () => {
  it("one tsc-style line per check, then a summary", async () => {
    const r = await cli("test/verify/wrong.ts");
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 8);
    assert.match(lines[0]!, /^test\/verify\/wrong.ts:10:17 - pass dfdA_ok: ∂f\/∂A matches finite differences/);
    assert.match(lines[1]!, /^test\/verify\/wrong.ts:16:17 - error gradient-mismatch: dfdA_transposed disagrees .*\(transposed\)/);
    assert.match(lines[7]!, /^7 gradient checks: 1 passed, 6 failed, 0 errors \(\d+\.\d\d s\)\.$/);
  });

  it("errors use their own code", async () => {
    const r = await cli("test/verify/load/unresolved.ts");
    assert.match(r.stdout, /^test\/verify\/load\/unresolved.ts:9:17 - error gradient-check-error: @gradient nothere/m);
  });
});

describe("verify usage errors exit 2 with a message on stderr and nothing on stdout", () => {
  const cases: Array<[string[], RegExp]> = [
    [["--mode", "slow"], /--mode expects full or fast/],
    [["--format", "xml"], /--format expects text or json/],
    [["--seed", "abc"], /--seed expects an integer/],
    [["--timeout", "0"], /--timeout expects an integer ≥ 1/],
    [["--timeout"], /--timeout needs a value/],
    [["--frobnicate"], /unknown option --frobnicate/],
    [["test/verify/nope.ts"], /no such file or folder: test\/verify\/nope.ts/],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(" "), async () => {
      const r = await cli(...argv);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: chainrule verify/);
    });
  }
});

// `npm test` builds first, so this runs the shipped bundle: dist/cli.js with esbuild external and
// dist/verify-worker.js beside it. Skipped only when nothing has been built.
describe("the built command", { skip: !existsSync(path.join(root, "dist/cli.js")) && "dist/cli.js not built" }, () => {
  it("bin/chainrule.js verify runs the seed network in the sandbox and exits 0", () => {
    const r = spawnSync(process.execPath, [path.join(root, "bin/chainrule.js"), "verify", "examples/seed.ts", "--format", "json"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.checks.map((c: { status: string }) => c.status), ["pass", "pass", "pass", "pass", "pass"]);
  });

  it("bin/chainrule.js verify exits 1 on a failing gradient and 2 on bad usage", () => {
    const fail = spawnSync(process.execPath, [path.join(root, "bin/chainrule.js"), "verify", "test/verify/wrong.ts"], { cwd: root, encoding: "utf8" });
    assert.equal(fail.status, 1, fail.stderr);
    assert.match(fail.stdout, /7 gradient checks: 1 passed, 6 failed, 0 errors/);
    const usage = spawnSync(process.execPath, [path.join(root, "bin/chainrule.js"), "verify", "--mode", "slow"], { cwd: root, encoding: "utf8" });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--mode expects full or fast/);
  });
});
