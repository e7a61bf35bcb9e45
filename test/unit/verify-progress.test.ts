// A long check reports how far it is: verify()'s onProgress every 200 ms or so (done of total
// element probes, with the time they took and a projection of the rest), the CLI's progress line
// on a terminal (none otherwise), and cancelling mid-check through the abort signal.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { verifyCommand } from "../../src/cli/verify";
import { progressText } from "../../src/text/verify-text";
import { verify } from "../../src/verify/index";
import { killAllWorkers } from "../../src/verify/runner";
import type { CheckProgress } from "../../src/verify/types";
import { seedAt } from "../helpers/seed-at";

const root = path.resolve(__dirname, "../..");
/**
 * The seed at a middle size: ∂loss/∂W1 over 19,200 elements takes long enough (about a second)
 * for progress reports and is split between two processes (check.ts SPLIT_AT); it is right, so it
 * passes. Inside the repository, where `chainrule` resolves; relative, as a user names a file.
 */
let dir: string;
let MID: string;
before(() => {
  dir = mkdtempSync(path.join(root, "test-results-progress-"));
  MID = path.relative(root, path.join(dir, "seed-mid.ts"));
  writeFileSync(path.join(root, MID), seedAt("D=200 H=96 K=10", ["W1"]));
});
after(() => rmSync(dir, { recursive: true, force: true }));
const escaped = () => MID.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

test("onProgress: done rises towards the element count, with elapsed time and an estimate", async () => {
  const events: CheckProgress[] = [];
  const { checks, stats } = await verify([MID], { cwd: root, timeoutMs: 120_000, onProgress: (p) => events.push(p) });
  assert.equal(checks.length, 1);
  // Past SPLIT_AT elements the probes are split between two processes; progress counts both.
  assert.equal(stats.processes, 2);
  assert.equal(checks[0]!.status, "pass", checks[0]!.message);
  assert.ok(events.length >= 1, "no progress reported");
  for (const [i, e] of events.entries()) {
    assert.equal(e.gradient, "dLoss_dW1");
    assert.equal(e.file, MID);
    assert.equal(e.total, 200 * 96);
    assert.ok(e.done > 0 && e.done < e.total);
    assert.ok(e.elapsedMs >= 190, `reported after ${e.elapsedMs} ms`);
    assert.ok(Number.isFinite(e.remainingMs) && e.remainingMs >= 0);
    // Two processes report in turn: the elapsed time is the longer of theirs, so it may stay put.
    if (i > 0) assert.ok(e.done > events[i - 1]!.done && e.elapsedMs >= events[i - 1]!.elapsedMs);
  }
});

test("a short check reports no progress", async () => {
  const events: CheckProgress[] = [];
  await verify(["examples/seed.ts"], { cwd: root, onProgress: (p) => events.push(p) });
  assert.equal(events.length, 0);
});

test("the progress line's text", () => {
  const p = { file: "a.ts", gradient: "dLoss_dW1", done: 45_000, total: 100_352, elapsedMs: 1500, remainingMs: 1845.3 };
  assert.equal(progressText(p), "dLoss_dW1: finite differences 45000/100352 elements (44%), about 2 s left");
  assert.match(progressText({ ...p, remainingMs: 125_000 }), /about 2 min 5 s left$/);
});

async function cli(withStatus: boolean) {
  let stdout = "";
  let stderr = "";
  const status: string[] = [];
  const code = await verifyCommand([MID, "--timeout", "120000"], {
    stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: root,
    ...(withStatus ? { status: (line: string) => status.push(line) } : {}),
  });
  return { code, stdout, stderr, status };
}

test("CLI on a terminal: a progress line while the check runs, erased before its result", async () => {
  const r = await cli(true);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.status.length >= 2, `status lines: ${JSON.stringify(r.status)}`);
  assert.match(r.status[0]!, /^dLoss_dW1: finite differences \d+\/19200 elements \(\d+%\), about \d+ s left$/);
  assert.equal(r.status[r.status.length - 1], "", "the line is erased");
  assert.match(r.stdout, new RegExp(`^${escaped()}:\\d+:\\d+ - pass dLoss_dW1: `));
  assert.equal(r.stderr, "");
});

test("CLI to a pipe or file: no progress line, the same output", async () => {
  const r = await cli(false);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.status.length, 0);
  assert.match(r.stdout, new RegExp(`^${escaped()}:\\d+:\\d+ - pass dLoss_dW1: .*\\n1 gradient check: 1 passed, 0 failed, 0 errors \\(`));
  assert.equal(r.stderr, "");
});

test("a long check can be cancelled: the abort signal stops it at once, and it is not reported", async () => {
  const controller = new AbortController();
  let at = 0;
  const t0 = performance.now();
  const { checks } = await verify([MID], {
    cwd: root, timeoutMs: 120_000, signal: controller.signal,
    onProgress: () => {
      if (at === 0) at = performance.now();
      controller.abort();
    },
  });
  assert.ok(at > 0, "no progress before the end");
  assert.equal(checks.length, 0);
  assert.ok(performance.now() - at < 1000, `stopped ${Math.round(performance.now() - at)} ms after the abort`);
  assert.ok(performance.now() - t0 < 60_000);
});

test("a file whose checks cannot run leaves no process behind (its process starts before discovery)", async () => {
  const { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
  const dir = mkdtempSync(path.join(root, "test-results-early-"));
  try {
    writeFileSync(path.join(dir, "nothing.ts"), `import { Tensor } from "chainrule";\n/** @gradient nosuch x */\nexport function g(x: Tensor<[1, 2]>) {\n  return x;\n}\n`);
    const { checks, stats } = await verify([path.relative(root, dir)], { cwd: root });
    assert.equal(checks.length, 1);
    assert.equal(checks[0]!.status, "error");
    assert.equal(stats.processes, 1, "the early process is counted");
    await new Promise((r) => setTimeout(r, 300));
    const workers = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        const ppid = Number(readFileSync(`/proc/${p}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[1]);
        return ppid === process.pid && readFileSync(`/proc/${p}/cmdline`, "utf8").includes("verify-worker");
      } catch {
        return false;
      }
    });
    assert.deepEqual(workers, []);
  } finally {
    // Should there be one, it must not keep this test's process alive.
    killAllWorkers();
    rmSync(dir, { recursive: true, force: true });
  }
});
