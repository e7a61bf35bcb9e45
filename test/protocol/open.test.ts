// A document just opened is analysed at once, whatever the debounce; edits still wait for it.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fixtureText, fixtureUri, LspClient, positionOf } from "./harness";

describe("first analysis of an opened document", () => {
  let client: LspClient;
  before(async () => {
    // A debounce longer than the harness's 20 s wait: only an undebounced open can publish in time.
    client = await LspClient.start({ initializationOptions: { debounceMs: 60_000 } });
  });
  after(async () => {
    await client.stop();
  });

  it("publishes the seed's bug on open without waiting for the debounce", async () => {
    const uri = fixtureUri("seed-bug.ts");
    await client.open(uri, fixtureText("seed-bug.ts"));
    const diags = await client.diagnosticsFor(uri, 1);
    assert.deepEqual(diags.map((d) => d.code), ["matmul-mismatch"]);
  });

  it("an edit after the open is still debounced: nothing is published for it before the debounce", async () => {
    const uri = fixtureUri("seed-bug.ts");
    const at = positionOf(fixtureText("seed-bug.ts"), "matmul(h.mul");
    const v = await client.change(uri, [{ range: { start: at, end: { line: at.line, character: at.character + 6 } }, text: "mul" }]);
    // A later open of another document is answered at once, so by the time it has been published,
    // the edit's analysis had the same chance to run, had it not been debounced.
    const other = fixtureUri("seed.ts");
    await client.open(other, fixtureText("seed.ts"));
    await client.diagnosticsFor(other, 1);
    assert.equal(client.diagnostics.all.some((p) => p.uri === uri && p.version === v), false);
  });
});
