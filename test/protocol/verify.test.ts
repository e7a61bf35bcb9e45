// Protocol tests of "Verify gradient" against the bundled server: the CodeLenses before and after a
// run, the verify commands, their diagnostics (merged with the shape ones), progress and
// cancellation, the untrusted-workspace refusal, and that user code never runs on open, change or
// save unless `chainrule.verify.onSave` asks for it.

import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import {
  CancellationTokenSource,
  CodeLensRequest,
  DidSaveTextDocumentNotification,
  ExecuteCommandRequest,
  ShowMessageNotification,
  type CodeLens,
  type ShowMessageParams,
} from "vscode-languageserver-protocol/node";
import { VERIFY_COMMANDS, VerifyProgress, VerifyStats, SetTrusted, type VerifyArgs, type VerifyRunResult } from "../../server/protocol";
import { FIXTURES, LspClient, positionOf, type ClientOptions } from "./harness";

const NETWORK = path.join(FIXTURES, "verify/network.ts");

/** A gradient that never returns: if anything ran it unasked, a worker would be busy for the whole timeout. */
const LOOP = `import { Tensor, sum, mul } from "chainrule";
export function f(A: Tensor<["M", "N"]>) { return sum(mul(A, A)); }
/** @gradient f A */
export function dLoop(A: Tensor<["M", "N"]>) { while (true) {} return A; }
`;

/** Messages the verify feature sends besides diagnostics, collected per client. */
class Extras {
  readonly progress: VerifyProgress.Params[] = [];
  readonly messages: ShowMessageParams[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly client: LspClient) {
    client.connection.onNotification(VerifyProgress.method, (p: VerifyProgress.Params) => this.push(() => this.progress.push(p)));
    client.connection.onNotification(ShowMessageNotification.type, (p) => this.push(() => this.messages.push(p)));
  }
  private push(add: () => void): void {
    add();
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves once `ready()` holds, re-checked on every message; fails after 20 s. */
  async until(ready: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200); // also re-check for conditions outside the message stream (processes)
      });
    }
  }
}

/** A client that says the workspace is trusted, as VS Code does for a trusted folder, unless options say otherwise. */
async function start(options: ClientOptions = {}): Promise<{ client: LspClient; extras: Extras }> {
  const init = (options.initializationOptions ?? {}) as Record<string, unknown>;
  const client = await LspClient.start({ ...options, initializationOptions: { trusted: true, ...init } });
  return { client, extras: new Extras(client) };
}

/** The verify feature's lenses (the "Explain" ones, server/explain.ts, come in the same answer and are tested in explain.test.ts). */
function lenses(client: LspClient, uri: string): Promise<CodeLens[]> {
  return client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }).then((l) => (l ?? []).filter((x) => VERIFY_COMMANDS.includes(x.command?.command ?? "")));
}

function run(client: LspClient, command: string, args: VerifyArgs, token?: CancellationTokenSource): Promise<VerifyRunResult> {
  return client.connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: [args] }, token?.token) as Promise<VerifyRunResult>;
}

function stats(client: LspClient): Promise<VerifyStats.Result> {
  return client.connection.sendRequest(VerifyStats.method) as Promise<VerifyStats.Result>;
}

/** The server's child processes that are verification workers (Linux /proc). */
function workers(serverPid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === serverPid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("verify-worker")) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Lens titles by line, for readable assertions. */
function titlesByLine(ls: CodeLens[]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const l of ls) m.set(l.range.start.line, [...(m.get(l.range.start.line) ?? []), l.command?.title ?? ""]);
  return m;
}

describe("verify gradient: CodeLens, commands and diagnostics", () => {
  let dir: string;
  let client: LspClient;
  let extras: Extras;
  let uri: string;
  let text: string;
  const line = (name: string) => positionOf(text, `function ${name}`).line;

  before(async () => {
    // A temporary copy: the engine bundles the file from disk, and nothing here may touch the repository.
    dir = mkdtempSync(path.join(tmpdir(), "chainrule-verify-lsp-"));
    copyFileSync(NETWORK, path.join(dir, "network.ts"));
    uri = pathToFileURL(path.join(dir, "network.ts")).href;
    text = readFileSync(NETWORK, "utf8");
    ({ client, extras } = await start());
    await client.open(uri, text);
    await client.diagnosticsFor(uri, 1);
  });
  after(async () => {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("before any run, each @gradient function has one '▶ Verify gradient' lens on its name", async () => {
    const ls = await lenses(client, uri);
    assert.deepEqual(ls.map((l) => l.command?.title), ["▶ Verify gradient", "▶ Verify gradient", "▶ Verify gradient"]);
    assert.deepEqual(ls.map((l) => l.range.start.line), [line("dLoss_dx"), line("dLoss_dW2"), line("dLoss_db2")]);
    const [first] = ls;
    assert.equal(first!.command!.command, "chainrule.verifyGradient");
    assert.deepEqual(first!.command!.arguments, [{ uri, gradient: "dLoss_dx" }]);
    assert.equal((await stats(client)).runs, 0, "listing lenses must not run anything");
  });

  it("the lens's command on the transposed gradient fails it with the diagnosis, next to the shape error", async () => {
    const from = client.diagnostics.all.length;
    const res = await run(client, "chainrule.verifyGradient", { uri, gradient: "dLoss_dW2", runId: "w2" });
    assert.equal(res.refused, undefined);
    assert.deepEqual(res.checks.map((c) => [c.gradient, c.status, c.diagnosis]), [["dLoss_dW2", "fail", "transposed"]]);
    assert.equal(res.checks[0]!.arrays, undefined, "the answer leaves the arrays to the notifications");
    // The report's header names the file as the workspace knows it, not by its absolute path.
    assert.equal(res.checks[0]!.file, "network.ts");
    const published = await client.diagnostics.wait((p) => p.uri === uri && p.diagnostics.some((d) => d.code === "gradient-mismatch"), "verification diagnostics", from);
    const check = published.diagnostics.find((d) => d.code === "gradient-mismatch")!;
    const message = typeof check.message === "string" ? check.message : check.message.value;
    assert.equal(check.severity, 1);
    assert.equal(check.range.start.line, line("dLoss_dW2"));
    assert.equal(text.split("\n")[check.range.start.line]!.slice(check.range.start.character, check.range.end.character), "dLoss_dW2");
    assert.match(message, /transposed/);
    assert.match(message, /worst W2\[\d+,\d+\]: analytic −?\d/);
    assert.match(message, /dims D=\d+ H=\d+ K=\d+, seed 1/);
    // Merged, not replaced: the static shape error on the same function is still there.
    assert.ok(published.diagnostics.some((d) => d.code === "gradient-shape-mismatch"), published.diagnostics.map((d) => d.code).join());
    // The notifications carried the run, with the full arrays for the report view.
    const mine = extras.progress.filter((p) => p.runId === "w2");
    assert.deepEqual(mine.map((p) => p.kind), ["start", "result", "end"]);
    const result = mine[1] as Extract<VerifyProgress.Params, { kind: "result" }>;
    assert.equal(result.uri, uri);
    assert.deepEqual(result.result.arrays?.map((a) => [a.param, a.shape.length, a.analyticShape?.length]), [["W2", 2, 2]]);
    assert.equal(result.result.arrays![0]!.numeric.length, result.result.arrays![0]!.analytic.length);
  });

  it("after the run, the failed gradient's second lens reads '✗ transposed'; the others have none yet", async () => {
    const t = titlesByLine(await lenses(client, uri));
    assert.deepEqual(t.get(line("dLoss_dW2")), ["▶ Verify gradient", "✗ transposed"]);
    assert.deepEqual(t.get(line("dLoss_dx")), ["▶ Verify gradient"]);
    const report = (await lenses(client, uri)).find((l) => l.command?.title === "✗ transposed")!;
    assert.equal(report.command!.command, "chainrule.showVerifyReport");
  });

  it("the command at a cursor inside a gradient verifies that one; it passes with a tiny error", async () => {
    const at = positionOf(text, "return yhat.sub(y).matmul(W2.T)");
    const res = await run(client, "chainrule.verifyGradient", { uri, position: at });
    assert.deepEqual(res.checks.map((c) => [c.gradient, c.status]), [["dLoss_dx", "pass"]]);
    const t = titlesByLine(await lenses(client, uri));
    assert.match(t.get(line("dLoss_dx"))![1]!, /^✓ max rel err \de-\d+$/);
  });

  it("the command at a cursor inside F verifies every gradient of F; passing ones get no diagnostic", async () => {
    const from = client.diagnostics.all.length;
    const res = await run(client, "chainrule.verifyGradient", { uri, position: positionOf(text, "crossEntropy(yhat, y)") });
    assert.deepEqual(res.checks.map((c) => c.gradient).sort(), ["dLoss_dW2", "dLoss_db2", "dLoss_dx"]);
    assert.ok(res.processes >= 1);
    const published = await client.diagnostics.wait((p) => p.uri === uri && p.diagnostics.some((d) => d.code === "gradient-mismatch"), "diagnostics", from);
    assert.deepEqual(published.diagnostics.filter((d) => d.code === "gradient-mismatch").map((d) => d.range.start.line), [line("dLoss_dW2")]);
    const t = titlesByLine(await lenses(client, uri));
    assert.match(t.get(line("dLoss_db2"))![1]!, /^✓ max rel err/);
  });

  it("an edit keeps the results on the moved functions (diagnostic follows the name) and marks the lens as edited since", async () => {
    const version = await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "\n" }]);
    const diags = await client.diagnosticsFor(uri, version);
    const failed = diags.find((d) => d.code === "gradient-mismatch");
    assert.equal(failed?.range.start.line, line("dLoss_dW2") + 1);
    const t = titlesByLine(await lenses(client, uri));
    assert.deepEqual(t.get(line("dLoss_dW2") + 1), ["▶ Verify gradient", "✗ transposed (edited since)"]);
    await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, text: "" }]);
  });

  it("unsaved changes: the command verifies the saved file and says so", async () => {
    const version = await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "// edited\n" }]);
    await client.diagnosticsFor(uri, version);
    const before = extras.messages.length;
    await run(client, "chainrule.verifyGradient", { uri, gradient: "dLoss_db2" });
    assert.ok(extras.messages.slice(before).some((m) => /unsaved changes; verification runs the saved file/.test(m.message)));
    await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, text: "" }]);
  });

  it("a name that is not a @gradient function is refused with a message, and nothing runs", async () => {
    const runs = (await stats(client)).runs;
    const res = await run(client, "chainrule.verifyGradient", { uri, gradient: "loss" });
    assert.match(res.refused ?? "", /no @gradient function named loss/);
    assert.equal((await stats(client)).runs, runs);
  });

  it("Verify All runs every @gradient function of the workspace folder", async () => {
    const res = await run(client, "chainrule.verifyAll", {});
    const ours = res.checks.filter((c) => c.file === path.join("verify", "network.ts"));
    assert.deepEqual(ours.map((c) => [c.gradient, c.status]).sort(), [["dLoss_dW2", "fail"], ["dLoss_db2", "pass"], ["dLoss_dx", "pass"]]);
    assert.ok(res.checks.some((c) => c.file === "seed.ts" && c.status === "pass"), res.checks.map((c) => `${c.file}:${c.gradient}`).join());
  });
});

describe("verify gradient: nothing runs unasked; onSave; cancellation", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "chainrule-verify-lsp-"));
    writeFileSync(path.join(dir, "loop.ts"), LOOP);
    copyFileSync(NETWORK, path.join(dir, "network.ts"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("open, change and save of files with gradients start no run and no worker (onSave is off by default)", async () => {
    const { client } = await start();
    try {
      for (const name of ["loop.ts", "network.ts"]) {
        const u = pathToFileURL(path.join(dir, name)).href;
        const t = readFileSync(path.join(dir, name), "utf8");
        await client.open(u, t);
        await client.diagnosticsFor(u, 1);
        const v = await client.change(u, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: " " }]);
        await client.diagnosticsFor(u, v);
        await client.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: u } });
        assert.ok((await lenses(client, u)).length > 0);
      }
      // The stats request is answered after every save received before it has been decided.
      assert.deepEqual(await stats(client), { runs: 0, processes: 0, checks: 0, trusted: true });
      assert.deepEqual(workers(client.process.pid!), []);
    } finally {
      await client.stop();
    }
  });

  it("with chainrule.verify.onSave on, saving a file runs its checks", async () => {
    const { client, extras } = await start({ settings: { verify: { onSave: true } } });
    try {
      const u = pathToFileURL(path.join(dir, "network.ts")).href;
      await client.open(u, readFileSync(path.join(dir, "network.ts"), "utf8"));
      await client.diagnosticsFor(u, 1);
      assert.equal((await stats(client)).runs, 0, "opening alone runs nothing, even with onSave");
      await client.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: u } });
      await extras.until(() => extras.progress.some((p) => p.kind === "end"), "the run on save to end");
      const s = await stats(client);
      assert.equal(s.runs, 1);
      assert.equal(s.checks, 3);
    } finally {
      await client.stop();
    }
  });

  it("cancelling the request kills the worker at once and reports no result for the cut-short check", async () => {
    // A timeout far beyond the test's own bound: only cancellation can end this run in time.
    const { client, extras } = await start({ initializationOptions: { verify: { timeoutMs: 120_000 } } });
    try {
      const u = pathToFileURL(path.join(dir, "loop.ts")).href;
      await client.open(u, LOOP);
      await client.diagnosticsFor(u, 1);
      const cts = new CancellationTokenSource();
      const pending = run(client, "chainrule.verifyGradient", { uri: u, gradient: "dLoop", runId: "loop" }, cts);
      await extras.until(() => workers(client.process.pid!).length > 0, "the worker to start");
      assert.equal((await lenses(client, u))[0]!.command!.title, "⏳ Verifying…");
      const t0 = Date.now();
      cts.cancel();
      const res = await pending;
      assert.ok(Date.now() - t0 < 5000, `cancel took ${Date.now() - t0} ms`);
      assert.equal(res.cancelled, true);
      assert.deepEqual(res.checks, []);
      assert.deepEqual(extras.progress.filter((p) => p.runId === "loop").map((p) => p.kind), ["start", "end"]);
      await extras.until(() => workers(client.process.pid!).length === 0, "the worker to be gone");
      assert.equal((await lenses(client, u))[0]!.command!.title, "▶ Verify gradient");
    } finally {
      await client.stop();
    }
  });

  it("a server that exits during a check does not leave its worker behind", async () => {
    const { client } = await start({ initializationOptions: { verify: { timeoutMs: 120_000 } } });
    const u = pathToFileURL(path.join(dir, "loop.ts")).href;
    await client.open(u, LOOP);
    await client.diagnosticsFor(u, 1);
    const pending = run(client, "chainrule.verifyGradient", { uri: u, gradient: "dLoop" }).catch(() => undefined);
    let worker: number[] = [];
    const deadline = Date.now() + 20_000;
    while ((worker = workers(client.process.pid!)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(worker.length, 1, "the looping check's worker runs");
    await client.stop();
    void pending;
    // A worker busy in a loop never sees its parent go: only the server's exit handler can end it.
    const gone = Date.now() + 5000;
    while (existsSync(`/proc/${worker[0]}`) && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!existsSync(`/proc/${worker[0]}`), `worker ${worker[0]} outlived the server`);
  });
});

describe("verify gradient: untrusted workspace", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "chainrule-verify-lsp-"));
    copyFileSync(NETWORK, path.join(dir, "network.ts"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses every verify command with a message saying why, until trust is granted", async () => {
    const { client, extras } = await start({ initializationOptions: { trusted: false }, settings: { verify: { onSave: true } } });
    try {
      const u = pathToFileURL(path.join(dir, "network.ts")).href;
      await client.open(u, readFileSync(path.join(dir, "network.ts"), "utf8"));
      await client.diagnosticsFor(u, 1);
      assert.ok((await lenses(client, u)).every((l) => l.command?.title === "▶ Verify gradient (disabled: workspace not trusted)"));
      for (const [command, args] of [["chainrule.verifyGradient", { uri: u, gradient: "dLoss_dx" }], ["chainrule.verifyAll", {}]] as const) {
        const res = await run(client, command, args);
        assert.match(res.refused ?? "", /not trusted: it runs the workspace's code/);
        assert.deepEqual(res.checks, []);
      }
      await client.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: u } });
      assert.deepEqual(await stats(client), { runs: 0, processes: 0, checks: 0, trusted: false });
      assert.ok(extras.messages.some((m) => m.type === 2 && /not trusted/.test(m.message)), "the refusal is shown as a warning");
      // Trust granted in the editor: the same command now runs.
      await client.connection.sendNotification(SetTrusted.method, { trusted: true });
      const res = await run(client, "chainrule.verifyGradient", { uri: u, gradient: "dLoss_dx" });
      assert.deepEqual(res.checks.map((c) => c.status), ["pass"]);
    } finally {
      await client.stop();
    }
  });
});
