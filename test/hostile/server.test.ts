// The language server against ill-typed requests and a client that never mentions trust:
// InvalidParams (not InternalError) for malformed params, and verification refused unless the
// client says the workspace is trusted.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ResponseError } from "vscode-languageserver-protocol/node";
import { VerifyCommand, VerifyStats, type VerifyRunResult } from "../../server/protocol";
import { fixtureText, fixtureUri, LspClient } from "../protocol/harness";

const INVALID_PARAMS = -32602;

describe("ill-typed requests", () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
    await client.open(fixtureUri("seed-bug.ts"), fixtureText("seed-bug.ts"));
  });
  after(() => client.stop());

  const cases: Array<[string, string, unknown]> = [
    ["hover with a numeric uri", "textDocument/hover", { textDocument: { uri: 42 }, position: { line: 0, character: 0 } }],
    ["hover with no position", "textDocument/hover", { textDocument: { uri: fixtureUri("seed-bug.ts") } }],
    ["hover with a negative line", "textDocument/hover", { textDocument: { uri: fixtureUri("seed-bug.ts") }, position: { line: -1, character: 0 } }],
    ["completion with a string position", "textDocument/completion", { textDocument: { uri: fixtureUri("seed-bug.ts") }, position: "0:0" }],
    ["inlay hints with no range", "textDocument/inlayHint", { textDocument: { uri: fixtureUri("seed-bug.ts") } }],
    ["code actions with no context", "textDocument/codeAction", { textDocument: { uri: fixtureUri("seed-bug.ts") }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }],
    ["code lens with a numeric document", "textDocument/codeLens", { textDocument: 7 }],
    ["executeCommand with no command", "workspace/executeCommand", { arguments: [] }],
    ["listGradients with a numeric uri", "chainrule/listGradients", { uri: 3 }],
  ];
  for (const [what, method, params] of cases) {
    it(`${what}: InvalidParams, and the server keeps serving`, async () => {
      await assert.rejects(client.connection.sendRequest(method, params), (e: unknown) => {
        assert.ok(e instanceof ResponseError);
        assert.equal(e.code, INVALID_PARAMS, e.message);
        assert.match(e.message, /invalid params/);
        return true;
      });
      assert.ok(client.alive);
    });
  }
  it("a well-formed hover still answers after them all", async () => {
    assert.ok(await client.hover(fixtureUri("seed-bug.ts"), 14, 12));
  });
});

/** Raw JSON-RPC over stdio, for what a typed client refuses to send (params: null). */
async function rawRequests(messages: Array<{ method: string; params: unknown }>): Promise<Array<{ id: number; error?: { code: number; message: string } }>> {
  const child = spawn(process.execPath, [path.join(__dirname, "../../dist/server.js"), "--stdio"], { stdio: ["pipe", "pipe", "ignore"] });
  const frame = (o: unknown) => {
    const body = Buffer.from(JSON.stringify(o), "utf8");
    return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
  };
  const replies: Array<{ id: number; error?: { code: number; message: string } }> = [];
  let buf = Buffer.alloc(0);
  const want = messages.length + 1;
  const done = new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const head = buf.indexOf("\r\n\r\n");
        if (head < 0) break;
        const len = Number(/Content-Length: (\d+)/.exec(buf.subarray(0, head).toString())![1]);
        if (buf.length < head + 4 + len) break;
        const msg = JSON.parse(buf.subarray(head + 4, head + 4 + len).toString());
        buf = buf.subarray(head + 4 + len);
        if (typeof msg.id === "number" && !("method" in msg)) replies.push(msg);
        if (replies.length === want) resolve();
      }
    });
  });
  child.stdin.write(frame({ jsonrpc: "2.0", id: 0, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } }));
  messages.forEach((m, i) => child.stdin.write(frame({ jsonrpc: "2.0", id: i + 1, method: m.method, params: m.params })));
  await done;
  child.kill();
  return replies.sort((a, b) => a.id - b.id).slice(1);
}

describe("requests with null params, sent raw", () => {
  it("hover, completion, inlay hints, code actions, code lens: InvalidParams each", async () => {
    const methods = ["textDocument/hover", "textDocument/completion", "textDocument/inlayHint", "textDocument/codeAction", "textDocument/codeLens"];
    const replies = await rawRequests(methods.map((method) => ({ method, params: null })));
    assert.deepEqual(replies.map((r) => r.error?.code), methods.map(() => INVALID_PARAMS), JSON.stringify(replies));
  });
});

describe("a client that never says whether the workspace is trusted", () => {
  it("is treated as untrusted: verification is refused and nothing runs", async () => {
    const client = await LspClient.start({ initializationOptions: {} });
    try {
      const uri = fixtureUri("seed.ts");
      await client.open(uri, fixtureText("seed.ts"));
      const res = (await client.connection.sendRequest("workspace/executeCommand", { command: VerifyCommand.verifyGradient, arguments: [{ uri }] })) as VerifyRunResult;
      assert.match(res.refused ?? "", /not trusted/);
      assert.deepEqual(await client.connection.sendRequest(VerifyStats.method), { runs: 0, processes: 0, checks: 0, trusted: false });
    } finally {
      await client.stop();
    }
  });
});
