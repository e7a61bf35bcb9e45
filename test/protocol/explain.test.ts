// Protocol tests of "explain the chain" against the bundled server: the derivation as hover
// Markdown on a @gradient function's name and on its tag, `chainrule.explain` returning CLI.md's
// JSON (and its errors), the CodeLenses, and "Generate ∂F/∂P" resolved into an edit whose result
// checks clean.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CodeActionRequest, CodeActionResolveRequest, CodeLensRequest, ExecuteCommandRequest, type CodeAction, type TextEdit } from "vscode-languageserver-protocol/node";
import { ExplainCommand, type ExplainArgs, type ExplainResult } from "../../server/protocol";
import { fixtureText, fixtureUri, fullCapabilities, LspClient, positionOf, textOf } from "./harness";

const uri = fixtureUri("seed.ts");
const text = fixtureText("seed.ts");

function apply(src: string, edits: readonly TextEdit[]): string {
  const lines = src.split("\n");
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) {
    src = src.slice(0, offset(e.range.start)) + e.newText + src.slice(offset(e.range.end));
  }
  return src;
}

describe("explain over LSP", () => {
  let client: LspClient;
  before(async () => {
    // A client that resolves code actions (VS Code does): the edit of "Generate ∂F/∂P" comes on resolve.
    const capabilities = fullCapabilities();
    capabilities.textDocument!.codeAction = { dataSupport: true, isPreferredSupport: true, resolveSupport: { properties: ["edit"] } };
    client = await LspClient.start({ capabilities });
    await client.open(uri, text);
    await client.diagnosticsFor(uri, 1);
  });
  after(() => client.stop());

  it("hover on a @gradient function's name shows ∂F/∂P as Markdown tables", async () => {
    const at = positionOf(text, "dLoss_dx");
    const h = await client.hover(uri, at.line, at.character + 2);
    const value = (h?.contents as { kind: string; value: string }).value;
    assert.equal((h?.contents as { kind: string }).kind, "markdown");
    assert.ok(value.startsWith("**∂loss/∂x** = `((ŷ − y) @ W2ᵀ ⊙ h ⊙ (1 − h)) @ W1ᵀ` `[1,D]`"), value);
    assert.match(value, /\| `∂t1` \| `∂h ⊙ h ⊙ \(1 − h\)` \| `\[1,H\]` \| \*\*diagonal\*\* \(sigmoid\) \|/);
    assert.equal(textOf(text, h!.range!), "dLoss_dx");
  });

  it("hover on the @gradient tag shows the same derivation; elsewhere hovers are shapes", async () => {
    const tag = positionOf(text, "@gradient loss x");
    const h = await client.hover(uri, tag.line, tag.character + 12);
    assert.match((h?.contents as { value: string }).value, /^\*\*∂loss\/∂x\*\*/);
    assert.equal(textOf(text, h!.range!), "@gradient loss x");
    const hAt = positionOf(text, "const h = ");
    const shape = await client.hover(uri, hAt.line, hAt.character + 6);
    assert.match((shape?.contents as { value: string }).value, /\[1,H\]/);
    assert.doesNotMatch((shape?.contents as { value: string }).value, /backward/);
  });

  it("chainrule.explain returns CLI.md's JSON with a URI on every step, plus text and Markdown", async () => {
    const args: ExplainArgs = { uri, function: "loss", params: ["x"] };
    const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: ExplainCommand.explain, arguments: [args] })) as ExplainResult;
    assert.ok(!("error" in r), JSON.stringify(r));
    assert.equal(r.version, 1);
    assert.deepEqual(r.wrt, ["x"]);
    assert.deepEqual(r.gradients, [{ param: "x", expr: "((ŷ − y) @ W2ᵀ ⊙ h ⊙ (1 − h)) @ W1ᵀ", shape: [1, "D"] }]);
    assert.ok(r.backward.every((b) => b.uri === uri && b.range));
    assert.equal(textOf(text, r.forward.find((f) => f.name === "h")!.range!), "sigmoid(x.matmul(W1).add(b1))");
    assert.match(r.text, /^∂loss\/∂x for loss in /);
    assert.match(r.markdown, /^\*\*∂loss\/∂x\*\*/);
    const emitted = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: ExplainCommand.explain, arguments: [{ ...args, emit: true }] })) as ExplainResult & { code: string };
    assert.match(emitted.code, /^\/\*\* @gradient loss x \*\/\nexport function dLoss_dx2\(/);
  });

  it("chainrule.explain's errors: bad usage, and a construct it does not follow with its range", async () => {
    const bad = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: ExplainCommand.explain, arguments: [{ uri, function: "nope" }] })) as ExplainResult;
    assert.ok("error" in bad && bad.error.kind === "usage" && /no function nope/.test(bad.error.message));
    const loopUri = fixtureUri("explain-loop.ts");
    const loop = 'import { Tensor, sum } from "chainrule";\nexport function f(x: Tensor<[1, "D"]>) {\n  let s = x;\n  for (const k of [1, 2]) s = s.mul(k);\n  return sum(s);\n}\n';
    await client.open(loopUri, loop);
    const r = (await client.connection.sendRequest(ExecuteCommandRequest.type, { command: ExplainCommand.explain, arguments: [{ uri: loopUri, function: "f" }] })) as ExplainResult;
    assert.ok("error" in r && r.error.kind === "unsupported", JSON.stringify(r));
    assert.match(r.error.message, /`for … of` loops/);
    assert.equal(r.error.uri, loopUri);
    assert.deepEqual(r.error.range!.start, { line: 3, character: 2 });
  });

  it("CodeLenses: Explain ∂F/∂P above the @gradient function, Explain gradient above the scalar function", async () => {
    const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
    const explain = lenses.filter((l) => l.command?.command === ExplainCommand.showChain);
    assert.deepEqual(explain.map((l) => [l.command!.title, textOf(text, l.range)]), [["Explain ∂loss/∂x", "dLoss_dx"], ["Explain gradient", "loss"]]);
    assert.deepEqual(explain[0]!.command!.arguments, [{ uri, function: "loss", params: ["x"] }]);
  });

  it("Generate ∂F/∂P on the scalar function: resolved into an edit below it that checks clean", async () => {
    const at = positionOf(text, "function loss");
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [], only: ["refactor"] },
    })) as CodeAction[];
    assert.deepEqual(actions.map((a) => a.title), [
      "Generate ∂loss/∂x", "Generate ∂loss/∂W1", "Generate ∂loss/∂b1", "Generate ∂loss/∂W2", "Generate ∂loss/∂b2", "Generate ∂loss/∂y",
      "Generate the gradient of loss (every parameter)",
    ]);
    assert.equal(actions[0]!.edit, undefined, "the edit comes on resolve");
    const resolved = await client.connection.sendRequest(CodeActionResolveRequest.type, actions[6]!);
    const edits = (resolved.edit!.documentChanges![0] as { edits: TextEdit[] }).edits;
    const after = apply(text, edits);
    assert.match(after, /return crossEntropy\(yhat, y\);\n}\n\n\/\*\* @gradient loss \*\/\nexport function gradLoss\(/);
    const genUri = fixtureUri("explain-generated.ts");
    await client.open(genUri, after);
    assert.deepEqual((await client.diagnosticsFor(genUri, 1)).map((d) => d.message), []);
    const inBody = positionOf(text, "const yhat");
    const none = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: inBody, end: inBody }, context: { diagnostics: [] } })) as CodeAction[];
    assert.deepEqual(none, [], "not offered inside the body, where the cursor is while typing");
  });
});

it("a client that cannot resolve code actions gets the edit with the action", async () => {
  const client = await LspClient.start();
  try {
    await client.open(uri, text);
    const at = positionOf(text, "function loss");
    const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } })) as CodeAction[];
    const edit = actions.find((a) => a.title === "Generate ∂loss/∂x")!.edit!;
    assert.match(apply(text, (edit.documentChanges![0] as { edits: TextEdit[] }).edits), /\/\*\* @gradient loss x \*\/\nexport function dLoss_dx2\(/);
  } finally {
    await client.stop();
  }
});

it("a failed verification's diagnostic sits on the wrong factor and names it", async () => {
  // Verification runs code: only in a workspace the client says is trusted.
  const client = await LspClient.start({ initializationOptions: { trusted: true } });
  try {
    const wrongUri = fixtureUri("explain-wrong.ts");
    const wrong = fixtureText("explain-wrong.ts");
    await client.open(wrongUri, wrong);
    await client.diagnosticsFor(wrongUri, 1);
    const from = client.diagnostics.all.length;
    await client.connection.sendRequest(ExecuteCommandRequest.type, { command: "chainrule.verifyGradient", arguments: [{ uri: wrongUri, gradient: "dLoss_dx" }] });
    let d;
    for (let i = from; !d; i = client.diagnostics.all.length) {
      const ds = await client.nextDiagnostics(wrongUri, i);
      d = ds.find((x) => x.code === "gradient-mismatch");
    }
    assert.equal(textOf(wrong, d.range), "sub(2, h)");
    assert.match(d.message as string, /The wrong factor: `sub\(2, h\)` is wrong: at this point the chain has 1 − h/);
  } finally {
    await client.stop();
  }
});
