// Protocol tests for what must never take the server down: internal errors in a request and in
// the background analysis (injected once each through CHAINRULE_LSP_INJECT_FAULT), requests for
// documents it does not know, and clients with few capabilities.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ResponseError } from "vscode-languageserver-protocol/node";
import { fixtureText, fixtureUri, LspClient, positionOf } from "./harness";

describe("robustness", () => {
  it("an internal error in a hover is answered with an error response and the server keeps serving", async () => {
    const client = await LspClient.start({ env: { CHAINRULE_LSP_INJECT_FAULT: "hover" } });
    try {
      const uri = fixtureUri("seed-bug.ts");
      const text = fixtureText("seed-bug.ts");
      await client.open(uri, text);
      await client.diagnosticsFor(uri, 1);
      const at = positionOf(text, "const h =", 1);
      await assert.rejects(client.hover(uri, at.line, at.character + 6), (e: unknown) => {
        assert.ok(e instanceof ResponseError);
        assert.equal(e.code, -32603);
        assert.match(e.message, /internal error in hover/);
        return true;
      });
      await client.logs.wait((m) => /internal error in hover/.test(m) && /at /.test(m), "the error logged with its stack");
      // Same request again: answered normally.
      const h = await client.hover(uri, at.line, at.character + 6);
      assert.ok(h);
      assert.ok(client.alive);
    } finally {
      await client.stop();
    }
  });

  it("an internal error in the analysis is reported, old diagnostics are kept, and the next edit is analysed", async () => {
    const client = await LspClient.start({ env: { CHAINRULE_LSP_INJECT_FAULT: "analyze" } });
    try {
      const uri = fixtureUri("seed-bug.ts");
      await client.open(uri, fixtureText("seed-bug.ts"));
      const failed = await client.status.wait((s) => s.uri === uri && s.state === "error", "error status");
      assert.match(failed.message ?? "", /injected fault/);
      assert.equal(client.diagnostics.all.filter((p) => p.uri === uri).length, 0);
      const v = await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "\n" }]);
      assert.equal((await client.diagnosticsFor(uri, v)).length, 1);
      assert.ok(client.alive);
    } finally {
      await client.stop();
    }
  });

  it("requests about unknown or non-file documents get empty answers, not errors", async () => {
    const client = await LspClient.start();
    try {
      assert.equal(await client.hover(fixtureUri("never-opened.ts"), 0, 0), null);
      assert.deepEqual(await client.inlayHints("untitled:Untitled-1", { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }), []);
      assert.deepEqual(await client.codeActions(fixtureUri("never-opened.ts"), []), []);
      // A hover past the end of an open document.
      const uri = fixtureUri("seed.ts");
      await client.open(uri, fixtureText("seed.ts"));
      await client.diagnosticsFor(uri, 1);
      assert.equal(await client.hover(uri, 500, 3), null);
      assert.ok(client.alive);
    } finally {
      await client.stop();
    }
  });

  it("exits when its client goes away without shutdown (no orphaned server)", async () => {
    const client = await LspClient.start();
    const uri = fixtureUri("seed-bug.ts");
    await client.open(uri, fixtureText("seed-bug.ts"));
    await client.diagnosticsFor(uri, 1);
    const exited = new Promise<number | null>((resolve) => client.process.once("exit", (code) => resolve(code)));
    client.process.stdin!.end();
    client.process.stdout!.destroy();
    // Exit code 1: the protocol's code for an exit without a shutdown request.
    assert.equal(await exited, 1);
    client.connection.dispose();
  });

  it("a client without codeDescription/relatedInformation support gets neither", async () => {
    const client = await LspClient.start({ capabilities: { textDocument: { publishDiagnostics: {} } } });
    try {
      const uri = fixtureUri("seed-bug.ts");
      await client.open(uri, fixtureText("seed-bug.ts"));
      const [d] = await client.diagnosticsFor(uri, 1);
      assert.equal(d!.code, "matmul-mismatch");
      assert.equal(d!.codeDescription, undefined);
      assert.equal(d!.relatedInformation, undefined);
      // And its quick fixes come as plain `changes` (no documentChanges support declared).
      const actions = await client.codeActions(uri, [d!]);
      assert.ok(actions.length >= 1);
      assert.ok(actions[0]!.edit?.changes?.[uri], "changes form");
    } finally {
      await client.stop();
    }
  });
});
