// Protocol tests for the math template t`…` in the editor: hovers on its operators, inlay hints
// after its interpolations (and their setting), and the `\odot` → ⊙ completion that is offered
// in template math and nowhere else.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import {
  CompletionRequest,
  createProtocolConnection,
  ExitNotification,
  InitializeRequest,
  ShutdownRequest,
  StreamMessageWriter,
  type CompletionItem,
  type CompletionList,
  type Hover,
  type InlayHint,
  type MarkupContent,
  type TextEdit,
} from "vscode-languageserver-protocol/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { FIXTURES, fixtureText, fixtureUri, fullCapabilities, LspClient, messageReader, positionOf, ROOT } from "./harness";

function hoverText(h: Hover | null): string {
  assert.ok(h, "expected a hover");
  return (h.contents as MarkupContent).value;
}

/** The hover on the n-th `needle` in `text`, `offset` characters into it. */
async function hoverAt(client: LspClient, uri: string, text: string, needle: string, occurrence = 0, offset = 0): Promise<string> {
  const at = positionOf(text, needle, occurrence);
  return hoverText(await client.hover(uri, at.line, at.character + offset));
}

function labelOf(h: InlayHint): string {
  return typeof h.label === "string" ? h.label : h.label.map((p) => p.value).join("");
}

const WHOLE = { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } };

describe("math template: hovers on operators", () => {
  let client: LspClient;
  const uri = fixtureUri("template.ts");
  const text = fixtureText("template.ts");
  const bugUri = fixtureUri("template-bug.ts");
  const bugText = fixtureText("template-bug.ts");
  /** The gradient's template line: `(${yhat} - ${y}) @ ${W2}ᵀ ⊙ ${h} ⊙ (1 - ${h}) @ ${W1}ᵀ`. */
  const GRAD = "(${yhat} - ${y}) @ ${W2}ᵀ ⊙";
  before(async () => {
    client = await LspClient.start();
    await client.open(uri, text);
    await client.open(bugUri, bugText);
    assert.deepEqual(await client.diagnosticsFor(uri, 1), [], "the seed's template is clean");
  });
  after(async () => {
    await client.stop();
  });

  it("hover on @ shows both operand shapes, the result and matmul's Jacobian", async () => {
    const md = await hoverAt(client, uri, text, GRAD, 0, GRAD.indexOf("@"));
    assert.match(md, /\*\*matmul\*\* \(@\): `\[1,K\] @ \[K,H\] → \[1,H\]`/);
    assert.match(md, /Jacobian \*\*linear\*\*/);
  });

  it("hover on ⊙ shows its operands, result and the diagonal Jacobian", async () => {
    const md = await hoverAt(client, uri, text, GRAD, 0, GRAD.indexOf("⊙"));
    assert.match(md, /\*\*mul\*\* \(⊙\): `\[1,H\] ⊙ \[1,H\] → \[1,H\]`/);
    assert.match(md, /Jacobian \*\*diagonal\*\*/);
  });

  it("hover on ᵀ shows the operand and the transposed result", async () => {
    const md = await hoverAt(client, uri, text, GRAD, 0, GRAD.indexOf("ᵀ"));
    assert.match(md, /\*\*transpose\*\* \(ᵀ\): `\[H,K\] → \[K,H\]`/);
  });

  it("hover on a function name (σ, softmax) inside the template shows the op", async () => {
    assert.match(await hoverAt(client, uri, text, "σ(${x}"), /\*\*sigmoid\*\* \(σ\): `\[1,H\] → \[1,H\]`/);
    assert.match(await hoverAt(client, uri, text, "softmax(${h}", 0, 3), /\*\*softmax\*\*: `\[1,K\] → \[1,K\]`/);
  });

  it("hover on the ${…} of an interpolation shows the operand's own shape, not the ᵀ around it", async () => {
    const md = await hoverAt(client, uri, text, "${W2}ᵀ ⊙", 0, 0);
    assert.match(md, /`W2`: \*\*\[H,K\]\*\*/);
    assert.match(md, /from annotation/);
  });

  it("hover on the mistaken @ of the seed bug in template form gives the diagonal-Jacobian answer", async () => {
    const diags = await client.diagnosticsFor(bugUri, 1);
    assert.deepEqual(diags.map((d) => d.code), ["matmul-mismatch"]);
    const bugAt = "${W2}ᵀ @ ${h}";
    const md = await hoverAt(client, bugUri, bugText, bugAt, 0, bugAt.indexOf("@"));
    assert.match(md, /`\[1,H\] @ \[1,H\] → \?`/);
    assert.match(md, /g · diag\(s′\) = g ⊙ s′/);
  });
});

describe("math template: inlay hints after interpolations", () => {
  const uri = fixtureUri("template.ts");
  const text = fixtureText("template.ts");
  const doc = TextDocument.create(uri, "typescript", 1, text);

  it("each tensor ${…} gets its shape right after the `}`, next to the declarations' hints", async () => {
    const client = await LspClient.start();
    try {
      await client.open(uri, text);
      const hints = (await client.inlayHints(uri, WHOLE)) ?? [];
      const at = (h: InlayHint) => doc.offsetAt(h.position);
      // Every hint that sits after a `}` follows an interpolation of a template.
      const after = hints.filter((h) => text[at(h) - 1] === "}").map((h) => `${text.slice(text.lastIndexOf("${", at(h)), at(h))}${labelOf(h)}`);
      const grad = positionOf(text, "return t`(${yhat}");
      const gradLine = hints.filter((h) => h.position.line === grad.line).map((h) => `${text.slice(text.lastIndexOf("${", at(h)), at(h))}${labelOf(h)}`);
      assert.deepEqual(gradLine, ["${yhat}: [1,K]", "${y}: [1,K]", "${W2}: [H,K]", "${h}: [1,H]", "${h}: [1,H]", "${W1}: [D,H]"]);
      // 3 + 3 + 2 interpolations in loss, the same 3 + 3 and these 6 in the gradient.
      assert.equal(after.length, 3 + 3 + 2 + 3 + 3 + 6, after.join(" "));
      // The declarations' hints are still there (`const h = t`…``: [1,H]).
      assert.ok(hints.some((h) => labelOf(h) === ": [1,H]" && text.slice(at(h) - 1, at(h)) === "h"), "const h: [1,H]");
      const w2 = hints.find((h) => h.position.line === grad.line && labelOf(h) === ": [H,K]");
      assert.match(String(w2?.tooltip), /\$\{W2\}: \[H,K\], from annotation/);
    } finally {
      await client.stop();
    }
  });

  it("chainrule.inlayHints.enabled=false turns the interpolation hints off too", async () => {
    const client = await LspClient.start({ settings: { inlayHints: { enabled: false } } });
    try {
      await client.open(uri, text);
      assert.deepEqual(await client.inlayHints(uri, WHOLE), []);
      await client.changeConfiguration({ inlayHints: { enabled: true } });
      assert.ok(((await client.inlayHints(uri, WHOLE)) ?? []).some((h) => text[doc.offsetAt(h.position) - 1] === "}"));
    } finally {
      await client.stop();
    }
  });
});

/** The items of a completion answer, whichever form the server chose. */
function itemsOf(r: CompletionItem[] | CompletionList | null): CompletionItem[] {
  return r === null ? [] : Array.isArray(r) ? r : r.items;
}

describe("math template: typing ⊙, ᵀ and σ", () => {
  let client: LspClient;
  const uri = pathToFileURL(path.join(FIXTURES, "template-typing.ts")).href;
  const TEXT = [
    'import { Tensor, t } from "chainrule";',
    'export function f(a: Tensor<[1, "D"]>, b: Tensor<[1, "D"]>) {',
    "  const s = \"\\od\"; // \\od",
    "  const r = String.raw`${a} \\od`;",
    "  return t`${a} \\od ${b /* \\od */}`;",
    "}",
    "",
  ].join("\n");

  async function complete(text: string, needle: string, occurrence = 0): Promise<CompletionItem[]> {
    const at = positionOf(text, needle, occurrence);
    const r = await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position: { line: at.line, character: at.character + needle.length },
      context: { triggerKind: 2, triggerCharacter: "\\" },
    });
    return itemsOf(r);
  }

  before(async () => {
    client = await LspClient.start();
    await client.open(uri, TEXT);
  });
  after(async () => {
    await client.stop();
  });

  it("the server declares completions triggered by a backslash", async () => {
    const child = spawn(process.execPath, [path.join(ROOT, "dist/server.js"), "--stdio"], { stdio: ["pipe", "pipe", "ignore"] });
    const conn = createProtocolConnection(messageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn.listen();
    try {
      const init = await conn.sendRequest(InitializeRequest.type, {
        processId: process.pid, rootUri: null, capabilities: fullCapabilities(), workspaceFolders: null,
      });
      assert.deepEqual(init.capabilities.completionProvider?.triggerCharacters, ["\\"]);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      await conn.sendRequest(ShutdownRequest.type);
      await conn.sendNotification(ExitNotification.type);
      await exited;
      conn.dispose();
    }
  });

  it("inside t`…`, \\od is offered as ⊙, replacing the typed backslash word", async () => {
    const items = await complete(TEXT, "t`${a} \\od");
    const odot = items.find((i) => i.label === "\\odot");
    assert.ok(odot, items.map((i) => i.label).join(" "));
    const edit = odot.textEdit as TextEdit;
    assert.equal(edit.newText, "⊙");
    const doc = TextDocument.create(uri, "typescript", 1, TEXT);
    assert.equal(doc.getText(edit.range), "\\od");
    assert.match(TextDocument.applyEdits(doc, [edit]), /return t`\$\{a\} ⊙ \$\{b/);
    const byLabel = new Map(items.map((i) => [i.label, (i.textEdit as TextEdit).newText]));
    assert.equal(byLabel.get("\\T"), "ᵀ");
    assert.equal(byLabel.get("\\sigma"), "σ");
  });

  it("a backslash typed just before the closing backtick (which it escapes while typing) is offered too", async () => {
    // `\`` is an escaped backtick, so until the word is completed the template runs on to the end
    // of the file: the completion must still see template math there.
    const text = 'import { t } from "chainrule";\nexport const g = (a: number) => t`${a}ᵀ \\`;\n';
    await client.change(uri, [{ text }]);
    const items = await complete(text, "ᵀ \\");
    const odot = items.find((i) => i.label === "\\odot");
    assert.ok(odot, items.map((i) => i.label).join(" "));
    const doc = TextDocument.create(uri, "typescript", 1, text);
    assert.equal(TextDocument.applyEdits(doc, [odot.textEdit as TextEdit]).split("\n")[1], "export const g = (a: number) => t`${a}ᵀ ⊙`;");
    await client.change(uri, [{ text: TEXT }]);
  });

  it("outside template math nothing is offered: strings, comments, other tags, inside ${…}", async () => {
    assert.deepEqual(await complete(TEXT, '"\\od'), [], "a string");
    assert.deepEqual(await complete(TEXT, "// \\od"), [], "a comment");
    assert.deepEqual(await complete(TEXT, "${a} \\od", 0), [], "String.raw`…`");
    assert.deepEqual(await complete(TEXT, "/* \\od"), [], "a comment inside ${…}");
  });

  it("without a backslash word before the cursor nothing is offered, even in a template", async () => {
    assert.deepEqual(await complete(TEXT, "t`${a} "), []);
  });

  it("a file that does not import chainrule gets no template completions", async () => {
    const plain = pathToFileURL(path.join(FIXTURES, "template-typing-plain.ts")).href;
    const text = "const t = String.raw;\nexport const s = t`\\od`;\n";
    await client.open(plain, text);
    const at = positionOf(text, "\\od");
    const r = await client.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri: plain }, position: { line: at.line, character: at.character + 3 },
    });
    assert.deepEqual(itemsOf(r), []);
  });
});
