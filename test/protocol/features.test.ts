// Protocol tests for what reads the analysis: hovers, inlay hints (and their setting), and quick
// fixes rebuilt from a diagnostic's data, including the refusal of a stale one.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Hover, MarkupContent, TextEdit } from "vscode-languageserver-protocol";
import { fixtureText, fixtureUri, LspClient, positionOf } from "./harness";

function hoverText(h: Hover | null): string {
  assert.ok(h, "expected a hover");
  return (h.contents as MarkupContent).value;
}

/** The edits a code action makes to `uri`, whichever WorkspaceEdit form the server chose. */
function editsOf(action: { edit?: { changes?: Record<string, TextEdit[]>; documentChanges?: unknown[] } }, uri: string): TextEdit[] {
  const dc = action.edit?.documentChanges as Array<{ textDocument: { uri: string }; edits: TextEdit[] }> | undefined;
  if (dc) return dc.filter((c) => c.textDocument.uri === uri).flatMap((c) => c.edits);
  return action.edit?.changes?.[uri] ?? [];
}

describe("hover, inlay hints, code actions", () => {
  let client: LspClient;
  const uri = fixtureUri("seed-bug.ts");
  const text = fixtureText("seed-bug.ts");
  before(async () => {
    client = await LspClient.start();
    await client.open(uri, text);
    await client.diagnosticsFor(uri, 1);
  });
  after(async () => {
    await client.stop();
  });

  it("hover on a variable shows its shape and where it came from", async () => {
    const at = positionOf(text, "const h =", 1);
    const md = hoverText(await client.hover(uri, at.line, at.character + "const ".length));
    assert.match(md, /\[1,H\]/);
    assert.match(md, /sigmoid/);
  });

  it("hover on a parameter shows its annotated shape", async () => {
    const at = positionOf(text, "W1: Tensor", 1);
    assert.match(hoverText(await client.hover(uri, at.line, at.character)), /\[D,H\]/);
  });

  it("hover on the mistaken matmul gives the rule and the diagonal-Jacobian answer", async () => {
    const at = positionOf(text, "matmul(h.mul");
    const md = hoverText(await client.hover(uri, at.line, at.character + 2));
    assert.match(md, /matmul/);
    assert.match(md, /\[1,H\] @ \[1,H\]/);
    assert.match(md, /g · diag\(s′\) = g ⊙ s′/);
  });

  it("hover on ⊙ (mul) states its diagonal Jacobian in one line", async () => {
    const at = positionOf(text, "h.mul(sub");
    const md = hoverText(await client.hover(uri, at.line, at.character + 3));
    assert.match(md, /diag/);
    assert.match(md, /g ⊙/);
  });

  it("inlay hints give the shape after each tensor const", async () => {
    const lines = text.split("\n").length;
    const hints = (await client.inlayHints(uri, { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } })) ?? [];
    const labels = hints.map((h) => `${h.position.line}:${String(h.label)}`);
    const hLine = positionOf(text, "const h =", 1).line;
    const yLine = positionOf(text, "const yhat =", 1).line;
    assert.ok(labels.includes(`${hLine}:: [1,H]`), labels.join(" "));
    assert.ok(labels.includes(`${yLine}:: [1,K]`), labels.join(" "));
  });

  it("the preferred quick fix turns the bug into the seed's correct code", async () => {
    const [diag] = await client.diagnosticsFor(uri, 1);
    const actions = await client.codeActions(uri, [diag!]);
    const preferred = actions.filter((a) => a.isPreferred);
    assert.equal(preferred.length, 1, actions.map((a) => a.title).join(" | "));
    assert.equal(preferred[0]!.kind, "quickfix");
    assert.match(preferred[0]!.title, /⊙|mul/);
    const fixed = TextDocument.applyEdits(TextDocument.create(uri, "typescript", 1, text), editsOf(preferred[0]!, uri));
    assert.equal(fixed, fixtureText("seed.ts"));
  });

  it("refuses a quick fix for a diagnostic of an older document version", async () => {
    const [stale] = await client.diagnosticsFor(uri, 1);
    const v = await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "// moved\n" }]);
    await client.diagnosticsFor(uri, v);
    assert.deepEqual(await client.codeActions(uri, [stale!]), []);
    // The fresh diagnostic for the same bug still gets its fixes.
    const [fresh] = await client.diagnosticsFor(uri, v);
    assert.ok((await client.codeActions(uri, [fresh!])).length >= 1);
  });
});

describe("inlay hints on parameters with defaults and on reassignments", () => {
  it("an unannotated parameter with a default gets a hint, and each reassignment of a let shows its new shape", async () => {
    const client = await LspClient.start();
    try {
      const uri = fixtureUri("hints.ts");
      const text = fixtureText("hints.ts");
      await client.open(uri, text);
      await client.diagnosticsFor(uri, 1);
      const hints = (await client.inlayHints(uri, { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } })) ?? [];
      const at = (needle: string, after: string) => {
        const p = positionOf(text, needle);
        return `${p.line}:${p.character + after.length}`;
      };
      const labels = new Map(hints.map((h) => [`${h.position.line}:${h.position.character}`, String(h.label)]));
      assert.equal(labels.get(at("h0 = zeros", "h0")), ": [1,H]", [...labels].join(" "));
      assert.equal(labels.get(at("    h = tanh", "    h")), ": [1,H]", "the reassignment inside the loop");
      assert.equal(labels.get(at("let out", "let out")), ": [1,H]");
      assert.equal(labels.get(at("const W = Wh", "const W")), ": [H,H]", "a copy of an annotated parameter is not annotated itself");
      assert.equal(labels.get(at("  out = out.sum", "  out")), ": [1,1]", "the reassignment shows the new shape, not the first");
    } finally {
      await client.stop();
    }
  });
});

describe("inlay hints setting", () => {
  it("chainrule.inlayHints.enabled=false turns hints off, and back on when changed", async () => {
    const client = await LspClient.start({ settings: { inlayHints: { enabled: false } } });
    try {
      const uri = fixtureUri("seed.ts");
      const text = fixtureText("seed.ts");
      await client.open(uri, text);
      await client.diagnosticsFor(uri, 1);
      const range = { start: { line: 0, character: 0 }, end: { line: text.split("\n").length, character: 0 } };
      assert.deepEqual(await client.inlayHints(uri, range), []);
      await client.changeConfiguration({ inlayHints: { enabled: true } });
      assert.ok(((await client.inlayHints(uri, range)) ?? []).length > 0);
    } finally {
      await client.stop();
    }
  });

  it("clients without workspace/configuration use initializationOptions", async () => {
    const client = await LspClient.start({
      capabilities: { textDocument: { publishDiagnostics: {} } },
      initializationOptions: { inlayHints: { enabled: false } },
    });
    try {
      const uri = fixtureUri("seed.ts");
      await client.open(uri, fixtureText("seed.ts"));
      await client.diagnosticsFor(uri, 1);
      assert.deepEqual(await client.inlayHints(uri, { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } }), []);
    } finally {
      await client.stop();
    }
  });
});
