// `chainrule check`'s cache of results across runs (src/cli/check-cache.ts): a file's findings are
// reused only when it and every module it imports, transitively, read the same and resolve alike.
// Each step below edits the workspace the way a user would and compares the cached run with a
// run that checks everything afresh (`--cache off`), and says which files were reused.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { MAX_ENTRIES } from "../src/cli/check-cache";

const root = path.join(__dirname, "..");
const bin = path.join(root, "bin", "chainrule.js");
const dir = mkdtempSync(path.join(tmpdir(), "chainrule-check-cache-"));
const cacheHome = path.join(dir, "cache-home");
after(() => rmSync(dir, { recursive: true, force: true }));

function check(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, "check", "src", "--format", "json", ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CHAINRULE_CACHE_DIR: cacheHome, CHAINRULE_DEBUG_CHECK: "1", CHAINRULE_NO_CHECK_CACHE: "" },
  });
  const reused = /check cache: (\d+) of (\d+) files reused/.exec(r.stderr);
  return { code: r.status, stdout: r.stdout, reused: reused ? Number(reused[1]) : undefined, stderr: r.stderr };
}

/** The cached run and a fresh one print the same and exit alike; returns the cached run. */
function same(): ReturnType<typeof check> {
  const cached = check();
  const fresh = check("--cache", "off");
  assert.equal(fresh.reused, undefined, "--cache off reads no cache");
  assert.equal(cached.stdout, fresh.stdout);
  assert.equal(cached.code, fresh.code);
  return cached;
}

const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
};
const diagnostics = (stdout: string, file: string) =>
  (JSON.parse(stdout).files as Array<{ file: string; diagnostics: Array<{ code: string }> }>).find((f) => f.file === file)!.diagnostics.map((d) => d.code);

const LAYERS = (ret: string) => `import { Tensor, relu } from "chainrule";
export function dense(x: Tensor<["N", "D"]>, W: Tensor<["D", "H"]>) {
  return ${ret};
}
`;
write("src/lib/layers.ts", LAYERS("relu(x.matmul(W))"));
write("src/lib/index.ts", `export { dense } from "./layers";\n`);
write("src/main.ts", `import { Tensor } from "chainrule";
import { dense } from "./lib";
export function model(x: Tensor<["N", "D"]>, W: Tensor<["D", "H"]>, V: Tensor<["H", "K"]>) {
  return dense(x, W).matmul(V);
}
`);
write("src/other.ts", `import { Tensor } from "chainrule";
export function f(a: Tensor<[1, "H"]>, b: Tensor<[1, "H"]>) {
  return a.matmul(b);
}
`);

test("a second run reuses every file and prints what the first printed", () => {
  const first = same();
  assert.equal(first.reused, 0);
  assert.deepEqual(diagnostics(first.stdout, "src/main.ts"), []);
  assert.deepEqual(diagnostics(first.stdout, "src/other.ts"), ["matmul-mismatch"]);
  assert.equal(first.code, 1);
  const second = same();
  assert.equal(second.reused, 4);
  assert.equal(second.stdout, first.stdout);
  // Entries live under one folder per build of the engine.
  assert.equal(readdirSync(path.join(cacheHome, "check")).length, 1);
});

test("editing a module imported through a barrel rechecks its importers, and only them", () => {
  write("src/lib/layers.ts", LAYERS("relu(x.matmul(W)).T"));
  const r = same();
  assert.equal(r.reused, 1, "other.ts imports nothing that changed");
  assert.deepEqual(diagnostics(r.stdout, "src/main.ts"), ["matmul-mismatch"]);
  assert.equal(same().reused, 4);
});

test("a new file that an import now resolves to first (./lib.ts before ./lib/index.ts) rechecks the importer", () => {
  write("src/lib.ts", `import { Tensor } from "chainrule";\nexport function dense(x: Tensor<["N", "D"]>, W: Tensor<["D", "H"]>) {\n  return x.matmul(W);\n}\n`);
  const r = same();
  assert.deepEqual(diagnostics(r.stdout, "src/main.ts"), []);
  assert.equal(r.reused, 3, "main.ts is rechecked (and the new lib.ts checked)");
});

test("deleting that file resolves the import as before, and the importer is rechecked", () => {
  rmSync(path.join(dir, "src/lib.ts"));
  const r = same();
  assert.deepEqual(diagnostics(r.stdout, "src/main.ts"), ["matmul-mismatch"]);
  assert.equal(r.reused, 3);
});

test("a file that becomes unreadable is reported, not served from the cache", () => {
  rmSync(path.join(dir, "src/other.ts"));
  const linked = path.join(dir, "src/other.ts");
  require("node:fs").symlinkSync(path.join(dir, "gone.ts"), linked);
  const r = same();
  assert.deepEqual(diagnostics(r.stdout, "src/other.ts"), ["file-unreadable"]);
  rmSync(linked);
});

test("entries that are not what this build writes (truncated, of another shape) are ignored", () => {
  same();
  const base = path.join(cacheHome, "check");
  const build = path.join(base, readdirSync(base)[0]!);
  const garbage = ["", "{", `{"files": 3, "diagnostics": []}`, "null"];
  let broken = 0;
  readdirSync(build).forEach((n, i) => {
    const file = path.join(build, n);
    // Module entries intact; result entries for the right file whose diagnostics are not a list,
    // or cut short.
    if (!n.startsWith("c-")) return;
    if (i % 2 === 0) {
      const e = JSON.parse(readFileSync(file, "utf8"));
      writeFileSync(file, JSON.stringify({ ...e, diagnostics: { length: 1 } }));
      broken++;
    } else writeFileSync(file, garbage[i % garbage.length]!);
  });
  assert.ok(broken > 0);
  const r = same();
  assert.equal(r.reused, 0);
});

test("past MAX_ENTRIES entries (checks of ever new folders) the build's folder starts afresh", () => {
  same();
  const base = path.join(cacheHome, "check");
  const build = path.join(base, readdirSync(base)[0]!);
  const before = readdirSync(build).length;
  assert.ok(before > 0 && before < MAX_ENTRIES);
  for (let i = 0; i <= MAX_ENTRIES - before; i++) writeFileSync(path.join(build, `c-stale${i}.json`), "{}");
  const r = check();
  assert.equal(r.reused, 0);
  assert.equal(readdirSync(build).filter((n) => n.startsWith("c-stale")).length, 0);
  const again = check();
  assert.equal(again.reused, JSON.parse(again.stdout).files.length);
});

test("--cache off neither reads nor writes the cache; CHAINRULE_NO_CHECK_CACHE turns it off too", () => {
  rmSync(cacheHome, { recursive: true, force: true });
  const off = check("--cache", "off");
  assert.equal(off.reused, undefined);
  assert.equal(existsSync(path.join(cacheHome, "check")), false);
  const env = spawnSync(process.execPath, [bin, "check", "src"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CHAINRULE_CACHE_DIR: cacheHome, CHAINRULE_NO_CHECK_CACHE: "1", CHAINRULE_DEBUG_CHECK: "1" },
  });
  assert.doesNotMatch(env.stderr, /check cache/);
  assert.equal(existsSync(path.join(cacheHome, "check")), false);
});

test("results checked on worker threads are kept like one thread's", () => {
  rmSync(cacheHome, { recursive: true, force: true });
  const fresh = check("--cache", "off");
  const threads = spawnSync(process.execPath, [bin, "check", "src", "--format", "json", "--jobs", "2"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CHAINRULE_CACHE_DIR: cacheHome, CHAINRULE_DEBUG_CHECK: "1", CHAINRULE_NO_CHECK_CACHE: "", CHAINRULE_CHECK_NO_STEAL: "1" },
  });
  assert.match(threads.stderr, /check thread 1: [1-9]\d* files/);
  assert.equal(threads.stdout, fresh.stdout);
  const cached = check();
  assert.equal(cached.reused, JSON.parse(fresh.stdout).files.length);
  assert.equal(cached.stdout, fresh.stdout);
});
