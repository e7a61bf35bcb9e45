// The CLI's help (every command declares its flags once; --help, `help <command>` and usage errors
// read that declaration) and `chainrule init` (sets a project up, never overwrites, writes
// nothing when package.json is unreadable). Run in-process through run().

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { EXAMPLE_FILE } from "../../src/cli/init";
import { COMMANDS, run } from "../../src/cli/main";

async function cli(argv: string[], cwd = path.join(__dirname, "../..")) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd });
  return { code, stdout, stderr };
}

describe("help", () => {
  it("chainrule --help lists every command's synopsis and summary", async () => {
    const r = await cli(["--help"]);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) {
      assert.match(r.stdout, new RegExp(`^  chainrule ${c.name}\\b`, "m"), c.name);
      assert.ok(r.stdout.includes(c.summary), c.name);
    }
  });

  for (const c of COMMANDS) {
    it(`chainrule ${c.name} --help describes every flag, the exit status and examples`, async () => {
      const r = await cli([c.name, "--help"]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.startsWith(`chainrule ${c.name}: `));
      for (const [name, flag] of Object.entries(c.flags)) {
        assert.match(r.stdout, new RegExp(`--${name} ${flag.values ? flag.values.join("\\|") : flag.placeholder}\\s+\\S`), name);
      }
      for (const name of Object.keys(c.switches ?? {})) assert.match(r.stdout, new RegExp(`--${name}\\s+\\S`));
      assert.match(r.stdout, /exit status: 0 /);
      assert.match(r.stdout, /examples:\n  (npm install chainrule|chainrule)/);
      assert.equal((await cli(["help", c.name])).stdout, r.stdout, "`chainrule help <command>` is the same page");
    });
  }

  it("synopses match CLI.md's: optional switches in brackets, required ones bare", async () => {
    const r = await cli(["--help"]);
    assert.ok(r.stdout.includes("chainrule explain <file> <function> [params…] [--format text|json|markdown] [--emit]\n"), r.stdout);
    assert.ok(r.stdout.includes("chainrule lsp --stdio\n"), r.stdout);
    assert.match((await cli(["explain"])).stderr, /usage: chainrule explain .*\[--emit\]$/m);
  });

  it("-h works anywhere in a command's arguments, but not after --", async () => {
    assert.equal((await cli(["check", "examples", "-h"])).code, 0);
    const r = await cli(["check", "--", "-h"]);
    assert.equal(r.code, 2, "-h after -- is a path, and it does not exist");
  });

  it("bad usage says what is wrong, the command's synopsis and where its help is (exit 2)", async () => {
    const r = await cli(["check", "--nope"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --nope/);
    assert.match(r.stderr, /usage: chainrule check \[paths…\] \[--format text\|json\]/);
    assert.match(r.stderr, /chainrule check --help/);
    assert.match((await cli(["lsp"])).stderr, /chainrule lsp needs --stdio/);
    assert.match((await cli(["lsp", "file.ts", "--stdio"])).stderr, /takes no operands/);
    assert.match((await cli(["help", "frobnicate"])).stderr, /unknown command frobnicate/);
  });
});

describe("chainrule init", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "chainrule-init-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  let n = 0;
  const folder = (files: Record<string, string> = {}) => {
    const dir = path.join(tmp, `p${n++}`);
    mkdirSync(dir);
    for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
    return dir;
  };

  it("in an empty folder: package.json with the dependency and scripts, tsconfig.json, a clean example", async () => {
    const dir = folder();
    const r = await cli(["init"], dir);
    assert.equal(r.code, 0, r.stderr);
    const pj = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    assert.equal(pj.dependencies.chainrule, `^${require("../../package.json").version}`);
    assert.equal(pj.scripts["chainrule:check"], "chainrule check");
    assert.equal(JSON.parse(readFileSync(path.join(dir, "tsconfig.json"), "utf8")).compilerOptions.strict, true);
    assert.match(readFileSync(path.join(dir, EXAMPLE_FILE), "utf8"), /@gradient loss x/);
    assert.match(r.stdout, /checked chainrule-example\.ts: no shape problems/);
    assert.match(r.stdout, /npm install/, "chainrule is not installed there yet, so it says to install");
  });

  it("keeps what exists: the dependency npm saved, the indentation, other fields, tsconfig and the example", async () => {
    const pjText = JSON.stringify({ name: "mine", dependencies: { chainrule: "file:chainrule-0.1.0.tgz" }, scripts: { test: "node t.js" } }, null, 4) + "\n";
    const dir = folder({ "package.json": pjText, "tsconfig.json": "{}\n", [EXAMPLE_FILE]: "// mine\n" });
    const r = await cli(["init", "."], dir);
    assert.equal(r.code, 0, r.stderr);
    const after = readFileSync(path.join(dir, "package.json"), "utf8");
    assert.match(after, /^\{\n {4}"name": "mine"/);
    const pj = JSON.parse(after);
    assert.equal(pj.dependencies.chainrule, "file:chainrule-0.1.0.tgz");
    assert.deepEqual(Object.keys(pj.scripts), ["test", "chainrule:check", "chainrule:verify"]);
    assert.equal(readFileSync(path.join(dir, "tsconfig.json"), "utf8"), "{}\n");
    assert.equal(readFileSync(path.join(dir, EXAMPLE_FILE), "utf8"), "// mine\n");
    assert.match(r.stdout, /tsconfig\.json exists: kept/);
    const again = readFileSync(path.join(dir, "package.json"), "utf8");
    assert.equal((await cli(["init"], dir)).code, 0);
    assert.equal(readFileSync(path.join(dir, "package.json"), "utf8"), again, "a second init changes nothing");
  });

  it("an unreadable package.json stops it before anything is written (exit 2)", async () => {
    const dir = folder({ "package.json": "{ not json" });
    const r = await cli(["init"], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /package\.json is not valid JSON .*nothing was changed/);
    assert.equal(readFileSync(path.join(dir, "package.json"), "utf8"), "{ not json");
    assert.equal(existsSync(path.join(dir, "tsconfig.json")), false);
    assert.equal(existsSync(path.join(dir, EXAMPLE_FILE)), false);
  });

  it("a folder that does not exist, or two folders, is bad usage", async () => {
    assert.match((await cli(["init", "nope"], folder())).stderr, /no such folder: nope/);
    assert.equal((await cli(["init", "a", "b"], folder())).code, 2);
  });
});
