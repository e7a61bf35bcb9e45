// The template's `^` (DSL v2): a number-literal power binding tighter than `@ ⊙ * /` and prefix
// `-`, looser than `ᵀ`; its errors; printing; and evaluation as the catalog's pow.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as cr from "../../src/runtime/index";
import { t } from "../../src/runtime/template";
import { record } from "../../src/runtime/tape";
import { parseTemplate, printTemplate, type TemplateNode } from "../../src/template";

function sx(n: TemplateNode | null): string {
  if (!n) return "null";
  switch (n.kind) {
    case "operand": return `$${n.index}`;
    case "number": return n.text;
    case "paren": return sx(n.expr);
    case "binary": return `(${n.token} ${sx(n.left)} ${sx(n.right)})`;
    case "unary": return `(${n.op === "neg" ? "neg" : "ᵀ"} ${sx(n.operand)})`;
    case "power": return `(^ ${sx(n.operand)} ${n.exponentText})`;
    case "call": return `(${n.name} ${n.args.map(sx).join(" ")})`;
    case "error": return `(error ${n.children.map(sx).join(" ")})`;
  }
}

const parse = (...parts: string[]) => parseTemplate(parts);
function tree(...parts: string[]): string {
  const p = parse(...parts);
  assert.deepEqual(p.errors.map((e) => e.message), []);
  return sx(p.root);
}

test("^ binds tighter than the products and prefix minus, looser than the transpose", () => {
  assert.equal(tree("", " ^ 2 @ ", ""), "(@ (^ $0 2) $1)");
  assert.equal(tree("", " ⊙ ", " ^ 2"), "(⊙ $0 (^ $1 2))");
  assert.equal(tree("-", " ^ 2"), "(neg (^ $0 2))");
  assert.equal(tree("", "ᵀ ^ 2"), "(^ (ᵀ $0) 2)");
  assert.equal(tree("(", " + 1) ^ 0.5"), "(^ (+ $0 1) 0.5)");
  assert.equal(tree("", " ^ -1"), "(^ $0 -1)");
  assert.equal(tree("sqrt(", " ^ 2)"), "(sqrt (^ $0 2))");
  assert.equal(tree("(", " ^ 2) ^ 3"), "(^ (^ $0 2) 3)");
});

test("what ^ refuses, with messages that say what to write", () => {
  const only = (...parts: string[]) => {
    const p = parse(...parts);
    assert.equal(p.errors.length, 1, p.errors.map((e) => e.message).join("; "));
    return p.errors[0]!;
  };
  assert.match(only("", " ^ ", "").message, /^the exponent of \^ must be a number literal, as in \$\{x\} \^ 2; found an interpolation/);
  assert.equal(only("", " ^ 2 ^ 3").message, "'^' after a power is ambiguous: add parentheses, as in (a ^ 2) ^ 3");
  assert.equal(only("", " ^ 2ᵀ").message, "'ᵀ' after a power is ambiguous: add parentheses, as in (a ^ 2)ᵀ");
  assert.equal(only("^ 2").message, "^ needs an operand before it, as in ${x} ^ 2");
  assert.equal(only("", " ** 2").message, "there is no ** operator: write ^ for a power, as in ${x} ^ 2");
  assert.equal(only("pow(", ", 2)").kind, "unknown-function");
});

test("printTemplate keeps the parentheses ^ needs and round-trips", () => {
  for (const parts of [["(-", ") ^ 2"], ["-", " ^ 2"], ["(", " ^ 2) ^ 3"], ["(", " @ ", ") ^ 2"], ["", "ᵀ ^ -0.5"]]) {
    const p = parseTemplate(parts);
    const printed = printTemplate(p.root!, (i) => `$${i}`);
    assert.equal(sx(parseTemplate(printed.split(/\$\d/)).root), sx(p.root), printed);
  }
  assert.equal(printTemplate(parseTemplate(["(-", ") ^ 2"]).root!, () => "x"), "(-x) ^ 2");
});

test("t evaluates ^ as the catalog's pow, recorded with its exponent", () => {
  const x = cr.tensor([[1, 2], [3, 4]]);
  const { result, nodes } = record(() => t`${x} ^ 2 - ${x} ^ -1`);
  assert.deepEqual(Array.from(result.data), [1 - 1, 4 - 0.5, 9 - 1 / 3, 16 - 0.25]);
  assert.deepEqual(nodes.filter((n) => n.op === "pow").map((n) => n.attrs), [{ exponent: 2 }, { exponent: -1 }]);
  assert.deepEqual(Array.from(t`sqrt(${x}) + max(${x})`.data), [1 + 4, Math.SQRT2 + 4, Math.sqrt(3) + 4, 2 + 4]);
});

test("a reduction called with an axis inside a template says to write it outside", () => {
  const p = parse("max(", ", 1)");
  assert.equal(p.errors[0]!.message, "max takes 1 operand in a template, got 2; for a reduction over an axis write max(x, axis) outside the template");
});
