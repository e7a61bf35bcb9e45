// Start-up through the code cache (src/startup/load-bundle.ts), as a user's processes go: the
// first run of a build compiles dist/engine.js and writes the cache, later runs load it, and the
// answers are the same either way; an unsafe, corrupt or disabled cache only costs time.
// `--version` never loads the engine at all. Each test has its own cache folder.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin/chainrule.js");
const tmp = mkdtempSync(path.join(tmpdir(), "chainrule-cache-test-"));
let n = 0;

function cli(args: string[], cacheDir: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT, encoding: "utf8",
    env: { ...process.env, CHAINRULE_CACHE_DIR: cacheDir, CHAINRULE_DEBUG_STARTUP: "1", ...env },
  });
  const cache = /engine\.js read and compiled in [\d.]+ ms \(code cache: (\w+)/.exec(r.stderr)?.[1];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cache, wrote: /chainrule: wrote /.test(r.stderr) };
}

const freshDir = () => path.join(tmp, `cache-${n++}`);

describe("the engine's code cache", () => {
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("--version answers without loading the engine", () => {
    const r = cli(["--version"], freshDir());
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), require("../../package.json").version);
    assert.equal(r.cache, undefined, r.stderr);
  });

  it("the first check of a build misses and writes the cache, the next one hits it, with the same output", () => {
    const dir = freshDir();
    const first = cli(["check", "examples/seed-bug.ts", "--format", "json"], dir);
    assert.equal(first.status, 1, first.stderr);
    assert.equal(first.cache, "miss");
    assert.ok(first.wrote, first.stderr);
    const files = readdirSync(path.join(dir, "v8"));
    assert.equal(files.length, 1);
    assert.match(files[0]!, new RegExp(`^engine-[0-9a-f]{16}-[0-9a-f]{8}-${process.version.replace(/\./g, "\\.")}-${process.arch}\\.v8cache$`));
    const second = cli(["check", "examples/seed-bug.ts", "--format", "json"], dir);
    assert.equal(second.cache, "hit", second.stderr);
    assert.equal(second.wrote, false);
    assert.equal(second.stdout, first.stdout);
  });

  it("help does not write the cache (it would hold almost nothing later starts run)", () => {
    const dir = freshDir();
    const help = cli(["check", "--help"], dir);
    assert.equal(help.cache, "miss");
    assert.equal(help.wrote, false);
    assert.equal(cli(["check", "examples/seed-bug.ts"], dir).wrote, true);
  });

  it("verify works from the cache (the engine holds no import() that cached code could not run)", () => {
    const dir = freshDir();
    assert.equal(cli(["verify", "examples/seed.ts"], dir).status, 0);
    const r = cli(["verify", "examples/seed.ts", "--format", "json"], dir);
    assert.equal(r.cache, "hit", r.stderr);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(JSON.parse(r.stdout).checks.every((c: { status: string }) => c.status === "pass"));
  });

  it("a corrupt cache file is rejected by V8, the answer is unchanged, and the file is rewritten", () => {
    const dir = freshDir();
    const good = cli(["check", "examples/seed-bug.ts"], dir);
    const [file] = readdirSync(path.join(dir, "v8"));
    writeFileSync(path.join(dir, "v8", file!), Buffer.alloc(4096, 7));
    const bad = cli(["check", "examples/seed-bug.ts"], dir);
    assert.equal(bad.cache, "rejected", bad.stderr);
    assert.equal(bad.stdout, good.stdout);
    assert.ok(bad.wrote);
    assert.equal(cli(["check", "examples/seed-bug.ts"], dir).cache, "hit");
  });

  it("a write keeps the caches other builds wrote last and removes the older ones", () => {
    const dir = freshDir();
    cli(["check", "examples/seed-bug.ts"], dir);
    const v8 = path.join(dir, "v8");
    const [own] = readdirSync(v8);
    const suffix = own!.slice("engine-".length + 16); // -<flags>-<node>-<arch>.v8cache
    // Five other builds' caches, the higher the number the more recently written.
    const other = (i: number) => `engine-${String(i).repeat(16)}${suffix}`;
    for (let i = 1; i <= 5; i++) {
      writeFileSync(path.join(v8, other(i)), "x");
      utimesSync(path.join(v8, other(i)), 1_000_000 + i, 1_000_000 + i);
    }
    rmSync(path.join(v8, own!)); // so the next start misses and writes
    assert.ok(cli(["check", "examples/seed-bug.ts"], dir).wrote);
    // KEPT_BUILDS (src/startup/load-bundle.ts) is 4: this build's and the three written last.
    assert.deepEqual(readdirSync(v8).sort(), [own!, other(3), other(4), other(5)].sort());
  });

  it("a cache folder others can write is not used (whoever writes it would choose the code run)", { skip: process.platform === "win32" }, () => {
    const dir = freshDir();
    cli(["check", "examples/seed-bug.ts"], dir);
    chmodSync(path.join(dir, "v8"), 0o777);
    const r = cli(["check", "examples/seed-bug.ts"], dir);
    assert.equal(r.cache, "unavailable", r.stderr);
    assert.equal(r.status, 1);
  });

  it("CHAINRULE_NO_CODE_CACHE turns it off", () => {
    const r = cli(["check", "examples/seed-bug.ts"], freshDir(), { CHAINRULE_NO_CODE_CACHE: "1" });
    assert.equal(r.cache, "disabled", r.stderr);
    assert.equal(r.status, 1);
  });
});
