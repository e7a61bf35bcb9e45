// Installing chainrule from a fresh clone rather than a tarball: `npm install git+file://…` (npm
// installs the clone's devDependencies and runs `prepare`, then packs by `files`) and
// `npm install file:<clone>` (a link: `prepare` runs in the clone with no devDependencies, so the
// build installs its own tools first). The clone is this working tree's files (tracked and
// untracked, not ignored) committed into a new repository, so it has no dist/ or node_modules.

import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";

const ROOT = path.resolve(__dirname, "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 300_000 });
}

function ok(r: SpawnSyncReturns<string>, what: string, status = 0): string {
  assert.equal(r.status, status, `${what}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A new repository holding this working tree's files, as a fresh clone would. */
function freshClone(dest: string): void {
  const listed = ok(sh("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT), "git ls-files");
  for (const rel of listed.split("\0").filter(Boolean)) {
    // Deleted in the working tree, or not a file (a symlink to a local editor install).
    if (!existsSync(path.join(ROOT, rel)) || !lstatSync(path.join(ROOT, rel)).isFile()) continue;
    mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    copyFileSync(path.join(ROOT, rel), path.join(dest, rel));
  }
  for (const args of [["init", "-q"], ["add", "-A"], ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "fresh clone"]]) {
    ok(sh("git", args, dest), `git ${args[0]}`);
  }
}

function project(dir: string): string {
  mkdirSync(dir);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: path.basename(dir), private: true }));
  return dir;
}

/** What a user does first in either kind of install: the CLI, and the runtime from node. */
function works(dir: string, seedBug: string): void {
  const json = JSON.parse(ok(sh(NPX, ["chainrule", "check", seedBug, "--format", "json"], dir), "check", 1));
  assert.equal(json.files[0].diagnostics[0].code, "matmul-mismatch");
  const out = ok(sh(process.execPath, ["-e", `console.log(require("chainrule").tensor([[1, 2, 3]]).shape.join("x"))`], dir), "require");
  assert.equal(out.trim(), "1x3");
}

describe("npm install from a fresh clone (git URL, file: link)", () => {
  let tmp: string;
  let clone: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "chainrule-clone-"));
    clone = path.join(tmp, "chainrule");
    freshClone(clone);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("npm install git+file://<clone>: prepare builds with the clone's devDependencies, the result is what `files` lists", () => {
    const dir = project(path.join(tmp, "from-git"));
    ok(sh(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", `git+${pathToFileURL(clone).href}`], dir), "npm install git+file");
    const installed = path.join(dir, "node_modules/chainrule");
    assert.ok(existsSync(path.join(installed, "dist/engine.js")), "built by prepare");
    assert.ok(!existsSync(path.join(installed, "src")), "sources are not installed");
    works(dir, path.join(installed, "examples/seed-bug.ts"));
  });

  it("npm install file:<clone>: the link's prepare installs the build tools it lacks, builds, and everything runs", () => {
    const dir = project(path.join(tmp, "from-file"));
    assert.ok(!existsSync(path.join(clone, "node_modules")), "the clone starts without node_modules");
    ok(sh(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", `file:${clone}`], dir), "npm install file:");
    assert.ok(existsSync(path.join(clone, "dist/engine.js")), "built in the clone");
    works(dir, path.join(clone, "examples/seed-bug.ts"));
    assert.equal(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).dependencies.chainrule, `file:${path.relative(dir, clone)}`);
  });
});
