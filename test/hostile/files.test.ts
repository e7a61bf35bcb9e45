// Odd files and folders for `check`, `verify` and the server's workspace listing: a symlink loop,
// one file reached through several links, a FIFO, a device, a dangling link, a file over the size
// cap and an unreadable file. Every command finishes, lists each real file once, and reports each
// odd one as that file's problem while the rest is checked.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { collectFiles } from "../../src/files/collect";
import { readSource } from "../../src/files/read";
import { ListGradients } from "../../server/protocol";
import { LspClient } from "../protocol/harness";

const root = path.resolve(__dirname, "../..");
const CLI = path.join(root, "dist/cli.js");
const linux = process.platform === "linux";

let dir: string;
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];
/**
 * As root, chmod 000 does not stop reads: the unreadable case then runs the CLI as nobody, where
 * nobody can read this checkout (a clone under `mktemp -d`, mode 0700, is not: then it runs as
 * root, and the unreadable file is read like any other).
 */
const asNobody = linux && process.getuid?.() === 0 &&
  spawnSync(NOBODY[0]!, [...NOBODY.slice(1), process.execPath, "-e", `require("fs").accessSync(${JSON.stringify(CLI)}, 4)`]).status === 0;

function cli(args: string[], user = false) {
  const cmd = user && asNobody ? [...NOBODY, process.execPath] : [process.execPath];
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), CLI, ...args], { cwd: dir, encoding: "utf8", timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "chainrule-odd-"));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, "a"));
  copyFileSync(path.join(root, "examples/seed-bug.ts"), path.join(dir, "a/model.ts"));
  copyFileSync(path.join(root, "examples/seed.ts"), path.join(dir, "a/seed.ts"));
  symlinkSync("..", path.join(dir, "a/loop"));
  for (const n of [1, 2, 3]) symlinkSync("a", path.join(dir, `again${n}`));
  symlinkSync("a/model.ts", path.join(dir, "link.ts"));
  symlinkSync("nowhere", path.join(dir, "dangling.ts"));
  writeFileSync(path.join(dir, "big.ts"), "// big\n");
  truncateSync(path.join(dir, "big.ts"), 17 * 1024 * 1024);
  writeFileSync(path.join(dir, "locked.ts"), `import { Tensor } from "chainrule";\n`);
  chmodSync(path.join(dir, "locked.ts"), 0);
  if (linux) {
    spawnSync("mkfifo", [path.join(dir, "fifo.ts")]);
    symlinkSync("/dev/zero", path.join(dir, "zero.ts"));
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the walker", () => {
  it("lists each real file once, through loops and repeated links, and marks the odd ones", () => {
    const files = collectFiles(["."], dir);
    const ok = files.filter((f) => !f.problem).map((f) => f.display);
    assert.deepEqual(ok.sort(), ["a/model.ts", "a/seed.ts", "locked.ts"]);
    const odd = Object.fromEntries(files.filter((f) => f.problem).map((f) => [f.display, f.problem]));
    assert.match(odd["big.ts"]!, /larger than 16 MiB/);
    assert.match(odd["dangling.ts"]!, /symbolic link to nothing readable/);
    if (linux) {
      assert.match(odd["fifo.ts"]!, /is a FIFO, not a regular file/);
      assert.match(odd["zero.ts"]!, /is a character device/);
    }
  });
  it("readSource neither blocks on a FIFO nor reads a device without end", { skip: !linux && "Linux devices" }, () => {
    assert.match((readSource(path.join(dir, "fifo.ts")) as { problem: string }).problem, /FIFO/);
    assert.match((readSource("/dev/zero") as { problem: string }).problem, /character device/);
  });
});

describe("check on the odd folder", () => {
  it("finishes, checks the readable files and reports every odd one as file-unreadable (exit 1)", () => {
    const r = cli(["check", "--format", "json"], true);
    assert.equal(r.timedOut, false);
    assert.equal(r.status, 1, r.stderr);
    const files = (JSON.parse(r.stdout) as { files: Array<{ file: string; diagnostics: Array<{ code: string; message: string }> }> }).files;
    const by = new Map(files.map((f) => [f.file, f.diagnostics]));
    assert.ok(by.get("a/model.ts")!.some((d) => d.code === "matmul-mismatch"), "the seed bug is still found");
    assert.deepEqual(by.get("a/seed.ts"), []);
    for (const f of ["big.ts", "dangling.ts", ...(linux ? ["fifo.ts", "zero.ts"] : [])]) {
      assert.equal(by.get(f)?.[0]?.code, "file-unreadable", f);
    }
    if (asNobody || process.getuid?.() !== 0) assert.match(by.get("locked.ts")![0]!.message, /permission denied \(EACCES\)/);
    assert.equal(files.length, new Set(files.map((f) => f.file)).size, "each file once");
  });
});

describe("verify on the odd folder", () => {
  it("finishes, verifies the readable files and lists the odd ones as skipped (exit 1)", () => {
    const r = cli(["verify", "--format", "json"], true);
    assert.equal(r.timedOut, false);
    assert.equal(r.status, 1);
    const out = JSON.parse(r.stdout) as { checks: Array<{ file: string; status: string }>; skipped: Array<{ file: string; message: string }> };
    assert.ok(out.checks.filter((c) => c.file === "a/seed.ts").every((c) => c.status === "pass"));
    assert.equal(out.checks.filter((c) => c.file === "a/seed.ts").length, 5, "seed.ts verified once, not once per link");
    const skipped = out.skipped.map((s) => s.file);
    for (const f of ["big.ts", "dangling.ts", ...(linux ? ["fifo.ts", "zero.ts"] : [])]) assert.ok(skipped.includes(f), f);
    assert.match(r.stderr, /chainrule verify: skipped big\.ts is larger than 16 MiB/);
  });
});

describe("the server's workspace listing on the odd folder", () => {
  it("answers, listing each gradient file once", async () => {
    const rooted = await LspClient.start({ initializationOptions: { trusted: true }, rootUri: pathToFileURL(dir).href });
    try {
      const r = (await rooted.connection.sendRequest(ListGradients.method, {})) as ListGradients.Result;
      assert.deepEqual(r.files.map((f) => path.relative(dir, new URL(f.uri).pathname)).sort(), ["a/model.ts", "a/seed.ts"]);
    } finally {
      await rooted.stop();
    }
  });
});
