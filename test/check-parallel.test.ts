// `chainrule check --jobs N` (src/cli/check-parallel.ts) prints exactly what one thread prints,
// with the same exit code, on a workspace whose files import each other's helpers and classes
// and have findings (bench/workspace.ts), plus a file that does not parse and one that cannot be
// read. Run through the built bin, since only the bundle starts worker threads.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { writeWorkspace } from "../bench/workspace";
import { defaultJobs, fileChecker, PARALLEL_MIN_BYTES } from "../src/cli/check";
import { collectFiles } from "../src/files/collect";

const root = path.join(__dirname, "..");
const bin = path.join(root, "bin", "chainrule.js");
const dir = mkdtempSync(path.join(tmpdir(), "chainrule-parallel-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function check(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, "check", ...args], {
    cwd: dir,
    encoding: "utf8",
    // No cache of earlier runs: every run here checks (and splits) every file.
    env: { ...process.env, CHAINRULE_DEBUG_CHECK: "1", CHAINRULE_NO_CHECK_CACHE: "1", ...env },
  });
  assert.doesNotMatch(r.stderr, /check cache/);
  const threads = [...r.stderr.matchAll(/check thread (\d+): (\d+) files/g)].map((m) => ({ index: Number(m[1]), files: Number(m[2]) }));
  return { code: r.status, stdout: r.stdout, threads, stderr: r.stderr };
}

// 14 modules × 300 lines (two rounds of blocks): modules 7 and 11 carry a shape bug; each imports up to three earlier ones.
const ws = writeWorkspace(dir, path.join(root, "dist", "lib", "runtime", "index.d.ts"), 14, 300);
writeFileSync(path.join(dir, "src", "broken.ts"), `import { Tensor } from "chainrule";\nexport function f(x: Tensor<[1, "D"]>) {\n  return x.matmul(x.T;\n}\n`);
symlinkSync(path.join(dir, "nowhere.ts"), path.join(dir, "src", "dangling.ts"));

test("the workspace has what the comparison needs: cross-file findings, a syntax error, an unreadable file", () => {
  const one = check(["src", "--jobs", "1"]);
  assert.equal(one.code, 1, one.stderr);
  assert.deepEqual(ws.buggy, [7, 11]);
  for (const m of ["m7.ts", "m11.ts"]) assert.match(one.stdout, new RegExp(`${m}:\\d+:\\d+ - error`));
  assert.match(one.stdout, /src\/broken\.ts:3:\d+ - error syntax-error/);
  assert.match(one.stdout, /src\/dangling\.ts:1:1 - error file-unreadable/);
  assert.match(one.stdout, /\(16 checked\)/);
  assert.deepEqual(one.threads, [], "one thread: the parallel driver is not even loaded");
});

for (const format of ["text", "json"]) {
  test(`--jobs 2 and 3 print what --jobs 1 prints (${format}), each thread checking its share`, () => {
    const serial = check(["src", "--format", format, "--jobs", "1"]);
    for (const jobs of ["2", "3"]) {
      // Each thread kept to its own share, so every worker checks files and the merge is exercised.
      const split = check(["src", "--format", format, "--jobs", jobs], { CHAINRULE_CHECK_NO_STEAL: "1" });
      assert.equal(split.threads.length, Number(jobs), split.stderr);
      assert.ok(split.threads.every((t) => t.files > 0), JSON.stringify(split.threads));
      assert.equal(split.stdout, serial.stdout);
      assert.equal(split.code, serial.code);
      // With stealing, however the files fall between the threads.
      const stolen = check(["src", "--format", format, "--jobs", jobs]);
      assert.equal(stolen.threads.reduce((n, t) => n + t.files, 0), 16, stolen.stderr);
      assert.equal(stolen.stdout, serial.stdout);
      assert.equal(stolen.code, serial.code);
    }
  });
}

test("a clean part of the workspace exits 0 on two threads as on one", () => {
  const clean = ["src/layers/m0.ts", "src/models/m1.ts", "src/train/m2.ts", "src/util/m3.ts", "src/layers/m4.ts"];
  const serial = check([...clean, "--jobs", "1"]);
  const split = check([...clean, "--jobs", "2"], { CHAINRULE_CHECK_NO_STEAL: "1" });
  assert.equal(serial.code, 0, serial.stdout);
  assert.equal(split.threads.length, 2);
  assert.equal(split.code, 0);
  assert.equal(split.stdout, serial.stdout);
});

test("--jobs takes an integer ≥ 1 (exit 2 otherwise)", () => {
  for (const bad of ["0", "two", "-1"]) {
    const r = check(["src", "--jobs", bad]);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, /--jobs expects an integer ≥ 1/);
  }
});

test("a file's findings do not depend on which files one checker saw before it (what lets threads split them)", () => {
  const files = collectFiles(["src"], dir);
  const forward = files.map(fileChecker());
  const backward = [...files].reverse().map(fileChecker()).reverse();
  const alone = files.map((f) => fileChecker()(f));
  assert.ok(forward.some((r) => r.diagnostics.length > 0));
  assert.deepEqual(backward, forward);
  assert.deepEqual(alone, forward);
});

test("one thread by default below 4 cores or below 1 MiB of source, 2 from 4 cores on a large workspace", () => {
  assert.equal(defaultJobs(4 * PARALLEL_MIN_BYTES, 2), 1);
  assert.equal(defaultJobs(4 * PARALLEL_MIN_BYTES, 4), 2);
  assert.equal(defaultJobs(PARALLEL_MIN_BYTES - 1, 16), 1);
});
