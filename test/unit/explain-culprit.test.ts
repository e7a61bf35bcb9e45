// The wrong factor named: verify on gradients with one wrong factor each (test/explain/wrong.ts,
// each marked `// wrong: …`) gives a culprit whose range lies on that factor and is smaller than the
// returned expression, with the chain's step at that point; text output prints it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { renderReport } from "../../client/verify/report-html";
import { Workspace } from "../../src/analysis/workspace";
import { textLine } from "../../src/verify/report";
import { VerifySession } from "../../src/verify/session";
import { verify, type CheckResult } from "../../src/verify/index";

const root = path.resolve(__dirname, "../..");
const rel = "test/explain/wrong.ts";
const lines = readFileSync(path.join(root, rel), "utf8").split("\n");

/** Where `// wrong: text` marks the factor, and the whole expression of that line's statement. */
function marked(line: number): { factor: [number, number]; whole: [number, number] } {
  const l = lines[line]!;
  const m = /\/\/ wrong: (.*)$/.exec(l);
  assert.ok(m, `the culprit is on line ${line + 1}, which has no // wrong: marker: ${l}`);
  const start = l.indexOf(m[1]!);
  const from = l.includes("return ") ? l.indexOf("return ") + "return ".length : l.indexOf("= ") + 2;
  return { factor: [start, start + m[1]!.length], whole: [from, l.lastIndexOf(";", m.index)] };
}

describe("culprits of one-wrong-factor gradients", () => {
  let checks: CheckResult[];
  before(async () => (checks = (await verify([rel], { cwd: root })).checks));

  test("every check fails and names a culprit on its marked factor, smaller than the whole expression", () => {
    assert.equal(checks.length, 7);
    for (const c of checks) {
      assert.equal(c.status, "fail", `${c.gradient}: ${c.message}`);
      const k = c.culprit;
      assert.ok(k, `${c.gradient}: no culprit`);
      const { factor, whole } = marked(k.range.start.line);
      assert.equal(k.range.start.line, k.range.end.line);
      assert.ok(factor[0] <= k.range.start.character && k.range.end.character <= factor[1],
        `${c.gradient}: culprit ${k.expr} at ${k.range.start.character}-${k.range.end.character} is not within the factor at ${factor}`);
      assert.ok(k.range.end.character - k.range.start.character < whole[1] - whole[0], `${c.gradient}: the culprit is the whole expression`);
      assert.equal(lines[k.range.start.line]!.slice(k.range.start.character, k.range.end.character), k.expr);
      assert.match(k.message, /is wrong: at this point the chain has /);
    }
  });

  test("the chain's expected value at the culprit, in the derivation's words", () => {
    const by = new Map(checks.map((c) => [c.gradient, c.culprit!]));
    assert.deepEqual([by.get("twoMinusH")!.expr, by.get("twoMinusH")!.expected, by.get("twoMinusH")!.step], ["sub(2, h)", "1 − h", "∂t1 = ∂h ⊙ h ⊙ (1 − h)"]);
    assert.equal(by.get("missingFactor")!.expected, "∂h ⊙ h ⊙ (1 − h)");
    assert.equal(by.get("inTemplate")!.expr, "1 + ${h}");
    assert.equal(by.get("inTemplate")!.expected, "1 − h");
    // The gradient's own names: F's tanh(x @ W) is the gradient's a.
    assert.equal(by.get("tanhDerivative")!.step, "∂t1 = ∂a ⊙ (1 − a ⊙ a)");
  });

  test("the editor: the finding sits on the culprit and says it; the report shows it", async () => {
    const c = checks.find((x) => x.gradient === "twoMinusH")!;
    const ws = new Workspace();
    const file = path.join(root, rel);
    const session = new VerifySession({ analysis: (f) => ws.analyze(f), version: () => 1, openText: () => undefined, gradientsAt: () => [] });
    session.trusted = true;
    session.roots = [root];
    const plan = session.plan({ scope: "file", file, gradient: "twoMinusH" });
    assert.ok(!("refused" in plan), "refused" in plan ? plan.refused : "");
    const run = await session.run(plan);
    assert.deepEqual(run.checks.map((r) => [r.gradient, r.status]), [["twoMinusH", "fail"]]);
    const [f, ...rest] = session.findings(file, ws.analyze(file));
    assert.equal(rest.length, 0);
    assert.deepEqual(f!.range, c.culprit!.range);
    assert.match(f!.message, /The wrong factor: `sub\(2, h\)` is wrong: at this point the chain has 1 − h/);
    // Edited since the run: the factor's old place may be anything now, so the finding goes on the name.
    let version = 1;
    const edited = new VerifySession({ analysis: (f) => ws.analyze(f), version: () => version, openText: () => undefined, gradientsAt: () => [] });
    edited.trusted = true;
    edited.roots = [root];
    await edited.run(plan);
    version = 2;
    const pairing = ws.analyze(file).gradients.find((g) => g.gradient === "twoMinusH")!;
    assert.deepEqual(edited.findings(file, ws.analyze(file))[0]!.range, pairing.range);
    const html = renderReport(c);
    assert.match(html, /<div class="culprit"><span class="label">the wrong factor<\/span>/);
    assert.match(html, /<code class="wrong">sub\(2, h\)<\/code> <span class="dim">at test\/explain\/wrong\.ts:17:45<\/span>/);
    assert.match(html, /<code class="right">1 − h<\/code>/);
  });

  test("text output prints the culprit with the failure, at its position, still one line per check", () => {
    const c = checks.find((x) => x.gradient === "twoMinusH")!;
    const text = textLine(c);
    assert.ok(!text.includes("\n"));
    assert.match(text, /; the wrong factor, at test\/explain\/wrong\.ts:17:45: `sub\(2, h\)` is wrong: at this point the chain has 1 − h \(in ∂t1 = ∂h ⊙ h ⊙ \(1 − h\)\)$/);
  });
});

test("a passing check has no culprit field; a check that errors neither", async () => {
  const { checks } = await verify(["examples/seed.ts"], { cwd: root });
  for (const c of checks) assert.equal("culprit" in c, false);
});
