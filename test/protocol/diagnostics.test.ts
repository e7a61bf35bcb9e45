// Protocol tests for diagnostics: published on open and after edits, versioned, never stale under
// a burst of edits, only for files that import chainrule, and re-checked across files.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fixtureText, fixtureUri, LspClient, positionOf, textOf } from "./harness";

describe("diagnostics", () => {
  let client: LspClient;
  before(async () => {
    client = await LspClient.start();
  });
  after(async () => {
    await client.stop();
  });

  it("flags the seed's matmul-for-⊙ bug on open, with code, source, docs link and version data", async () => {
    const uri = fixtureUri("seed-bug.ts");
    const text = fixtureText("seed-bug.ts");
    await client.open(uri, text);
    const diags = await client.diagnosticsFor(uri, 1);
    assert.equal(diags.length, 1, JSON.stringify(diags));
    const d = diags[0]!;
    assert.equal(d.code, "matmul-mismatch");
    assert.equal(d.source, "chainrule");
    assert.equal(d.severity, 1);
    assert.equal(typeof d.message, "string");
    assert.match(d.message as string, /\[1,H\] @ \[1,H\]/);
    assert.match(d.codeDescription?.href ?? "", /docs\/diagnostics\.md#matmul-mismatch$/);
    // The range covers the mistaken `matmul` (with its left operand).
    const bug = positionOf(text, "matmul(h.mul");
    assert.equal(d.range.start.line, bug.line);
    assert.ok(d.range.start.character <= bug.character && d.range.end.character >= bug.character + "matmul".length, `range covers ${textOf(text, d.range)}`);
    // Where the clashing H came from, sent because this client declares relatedInformation.
    assert.ok(d.relatedInformation && d.relatedInformation.length > 0, "relatedInformation");
    assert.equal(d.relatedInformation[0]!.location.uri, uri);
    const data = d.data as { version: number; fixes: unknown[] };
    assert.equal(data.version, 1);
    assert.ok(data.fixes.length >= 1);
    await client.close(uri);
  });

  it("publishes an empty list for a clean DSL file", async () => {
    const uri = fixtureUri("seed.ts");
    await client.open(uri, fixtureText("seed.ts"));
    assert.deepEqual(await client.diagnosticsFor(uri, 1), []);
    await client.close(uri);
  });

  it("leaves files that do not import chainrule alone", async () => {
    const uri = fixtureUri("plain.ts");
    const from = client.diagnostics.all.length;
    await client.open(uri, fixtureText("plain.ts"));
    // The server reports every finished analysis; diagnostics would have been published before it.
    const done = await client.status.wait((s) => s.uri === uri && s.state === "idle", "status for plain.ts");
    assert.equal(done.isDsl, false);
    assert.equal(client.diagnostics.all.slice(from).filter((p) => p.uri === uri).length, 0);
    await client.close(uri);
  });

  it("updates after an edit: fixing the bug by hand clears the diagnostic", async () => {
    const uri = fixtureUri("seed-bug.ts");
    const text = fixtureText("seed-bug.ts");
    await client.open(uri, text);
    assert.equal((await client.diagnosticsFor(uri, 1)).length, 1);
    const at = positionOf(text, "matmul(h.mul");
    const v = await client.change(uri, [{ range: { start: at, end: { line: at.line, character: at.character + "matmul".length } }, text: "mul" }]);
    assert.deepEqual(await client.diagnosticsFor(uri, v), []);
    // And breaking it again brings it back, for the new version.
    const v3 = await client.change(uri, [{ range: { start: at, end: { line: at.line, character: at.character + "mul".length } }, text: "matmul" }]);
    const again = await client.diagnosticsFor(uri, v3);
    assert.equal(again.length, 1);
    assert.equal((again[0]!.data as { version: number }).version, v3);
    await client.close(uri);
  });

  it("after a burst of 100 rapid edits publishes the right result, and never a stale one", async () => {
    const uri = fixtureUri("seed-bug.ts");
    const text = fixtureText("seed-bug.ts");
    await client.open(uri, text);
    const first = await client.diagnosticsFor(uri, 1);
    const baseLine = first[0]!.range.start.line;
    const from = client.diagnostics.all.length;
    // 99 edits each insert a line at the top (so the bug moves down one line per version), then
    // the 100th fixes the bug on its shifted line. Sent back to back, without waiting.
    const sends: Promise<number>[] = [];
    for (let i = 1; i < 100; i++) {
      sends.push(client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: `// edit ${i}\n` }]));
    }
    const at = positionOf(text, "matmul(h.mul");
    const line = at.line + 99;
    sends.push(client.change(uri, [{ range: { start: { line, character: at.character }, end: { line, character: at.character + 6 } }, text: "mul" }]));
    const versions = await Promise.all(sends);
    const last = versions[versions.length - 1]!;
    assert.equal(last, 101);
    assert.deepEqual(await client.diagnosticsFor(uri, last), []);
    // Every result published on the way must be right for the version it claims.
    const burst = client.diagnostics.all.slice(from).filter((p) => p.uri === uri);
    for (const p of burst) {
      if (p.version === last) continue;
      assert.equal(p.diagnostics.length, 1, `v${p.version}`);
      assert.equal(p.diagnostics[0]!.range.start.line, baseLine + (p.version! - 1), `stale range published for v${p.version}`);
    }
    const versionsSeen = burst.map((p) => p.version!);
    assert.deepEqual(versionsSeen, [...versionsSeen].sort((a, b) => a - b), "versions published in order");
    // Debounced: far fewer analyses than edits.
    assert.ok(burst.length < 20, `${burst.length} publishes for 100 edits`);
    await client.close(uri);
  });

  it("re-checks an open importer when the file it imports changes", async () => {
    const layerUri = fixtureUri("layer.ts");
    const modelUri = fixtureUri("model.ts");
    const layer = fixtureText("layer.ts");
    await client.open(layerUri, layer);
    await client.open(modelUri, fixtureText("model.ts"));
    assert.deepEqual(await client.diagnosticsFor(modelUri, 1), []);
    const from = client.diagnostics.all.length;
    // hidden() now returns [H,1]: model.ts's h.matmul(W2) becomes [H,1] @ [H,K].
    const at = positionOf(layer, "x.matmul(W1)");
    const end = { line: at.line, character: at.character + "x.matmul(W1)".length };
    await client.change(layerUri, [{ range: { start: at, end }, text: "x.matmul(W1).T" }]);
    const model = await client.nextDiagnostics(modelUri, from);
    assert.equal(model.length, 1, JSON.stringify(model));
    assert.equal(model[0]!.code, "matmul-mismatch");
    await client.close(layerUri);
    await client.close(modelUri);
  });
});
