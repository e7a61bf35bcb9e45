// Core tests of what editors ask the analyzer about math templates: entries for the `${…}`
// operands (inlay hints, hovers) and where template math is (`inMathTemplate`, for completions),
// including half-typed and nested templates.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";

function ws(files: Record<string, string>): Workspace {
  const w = new Workspace({ readFile: (p) => files[p] });
  for (const [p, t] of Object.entries(files)) w.update(p, t);
  return w;
}

/** Position of the character just after the n-th `needle` (or `at` characters into it). */
function pos(text: string, needle: string, at = needle.length, occurrence = 0): { line: number; character: number } {
  let i = -1;
  for (let k = 0; k <= occurrence; k++) i = text.indexOf(needle, i + 1);
  assert.ok(i >= 0, `no ${needle}`);
  const before = text.slice(0, i + at).split("\n");
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

const HEAD = `import { Tensor, t } from "chainrule";\n`;

test("shapesIn lists each tensor ${…} with its range from $ to }, and skips numbers and unknowns", () => {
  const text = HEAD + `export function f(a: Tensor<[1, "D"]>, W: Tensor<["D", "H"]>, u: any) {\n  const h = t\`\${a} @ \${W} + \${2} * \${u.v}\`;\n  return h;\n}\n`;
  const w = ws({ "/f.ts": text });
  const line = text.split("\n")[2]!;
  const got = w.shapesIn("/f.ts").filter((i) => i.interpolation);
  assert.deepEqual(
    got.map((i) => [line.slice(i.range.start.character, i.range.end.character), i.name, i.shape, i.provenance, i.kind, i.range.start.line]),
    [["${a}", "a", [1, "D"], "annotation", "expression", 2], ["${W}", "W", ["D", "H"], "annotation", "expression", 2]],
  );
  // Declarations are listed as before, without the flag.
  assert.deepEqual(w.shapesIn("/f.ts").filter((i) => !i.interpolation).map((i) => i.name), ["h"]);
});

test("shapesIn's range limits interpolation entries too", () => {
  const text = HEAD + `export function f(a: Tensor<[1, "D"]>) {\n  const b = t\`\${a} ⊙ \${a}\`;\n  const c = t\`\${b}ᵀ\`;\n  return c;\n}\n`;
  const w = ws({ "/f.ts": text });
  const third = w.shapesIn("/f.ts", { start: { line: 3, character: 0 }, end: { line: 4, character: 0 } }).filter((i) => i.interpolation);
  assert.deepEqual(third.map((i) => [i.name, i.shape]), [["b", [1, "D"]]]);
});

test("hover on `$` of an interpolation gives the operand, on the operator the op, inside it the variable", () => {
  const text = HEAD + `export function f(a: Tensor<[1, "D"]>, W: Tensor<["H", "D"]>) {\n  return t\`\${a} @ \${W}ᵀ\`;\n}\n`;
  const w = ws({ "/f.ts": text });
  const dollar = w.shapeAt("/f.ts", pos(text, "${W}", 0));
  assert.equal(dollar?.interpolation, true);
  assert.deepEqual(dollar?.shape, ["H", "D"]);
  const op = w.shapeAt("/f.ts", pos(text, "} @", 2));
  assert.equal(op?.op, "matmul");
  assert.deepEqual(op?.operands, [[1, "D"], ["D", "H"]]);
  assert.deepEqual(op?.shape, [1, "H"]);
  const name = w.shapeAt("/f.ts", pos(text, "${W}", 2));
  assert.equal(name?.kind, "variable");
  assert.equal(name?.name, "W");
  assert.equal(name?.interpolation, undefined);
});

test("inMathTemplate: literal parts of chainrule templates only, both ends included", () => {
  const text = HEAD + [
    "export function f(a: Tensor<[1, \"D\"]>) {",
    "  const s = `${a} plain`;",
    "  const r = String.raw`x`;",
    "  const inner = t`${t`${a} ⊙ ${a}`} @ ${a}ᵀ`;",
    "  return inner;",
    "}",
    "",
  ].join("\n");
  const w = ws({ "/f.ts": text });
  const at = (needle: string, k = needle.length, occurrence = 0) => w.inMathTemplate("/f.ts", pos(text, needle, k, occurrence));
  assert.equal(at("t`$", 2), true, "right after the opening backtick");
  assert.equal(at("t`$", 1), false, "between the tag and the backtick");
  assert.equal(at("} @ "), true, "between two interpolations");
  assert.equal(at("} @ $", 4), true, "just before ${");
  assert.equal(at("${a}ᵀ`", 5), true, "just before the closing backtick");
  assert.equal(at("${a} ⊙", 3), false, "inside ${…}");
  assert.equal(at(" ⊙ "), true, "in the nested template's math");
  assert.equal(at("plain"), false, "an untagged template");
  assert.equal(at("raw`x"), false, "another tag");
  assert.equal(at("chainrule", 3), false, "a string");
});

test("inMathTemplate follows the import (an aliased t), not the name, and sees half-typed templates", () => {
  const aliased = `import { t as m } from "chainrule";\nconst t = String.raw;\nexport const a = m\`1 + 2\`;\nexport const b = t\`1 + 2\`;\n`;
  const w = ws({ "/a.ts": aliased, "/plain.ts": "const t = String.raw;\nexport const a = t`1 + 2`;\n", "/cut.ts": `${HEAD}const x = t\`1 + \\od` });
  assert.equal(w.inMathTemplate("/a.ts", pos(aliased, "m`1 +")), true);
  assert.equal(w.inMathTemplate("/a.ts", pos(aliased, "t`1 +")), false);
  assert.equal(w.inMathTemplate("/plain.ts", { line: 1, character: 20 }), false, "a file that does not import chainrule");
  assert.equal(w.inMathTemplate("/cut.ts", { line: 1, character: 19 }), true, "an unterminated template, at the end of the file");
  assert.equal(w.inMathTemplate("/missing.ts", { line: 0, character: 0 }), false);
});
