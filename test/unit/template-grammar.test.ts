// The TextMate injection grammar for t`…`: runs the comment-assert fixtures in test/grammar/cases
// with vscode-tmgrammar-test over VS Code's TypeScript grammar (vendored in test/grammar/vendor),
// and checks that the grammar's function names are the parser's.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { createRegistry, loadConfiguration } from "vscode-tmgrammar-test/dist/common/index.js";
import { parseGrammarTestCase, runGrammarTestCase } from "vscode-tmgrammar-test/dist/unit/index.js";
import { templateFunctionNames } from "../../src/template/functions";
import { parseTemplate } from "../../src/template/parser";

const root = path.resolve(__dirname, "../..");
const grammarDir = path.join(root, "test/grammar");
const casesDir = path.join(grammarDir, "cases");
const grammarFile = path.join(root, "syntaxes/chainrule-template.tmLanguage.json");

const { grammars } = loadConfiguration(path.join(grammarDir, "grammars.json"), undefined, undefined);
const registry = createRegistry(grammars);

const cases = readdirSync(casesDir).filter((f) => f.endsWith(".tmtest")).sort();

test("there are grammar fixtures to run", () => {
  assert.ok(cases.length >= 3, `fixtures in ${casesDir}: ${cases.join(", ")}`);
});

for (const file of cases) {
  test(`grammar fixture ${file}`, async () => {
    const testCase = parseGrammarTestCase(readFileSync(path.join(casesDir, file), "utf8"));
    const assertions = testCase.assertions.reduce((n, a) => n + a.scopeAssertions.length, 0);
    assert.ok(assertions > 0, "a fixture without assertions checks nothing");
    const failures = await runGrammarTestCase(registry, testCase);
    const report = failures.map((f) => {
      const line = testCase.source[f.srcLine] ?? "";
      return `line ${f.line + 1} [${f.start},${f.end}) "${line.slice(f.start, f.end)}"\n` +
        `  missing: ${f.missing.join(" ")}\n  unexpected: ${f.unexpected.join(" ")}\n  actual: ${f.actual.join(" ")}`;
    });
    assert.deepEqual(report, [], `${file}:\n${report.join("\n")}`);
  });
}

test("the grammar highlights exactly the functions the parser accepts", () => {
  const grammar = JSON.parse(readFileSync(grammarFile, "utf8")) as {
    repository: { math: { patterns: Array<{ name: string; match: string }> } };
  };
  const fn = grammar.repository.math.patterns.find((p) => p.name === "support.function.math.chainrule");
  assert.ok(fn, "no support.function pattern");
  const alternation = /\(\?:([^)]*)\)/.exec(fn.match.replace(/^\(\?<![^)]*\)/, ""));
  assert.ok(alternation, `cannot read the name list from ${fn.match}`);
  assert.deepEqual(alternation[1]!.split("|").sort(), templateFunctionNames());
});

test("the grammar is an injection into TypeScript that leaves ${…} to TypeScript", () => {
  const grammar = JSON.parse(readFileSync(grammarFile, "utf8")) as {
    scopeName: string;
    injectionSelector: string;
    repository: Record<string, { patterns?: Array<{ include?: string }> }>;
  };
  assert.equal(grammar.scopeName, "inline.chainrule-template");
  assert.match(grammar.injectionSelector, /^L:source\.ts /);
  const includes = grammar.repository["math-template"]!.patterns!.map((p) => p.include);
  assert.ok(includes.includes("source.ts#template-substitution-element"));
});

test("the snippets insert what the template's lexer reads as ⊙, ᵀ and σ(…)", () => {
  const file = path.join(root, "snippets/chainrule.code-snippets");
  const snippets = JSON.parse(readFileSync(file, "utf8")) as Record<string, { prefix: string[]; body: string; scope: string }>;
  const bodies = Object.fromEntries(Object.values(snippets).flatMap((s) => s.prefix.map((p) => [p, s.body])));
  assert.equal(bodies["\\odot"], "⊙");
  assert.equal(bodies["\\T"], "ᵀ");
  // Expanded with its placeholders' defaults, each body is (part of) a template that parses.
  const expand = (body: string) => body.replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, "$1").replace(/\$\{\d+:([^}]*)\}/g, "$1").replace(/\$\d/g, "").replace(/\\\$/g, "$");
  assert.deepEqual(parseTemplate(["", ` ${expand(bodies["\\odot"]!)} `, `${expand(bodies["\\T"]!)}`]).errors, []);
  assert.deepEqual(parseTemplate([expand(bodies["\\sigma"]!).replace("()", "("), ")"]).errors, []);
  const tmath = expand(bodies["tmath"]!);
  assert.equal(tmath, "t`${a} @ ${b}`");
  for (const s of Object.values(snippets)) assert.equal(s.scope, "typescript,typescriptreact");
});
