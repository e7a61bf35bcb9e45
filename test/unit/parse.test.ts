// src/analysis/parse.ts sets `parent` on every node itself (one walk over a shared stack) rather
// than through TypeScript's `setParentNodes`: the result must be the same tree with the same
// parents, JSDoc comments and their tags included, and a chain thousands of terms long must not
// overflow the stack.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { ts } from "ts-morph";
import { moduleText } from "../../bench/workspace";
import { parseFile } from "../../src/analysis/parse";

const root = path.join(__dirname, "..", "..");

/** Every node (JSDoc included) as kind, span and its parent's kind and span, in walk order. */
function parents(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const stack: ts.Node[] = [sf];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(`${ts.SyntaxKind[n.kind]} ${n.pos}-${n.end} in ${n.parent ? `${ts.SyntaxKind[n.parent.kind]} ${n.parent.pos}-${n.parent.end}` : "-"}`);
    for (const d of (n as { jsDoc?: ts.JSDoc[] }).jsDoc ?? []) stack.push(d);
    ts.forEachChild(n, (c) => {
      stack.push(c);
    });
  }
  return out;
}

const cases: Array<[string, string]> = [
  ...["examples/seed.ts", "examples/seed-template.ts", "examples/faulty-gradients.ts"].map((f): [string, string] => [f, readFileSync(path.join(root, f), "utf8")]),
  ["generated module", moduleText(7, 300)],
  ["JSDoc on statements, members and parameters", `/** @gradient f x\n * @dims D=4 */\nexport function g(/** p */ x: number) { return x; }\nclass C {\n  /** field */ w = 1;\n  /** @param a the input */ m(a: number) { return a; }\n}\n`],
  ["a syntax error", `const a = f(1, ;\n/** doc */ let b = [1, 2`],
];

for (const [name, text] of cases) {
  test(`parents as setParentNodes sets them: ${name}`, () => {
    const ours = parseFile("x.ts", text);
    const theirs = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const a = parents(ours);
    assert.ok(a.length > 10);
    assert.deepEqual(a, parents(theirs));
    assert.ok(a.slice(1).every((l) => !l.endsWith(" in -")), "every node below the file has a parent");
  });
}

test("a left-deep chain of 50,000 terms gets its parents without overflowing the stack", () => {
  const sf = parseFile("deep.ts", `const x = ${Array(50_000).fill("a").join(" + ")};`);
  const decl = (sf.statements[0] as ts.VariableStatement).declarationList.declarations[0]!;
  let n: ts.Expression = decl.initializer!;
  assert.equal(n.parent, decl);
  let depth = 0;
  while (ts.isBinaryExpression(n)) {
    assert.equal(n.left.parent, n);
    assert.equal(n.right.parent, n);
    n = n.left;
    depth++;
  }
  assert.ok(depth === 49_999, `depth ${depth}`);
});
