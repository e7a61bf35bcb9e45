// The sandbox: checked code that loops, throws, exits, hoards memory, produces NaN or reaches for
// the file system or a child process ends as status "error" with a message naming what and where,
// and the correct checks around it in the same run still pass.

import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { verify, type CheckResult } from "../../src/verify/index";
import { sandboxArgs } from "../../src/verify/runner";

const root = path.resolve(__dirname, "../..");
const WRITE = "/tmp/chainrule-escaped-write.txt";
const SPAWN = "/tmp/chainrule-escaped-spawn";

describe("faults in checked code", () => {
  let checks: Map<string, CheckResult>;
  let processes = 0;
  before(async () => {
    rmSync(WRITE, { force: true });
    rmSync(SPAWN, { force: true });
    // Small limits keep the test quick; the defaults are 10 s, 512 MB heap, 1 GB resident.
    const r = await verify(["test/verify/faults.ts"], { cwd: root, timeoutMs: 2500, heapMb: 128, memoryMb: 400 });
    checks = new Map(r.checks.map((c) => [c.gradient, c]));
    processes = r.stats.processes;
  });

  const expectError = (name: string, message: RegExp) => {
    const c = checks.get(name);
    assert.ok(c, name);
    assert.equal(c.status, "error", `${name}: ${c.message}`);
    assert.match(c.message, message);
    assert.equal(c.maxAbsError, null);
  };

  it("the correct checks before and after the faults pass", () => {
    assert.equal(checks.get("ok_before")?.status, "pass");
    assert.equal(checks.get("ok_after")?.status, "pass");
  });
  it("an endless loop times out, saying in which call", () => expectError("loops", /^timed out after 2500 ms \(while calling loops\); the process was killed$/));
  it("a throw names the error and the user's line", () => expectError("throws", /^throws threw: boom from the gradient \(at test\/verify\/faults.ts:24:\d+\)$/));
  it("process.exit is refused and located", () => expectError("exits", /process\.exit\(3\) was called.*\(at test\/verify\/faults.ts:30:\d+\)$/));
  it("NaN in the analytic gradient is an error naming the element", () => expectError("nan", /^nan returned NaN in ∂q\/∂x at \[0,0\]$/));
  it("NaN in F at the sample is an error, not a failure", () => expectError("f_nan", /^qlog is NaN at the sampled inputs \(seed 1\)$/));

  // Checked code runs in a realm whose Node built-ins throw when used (realm.ts); the permission
  // model behind it would deny the write and the spawn too (see "sandbox flags" below).
  it("a file write is refused in the checked realm and nothing is written", () => {
    expectError("writes", /^writes was stopped by the sandbox: node:fs\.writeFileSync is not available to checked code.*\(at test\/verify\/faults.ts:51:\d+\)$/);
    assert.equal(existsSync(WRITE), false);
  });
  it("a child process is refused in the checked realm and never runs", () => {
    expectError("spawns", /^spawns was stopped by the sandbox: node:child_process\.execSync is not available to checked code/);
    assert.equal(existsSync(SPAWN), false);
  });

  it("one process serves passing checks; each error gets a fresh one for the next check", () => {
    const errors = [...checks.values()].filter((c) => c.status === "error").length;
    assert.equal(errors, 7);
    assert.equal(processes, errors + 1);
  });
});

describe("unbounded allocation", () => {
  let checks: Map<string, CheckResult>;
  before(async () => {
    // A generous timeout: touching 200 MB of fresh pages takes a second or more on a slow machine.
    const r = await verify(["test/verify/faults-memory.ts"], { cwd: root, timeoutMs: 20000, heapMb: 64, memoryMb: 200 });
    checks = new Map(r.checks.map((c) => [c.gradient, c]));
  });
  const message = (name: string) => {
    const c = checks.get(name)!;
    assert.equal(c.status, "error", `${name}: ${c.message}`);
    return c.message;
  };

  it("on the V8 heap hits the heap limit", () => assert.match(message("hoards_heap"), /^ran out of memory \(V8 heap limit 64 MB\) while calling hoards_heap$/));
  it("off the heap (typed arrays) hits the resident-memory watchdog", () =>
    assert.match(message("hoards_buffers"), /^used more than 200 MB of memory \(while calling hoards_buffers\); the process was killed$/));
  it("leaves the checks around it passing", () => {
    assert.equal(checks.get("ok_before")?.status, "pass");
    assert.equal(checks.get("ok_after")?.status, "pass");
  });
});

describe("files that cannot run", () => {
  let checks: CheckResult[];
  before(async () => (checks = (await verify(["test/verify/load"], { cwd: root })).checks));
  const find = (file: string, gradient: string) => checks.find((c) => c.file.endsWith(file) && c.gradient === gradient)!;

  it("a module that throws on load errors with the load location", () => {
    const c = find("throws-on-load.ts", "dq");
    assert.equal(c.status, "error");
    assert.match(c.message, /^loading test\/verify\/load\/throws-on-load.ts threw: cannot load this module \(at test\/verify\/load\/throws-on-load.ts:13:\d+\)$/);
  });
  it("a bundle failure reports esbuild's message with its location", () => {
    const c = find("broken-import.ts", "dq");
    assert.equal(c.status, "error");
    assert.match(c.message, /could not bundle .*broken-import.ts:3:\d+: Could not resolve "\.\/does-not-exist"/);
  });
  it("unresolved pairings error without running anything", () => {
    assert.match(find("unresolved.ts", "noF").message, /no function nothere/);
    assert.match(find("unresolved.ts", "noParam").message, /q has no parameter z \(it takes x\)/);
    assert.match(find("unresolved.ts", "otherParams").message, /otherParams takes \(y\) but q takes \(x\)/);
    assert.match(find("unresolved.ts", "noShape").message, /cannot tell the shape of r's parameter x/);
    for (const c of checks.filter((c) => c.file.endsWith("unresolved.ts"))) {
      assert.equal(c.status, "error");
      assert.equal(c.ms, 0);
    }
  });
});

describe("sandbox flags (Node 20 permission model)", () => {
  it("grant reads of the worker and the bundle only, and nothing else", () => {
    const args = sandboxArgs("/w/worker.js", "/t/bundle.cjs", 256);
    // The permission model's flag was renamed in Node 22.13; VS Code's extension host runs Node 24.
    const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
    assert.ok(args.includes(major > 22 || (major === 22 && minor >= 13) ? "--permission" : "--experimental-permission"));
    assert.deepEqual(args.filter((a) => a.startsWith("--allow-")), ["--allow-fs-read=/w/worker.js", "--allow-fs-read=/t/bundle.cjs"]);
    assert.ok(args.includes("--max-old-space-size=256"));
  });
});
