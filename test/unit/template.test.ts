// The math template's parser: structure and precedence, every operator and spelling, positions,
// and the syntax errors (kind, message, where), including that no input makes it throw.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  parseTemplate,
  printTemplate,
  ParsedTemplate,
  TemplateNode,
  TemplateSpan,
  TemplateSyntaxError,
} from "../../src/template/index";

/** Parse a template literal as written here: its interpolations' values are ignored. */
function P(strings: TemplateStringsArray, ..._values: unknown[]): ParsedTemplate {
  return parseTemplate(strings.raw);
}

/** A tree as an S-expression: `(@ $0 (ᵀ $1))`; parentheses are transparent, calls show the name as written. */
function sx(node: TemplateNode | null): string {
  if (node === null) return "null";
  switch (node.kind) {
    case "operand": return `$${node.index}`;
    case "number": return node.text;
    case "paren": return sx(node.expr);
    case "binary": return `(${node.token} ${sx(node.left)} ${sx(node.right)})`;
    case "unary": return `(${node.op === "neg" ? "neg" : node.token} ${sx(node.operand)})`;
    case "power": return `(^ ${sx(node.operand)} ${node.exponentText})`;
    case "call": return `(${node.name} ${node.args.map(sx).join(" ")})`;
    case "error": return `(error ${node.children.map(sx).join(" ")})`;
  }
}

function ok(p: ParsedTemplate): string {
  assert.deepEqual(p.errors, [], "unexpected syntax errors");
  return sx(p.root);
}

/** `part:offset-part:offset`, compact for assertions. */
function at(s: TemplateSpan): string {
  return `${s.start.part}:${s.start.offset}-${s.end.part}:${s.end.offset}`;
}

function only(p: ParsedTemplate): TemplateSyntaxError {
  assert.equal(p.errors.length, 1, `errors: ${p.errors.map((e) => e.message).join(" | ")}`);
  return p.errors[0]!;
}

const seed = P`(${0} - ${1}) @ ${2}ᵀ ⊙ ${3} ⊙ (1 - ${4}) @ ${5}ᵀ`;

test("the seed's gradient: @ ⊙ * / share one left-associative level, below which + - bind", () => {
  assert.equal(ok(seed), "(@ (⊙ (⊙ (@ (- $0 $1) (ᵀ $2)) $3) (- 1 $4)) (ᵀ $5))");
  assert.equal(seed.operandCount, 6);
});

test("each binary operator maps to its catalog op and keeps the token written", () => {
  const cases = [["@", "matmul"], ["⊙", "mul"], ["*", "mul"], ["/", "div"], ["+", "add"], ["-", "sub"]] as const;
  for (const [token, op] of cases) {
    const p = parseTemplate(["", ` ${token} `, ""]);
    assert.deepEqual(p.errors, []);
    const root = p.root!;
    assert.equal(root.kind, "binary");
    if (root.kind !== "binary") continue;
    assert.equal(root.op, op);
    assert.equal(root.token, token);
    assert.equal(at(root.opSpan), "1:1-1:2");
  }
});

test("precedence and associativity, as NumPy", () => {
  assert.equal(ok(P`${0} + ${1} @ ${2}`), "(+ $0 (@ $1 $2))");
  assert.equal(ok(P`${0} @ ${1} + ${2}`), "(+ (@ $0 $1) $2)");
  assert.equal(ok(P`${0} - ${1} - ${2}`), "(- (- $0 $1) $2)");
  assert.equal(ok(P`${0} / ${1} * ${2}`), "(* (/ $0 $1) $2)");
  assert.equal(ok(P`${0} @ ${1} / ${2} ⊙ ${3}`), "(⊙ (/ (@ $0 $1) $2) $3)");
  assert.equal(ok(P`${0} - ${1} * ${2} + ${3}`), "(+ (- $0 (* $1 $2)) $3)");
  assert.equal(ok(P`${0} @ (${1} + ${2})`), "(@ $0 (+ $1 $2))");
});

test("prefix minus binds tighter than @ and looser than ᵀ", () => {
  assert.equal(ok(P`-${0} @ ${1}`), "(@ (neg $0) $1)");
  assert.equal(ok(P`-${0}ᵀ`), "(neg (ᵀ $0))");
  assert.equal(ok(P`${0} - -${1}`), "(- $0 (neg $1))");
  assert.equal(ok(P`${0} * -2`), "(* $0 (neg 2))");
  assert.equal(ok(P`--${0}`), "(neg (neg $0))");
});

test("postfix ᵀ and .T, repeated and after parentheses and calls", () => {
  assert.equal(ok(P`${0}ᵀ.T`), "(.T (ᵀ $0))");
  assert.equal(ok(P`(${0} @ ${1})ᵀ`), "(ᵀ (@ $0 $1))");
  assert.equal(ok(P`σ(${0}).T`), "(.T (σ $0))");
  assert.equal(ok(P`${0}.T@${1}`), "(@ (.T $0) $1)");
});

test("calls: σ is sigmoid; unary ops, reductions and binary ops by catalog name", () => {
  const p = P`σ(${0}) + sigmoid(${1})`;
  assert.equal(ok(p), "(+ (σ $0) (sigmoid $1))");
  const calls = p.nodes.filter((n) => n.kind === "call");
  assert.deepEqual(calls.map((c) => c.kind === "call" && [c.op, c.name]), [["sigmoid", "σ"], ["sigmoid", "sigmoid"]]);
  for (const name of ["tanh", "relu", "exp", "log", "softmax", "logSoftmax", "sum", "mean", "diag", "transpose", "neg"]) {
    assert.equal(ok(parseTemplate([`${name}(`, ")"])), `(${name} $0)`);
  }
  assert.equal(ok(P`outer(${0}, ${1}) + crossEntropy(${2}, ${3})`), "(+ (outer $0 $1) (crossEntropy $2 $3))");
  assert.equal(ok(P`sum(${0} ⊙ ${1}) / mean(${2})`), "(/ (sum (⊙ $0 $1)) (mean $2))");
});

test("number literals in every spelling, as scalars", () => {
  const p = P`1 + 0.5 + .5 + 1e-3 + 2.5E+2 + 1.`;
  assert.equal(ok(p), "(+ (+ (+ (+ (+ 1 0.5) .5) 1e-3) 2.5E+2) 1.)");
  const values = p.nodes.flatMap((n) => (n.kind === "number" ? [n.value] : []));
  assert.deepEqual(values, [1, 0.5, 0.5, 0.001, 250, 1]);
  assert.equal(ok(P`2.T`), "(.T 2)");
  assert.equal(ok(P`${0}`), "$0");
});

test("whitespace of any kind, newlines and CRLF included, is insignificant", () => {
  assert.equal(ok(parseTemplate(["(", "\r\n  - ", ")\t@\n", "ᵀ"])), "(@ (- $0 $1) (ᵀ $2))");
});

test("positions: (part, offset) into the parts; an interpolation spans from the end of its part to the next", () => {
  const root = seed.root!;
  assert.equal(root.kind, "binary");
  if (root.kind !== "binary") return;
  // ") @ " is part 5; its @ is at offset 2.
  assert.equal(at(root.opSpan), "5:2-5:3");
  assert.equal(at(root.span), "0:0-6:1");
  assert.equal(root.right.kind, "unary");
  assert.equal(at(root.right.span), "5:4-6:1");
  const w1 = seed.nodes.find((n) => n.kind === "operand" && n.index === 5)!;
  assert.equal(at(w1.span), "5:4-6:0");
  const paren = seed.nodes.find((n) => n.kind === "paren")!;
  assert.equal(at(paren.span), "0:0-2:1");
  const call = P`2 * σ(${0})`.nodes.find((n) => n.kind === "call")!;
  assert.equal(call.kind === "call" && at(call.nameSpan), "0:4-0:5");
  assert.equal(at(call.span), "0:4-1:1");
});

test("node ids index `nodes`, children before parents", () => {
  for (const n of seed.nodes) assert.equal(seed.nodes[n.id], n);
  assert.equal(seed.root!.id, seed.nodes.length - 1);
});

test("implicit multiplication is an error that says which operator to write, and where", () => {
  const e = only(P`(${0})(${1})`);
  assert.equal(e.kind, "implicit-multiplication");
  assert.match(e.message, /^expected an operator between operands, found '\(': write @ \(matmul\) or ⊙ \(element-wise\)/);
  assert.equal(at(e.span), "1:1-1:2");
  assert.deepEqual(e.insertAt, { part: 1, offset: 1 });

  const f = only(P`${0} ${1}`);
  assert.equal(f.kind, "implicit-multiplication");
  assert.match(f.message, /found an interpolation \$\{…\}/);
  assert.equal(at(f.span), "1:1-2:0");
  assert.deepEqual(f.insertAt, { part: 1, offset: 0 });

  assert.equal(only(P`2${0}`).kind, "implicit-multiplication");
  assert.equal(only(P`${0} σ(${1})`).kind, "implicit-multiplication");
});

test("recovery keeps both sides of an implicit multiplication and what follows", () => {
  const p = P`${0} ${1} @ ${2}`;
  assert.equal(sx(p.root), "(@ (error $0 $1) $2)");
});

test("unclosed and unmatched parentheses", () => {
  const e = only(P`(${0} @ ${1}`);
  assert.equal(e.kind, "unclosed-paren");
  assert.equal(e.message, "'(' is not closed: expected ')', the template ends first");
  assert.equal(at(e.span), "0:0-0:1");
  const c = only(P`sigmoid(${0}`);
  assert.equal(c.kind, "unclosed-paren");
  assert.match(c.message, /^'sigmoid\(' is not closed/);

  const u = only(P`${0}) + ${1}`);
  assert.equal(u.kind, "unmatched-paren");
  assert.equal(at(u.span), "1:0-1:1");
  assert.equal(sx(P`${0}) + ${1}`.root), "(+ $0 $1)");
});

test("unknown functions and names", () => {
  const e = only(P`foo(${0}) + 1`);
  assert.equal(e.kind, "unknown-function");
  assert.match(e.message, /^unknown function 'foo': known functions: abs, add, crossEntropy, .*σ$/);
  assert.equal(at(e.span), "0:0-0:3");
  assert.equal(only(P`softmx(${0})`).message, "unknown function 'softmx': did you mean softmax?");
  assert.equal(only(P`Sigmoid(${0})`).message, "unknown function 'Sigmoid': did you mean sigmoid?");

  const n = only(P`x @ ${0}`);
  assert.equal(n.kind, "unknown-name");
  assert.match(n.message, /operands are interpolations/);
  assert.equal(only(P`${0}T`).message, "unknown name 'T': write ᵀ or .T for a transpose");

  const c = only(P`σ ${0}`);
  assert.equal(c.kind, "expected-call");
  assert.equal(c.message, "σ is a function: write σ(…)");
});

test("empty templates and missing operands", () => {
  for (const p of [P``, P`   `]) {
    assert.equal(p.root, null);
    assert.equal(only(p).kind, "empty");
  }
  const end = only(P`${0} @`);
  assert.equal(end.kind, "expected-operand");
  assert.match(end.message, /^expected an operand after '@', found the end of the template/);
  assert.equal(at(end.span), "1:2-1:2");
  const start = only(P`@ ${0}`);
  assert.match(start.message, /^expected an operand at the start of the template, found '@'/);
  assert.equal(only(P`${0} @ ()`).message, "empty parentheses: expected an expression inside ( )");
  assert.equal(only(P`ᵀ`).message, "ᵀ needs an operand before it, as in ${W}ᵀ");
});

test("calls with the wrong number of operands", () => {
  const e = only(P`sum(${0}, 1)`);
  assert.equal(e.kind, "wrong-arity");
  assert.equal(e.message, "sum takes 1 operand in a template, got 2; for a reduction over an axis write sum(x, axis) outside the template");
  assert.equal(at(e.span), "0:0-1:4");
  assert.equal(only(P`outer(${0})`).message, "outer takes 2 operands in a template, got 1");
  assert.equal(only(P`sigmoid()`).message, "sigmoid takes 1 operand in a template, got 0");
});

test("characters that are not part of the notation, with hints for the usual confusions", () => {
  const x = only(P`${0} × ${1}`);
  assert.equal(x.kind, "unexpected-character");
  assert.equal(x.message, "unexpected character '×': write @ (matmul) or ⊙ (element-wise) for a product");
  assert.equal(at(x.span), "1:1-1:2");
  assert.match(only(P`${0} ** 2`).message, /there is no \*\* operator: write \^ for a power/);
  assert.match(only(P`${0} − ${1}`).message, /ASCII hyphen-minus/);
  assert.equal(only(P`${0} \u2299 ${1}`).message, "escape sequence '\\u2299' is not supported in a math template: type ⊙ directly");
  assert.equal(only(P`${0}.sum`).message, "'.sum' is method syntax: write sum(…) in a math template");
  assert.equal(only(P`${0}.x`).message, "unexpected '.x': only .T (transpose) may follow an operand");
  assert.match(only(P`${0}, ${1}`).message, /^unexpected ',': only a call takes several operands/);
});

test("errors come in source order", () => {
  const p = P`(${0} ${1} @ foo(${2})`;
  assert.deepEqual(p.errors.map((e) => e.kind), ["unclosed-paren", "implicit-multiplication", "unknown-function"]);
});

test("printTemplate writes the tree back with the parentheses precedence needs", () => {
  const name = (i: number) => "${" + "abcdef"[i] + "}";
  assert.equal(printTemplate(seed.root!, name), "(${a} - ${b}) @ ${c}ᵀ ⊙ ${d} ⊙ (1 - ${e}) @ ${f}ᵀ");
  for (const src of [["", " - (", " - ", ")"], ["-(", " @ ", ")ᵀ"], ["outer(", ", ", ") / 2"]]) {
    const p = parseTemplate(src);
    const printed = printTemplate(p.root!, (i) => `$${i}`);
    const again = parseTemplate(printed.split(/\$\d/));
    assert.equal(sx(again.root), sx(p.root));
  }
});

test("the parser never throws, and every error span lies inside the template, in order", () => {
  const piece = fc.constantFrom(
    "@", "⊙", "*", "/", "+", "-", "ᵀ", ".T", "(", ")", ",", " ", "1", "2.5", ".", "σ", "sum", "foo", "x", "×", "\\", "\n", "**", "^", "^ 2", "^ -1",
  );
  const parts = fc.array(fc.array(piece, { maxLength: 6 }).map((xs) => xs.join("")), { minLength: 1, maxLength: 5 });
  fc.assert(
    fc.property(parts, (ps) => {
      const p = parseTemplate(ps);
      for (const e of p.errors) {
        for (const pos of [e.span.start, e.span.end]) {
          assert.ok(pos.part >= 0 && pos.part < ps.length && pos.offset >= 0 && pos.offset <= ps[pos.part]!.length, `${e.message} at ${at(e.span)}`);
        }
      }
      for (let i = 1; i < p.errors.length; i++) {
        const [a, b] = [p.errors[i - 1]!.span.start, p.errors[i]!.span.start];
        assert.ok(a.part < b.part || (a.part === b.part && a.offset <= b.offset));
      }
      // A template with no errors has a tree; one with a tree has every operand in it at most once.
      if (p.errors.length === 0) assert.notEqual(p.root, null);
      const seen = p.nodes.filter((n) => n.kind === "operand").map((n) => n.kind === "operand" && n.index);
      assert.equal(new Set(seen).size, seen.length);
    }),
    { numRuns: 2000 },
  );
});
