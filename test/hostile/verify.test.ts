// Hostile gradient files (test/hostile/fixtures): attempts to make a wrong gradient pass, to leak
// the parent's environment or files into the bundle, to reach the network or write files, to
// disturb the next check, and workers that answer with garbage. None may yield a false "pass",
// a marker file, a secret in the output, a crashed run or a leftover process.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { verify, type CheckResult } from "../../src/verify/index";
import { isolation } from "../../src/verify/isolation";
import { Session } from "../../src/verify/runner";
import type { Job } from "../../src/verify/protocol";

const root = path.resolve(__dirname, "../..");
const CLI = path.join(root, "dist/cli.js");
const MARKER = "/tmp/chainrule-hostile-marker";
const SECRET = "chainrule-hostile-secret-7f3a9c";

async function checksOf(file: string, timeoutMs = 4000): Promise<Map<string, CheckResult>> {
  const { checks } = await verify([`test/hostile/fixtures/${file}`], { cwd: root, timeoutMs });
  return new Map(checks.map((c) => [c.gradient, c]));
}

describe("a wrong gradient (3x where 2x is right) never passes", () => {
  for (const [file, names] of [
    ["fake-ipc.ts", ["dq"]],
    ["patch-globals.ts", ["dq"]],
    ["patch-mul.ts", ["dq"]],
    ["late-change.ts", ["dq_nan_later", "dq_proxy"]],
  ] as const) {
    it(`${file}: ${names.join(", ")} fail as scaled by 1.5`, async () => {
      const checks = await checksOf(file);
      for (const n of names) {
        const c = checks.get(n)!;
        assert.equal(c.status, "fail", `${n}: ${c.message}`);
        assert.equal(c.diagnosis, "scaled");
        assert.match(c.message, /1\.5 × the numeric one/);
      }
    });
  }

  it("one check cannot set up the next: the right one passes, the wrong one after it fails", async () => {
    const checks = await checksOf("cross-check.ts");
    assert.equal(checks.get("dq_first")?.status, "pass", checks.get("dq_first")?.message);
    assert.equal(checks.get("dq_second")?.status, "fail", checks.get("dq_second")?.message);
  });

  it("work a check leaves behind (promise jobs that loop or throw) never reaches the innocent checks after it", async () => {
    const checks = await checksOf("async-fault.ts", 2000);
    for (const n of ["innocent_1", "innocent_2"]) assert.equal(checks.get(n)?.status, "pass", `${n}: ${checks.get(n)?.message}`);
    for (const n of ["loops_later", "throws_later"]) assert.notEqual(checks.get(n)?.status, "fail");
  });
});

describe("checked code cannot reach out", () => {
  let checks: Map<string, CheckResult>;
  let server: net.Server;
  let connections = 0;
  before(async () => {
    rmSync(MARKER, { force: true });
    server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    checks = await checksOf("reach-out.ts");
  });
  after(() => server.close());

  it("sees an empty environment", () => assert.match(checks.get("shows_env")!.message, /env=\{\}/));
  it("writes no file", () => {
    assert.equal(checks.get("writes_marker")?.status, "error");
    assert.equal(existsSync(MARKER), false);
  });
  it("opens no connection (no node:net, no fetch)", () => {
    assert.match(checks.get("connects")!.message, /stopped by the sandbox: node:net\.connect is not available/);
    assert.equal(checks.get("fetches")?.status, "error");
    assert.equal(connections, 0);
  });
  it("evaluates no strings, and reaches no process through a constructor", () => {
    assert.match(checks.get("evals")!.message, /Code generation from strings disallowed/);
    assert.equal(checks.get("escapes")?.status, "error");
    assert.equal(existsSync(MARKER), false);
  });
  it("a dynamic import never runs (promise jobs of checked code do not run)", () => {
    assert.equal(checks.get("imports")?.status, "pass");
    assert.equal(existsSync(MARKER), false);
  });

  it("where the machine allows, the worker has no network at all (a network namespace)", { skip: !isolation().network && "no network namespace here" }, async () => {
    const { port } = server.address() as net.AddressInfo;
    const before = connections;
    const code = `require("net").connect(${port}, "127.0.0.1").on("connect", () => process.exit(0)).on("error", () => process.exit(3))`;
    const r = spawnSync(isolation().prefix[0]!, [...isolation().prefix.slice(1), process.execPath, "-e", code], { timeout: 10000 });
    assert.equal(r.status, 3, "the connection must fail inside the namespace");
    assert.equal(connections, before);
    // The same without the namespace connects: the test can see a connection when there is one.
    const open = spawnSync(process.execPath, ["-e", code], { timeout: 10000 });
    assert.equal(open.status, 0);
  });
});

describe("bundling reads no file outside the workspace and no data", () => {
  let dir: string;
  let out: { stdout: string; stderr: string; status: number | null };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "chainrule-leak-"));
    const ws = path.join(dir, "ws");
    mkdirSync(ws);
    writeFileSync(path.join(ws, "package.json"), "{}");
    writeFileSync(path.join(dir, "secret.txt"), SECRET);
    writeFileSync(path.join(dir, "outside.ts"), `export const secret = "${SECRET}";`);
    writeFileSync(path.join(ws, "data.json"), JSON.stringify({ s: SECRET }));
    const body = (imp: string, use: string) =>
      `import { Tensor, sum } from "chainrule";\n${imp}\nexport function q(x: Tensor<[1, "D"]>) { return sum(x.mul(x)); }\n/** @gradient q x */\nexport function dq(x: Tensor<[1, "D"]>) { if (String(${use}).length < 0) throw 0; return x.mul(2); }\n`;
    writeFileSync(path.join(ws, "environ.ts"), body(`import env from "/proc/self/environ" with { type: "text" };`, "env"));
    writeFileSync(path.join(ws, "text.ts"), body(`import s from "../secret.txt";`, "s"));
    writeFileSync(path.join(ws, "code.ts"), body(`import { secret } from "../outside";`, "secret"));
    writeFileSync(path.join(ws, "json.ts"), body(`import d from "./data.json";`, "d"));
    const r = spawnSync(process.execPath, [CLI, "verify", "--format", "json"], { cwd: ws, env: { ...process.env, CHAINRULE_SECRET: SECRET }, encoding: "utf8", timeout: 60000 });
    out = { stdout: r.stdout, stderr: r.stderr, status: r.status };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("every such import is a bundle error of its own check, and the run goes on", () => {
    const checks = (JSON.parse(out.stdout) as { checks: CheckResult[] }).checks;
    assert.equal(out.status, 1);
    const byFile = new Map(checks.map((c) => [c.file, c]));
    assert.match(byFile.get("environ.ts")!.message, /imported with attributes .*checked code may import code only/);
    assert.match(byFile.get("text.ts")!.message, /secret\.txt is not code/);
    assert.match(byFile.get("code.ts")!.message, /outside\.ts is outside the workspace/);
    assert.match(byFile.get("json.ts")!.message, /data\.json is not code/);
  });
  it("no secret appears in any output", () => {
    assert.ok(!out.stdout.includes(SECRET) && !out.stderr.includes(SECRET));
  });
});

describe("a worker that answers with garbage costs only its check", () => {
  let dir: string;
  const job: Job = {
    of: "q", gradient: "dq", objectForm: false, wrt: ["x"], params: [{ name: "x", shape: [1, 2], kind: "tensor" }],
    inputs: [new Float64Array([1, 2])], dims: {}, seed: 1, callGradient: true, callF: true, probe: { kind: "elements", params: [0] }, tape: false, budgetMs: 5000,
  };
  const fake = (name: string, body: string) => {
    const f = path.join(dir, `${name}.js`);
    writeFileSync(f, `process.on("message", (m) => { ${body} }); process.on("disconnect", () => process.exit(0));`);
    return f;
  };
  const run = (worker: string) => new Session(worker, worker, { timeoutMs: 5000, heapMb: 64, memoryMb: 256, cwd: dir, internal: [] }).run(job, "x.ts");
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "chainrule-fake-worker-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, body, why] of [
    ["not-an-object", `process.send("pass")`, /not an object/],
    ["old-format", `process.send({ type: "result", outcome: { status: "pass" } })`, /answers job undefined/],
    ["wrong-id", `process.send({ type: "answer", id: m.id + 1, answer: {} })`, /answers job \d+, not job \d+/],
    ["short-arrays", `process.send({ type: "answer", id: m.id, answer: { gradient: [{ param: "x", shape: [1, 2], data: new Float64Array(2) }], f0: 1, fEnd: 1, elements: [{ plus: new Float64Array(1), minus: new Float64Array(2) }], done: 2 } })`, /elements 0\.plus has 1 elements, not 2/],
    ["bad-param", `process.send({ type: "answer", id: m.id, answer: { gradient: [{ param: "y", shape: [], data: new Float64Array(1) }] } })`, /names y/],
  ] as const) {
    it(`${name}: the job's error, with the reason`, async () => {
      const r = await run(fake(name, body));
      assert.ok("error" in r, JSON.stringify(r));
      assert.match(r.error, /the checking process sent a malformed message/);
      assert.match(r.error, why);
    });
  }
  it("silence then exit: the job's error, naming the exit", async () => {
    const r = await run(fake("exits", `process.exit(4)`));
    assert.ok("error" in r && /exited with code 4/.test(r.error), JSON.stringify(r));
  });
});

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, …]. */
function stat(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => stat(p)?.[1] === String(pid));
}

/** Running, or sleeping: not gone, and not a zombie waiting for a reaper. */
function alive(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s[0] !== "Z" && s[0] !== "X";
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

describe("no worker outlives `chainrule verify`", { skip: process.platform !== "linux" && "reads /proc (Linux)" }, () => {
  for (const signal of ["SIGKILL", "SIGTERM", "SIGINT"] as const) {
    it(`${signal} during a looping check: the worker is gone within 2 s`, { skip: signal === "SIGKILL" && !isolation().diesWithParent && "no parent-death signal here" }, async () => {
      const cli = spawn(process.execPath, [CLI, "verify", "test/hostile/fixtures/loops.ts", "--timeout", "60000"], { cwd: root, stdio: "ignore" });
      try {
        let worker = 0;
        // The worker is a child of the CLI (directly: unshare and setpriv exec in place).
        assert.ok(await until(() => (worker = childrenOf(cli.pid!).find((p) => p !== cli.pid) ?? 0) > 0, 20000), "the worker started");
        // Let it get into the loop.
        await new Promise((r) => setTimeout(r, 500));
        cli.kill(signal);
        assert.ok(await until(() => !alive(worker), 2000), `worker ${worker} still runs 2 s after ${signal} to the CLI`);
      } finally {
        cli.kill("SIGKILL");
      }
    });
  }
});
