// The math template evaluated: shape inference with positioned problems (what the analyzer turns
// into diagnostics), a symbolic algebra, the runtime tag `t` (results, errors, cache, tape), the
// position scheme mapped back to a TypeScript file, and a property test against the method API.
import assert from "node:assert/strict";
import { test } from "node:test";
import ts from "typescript";
import type { Algebra } from "../../src/ops/types";
import * as cr from "../../src/runtime/index";
import { record } from "../../src/runtime/tape";
import { parsedTemplate, TemplateError } from "../../src/runtime/template";
import { Tensor } from "../../src/runtime/tensor";
import {
  analyzeTemplate,
  evaluateTemplate,
  inferTemplateShapes,
  parseTemplate,
  ParsedTemplate,
  templateSpanToOffsets,
  TemplateSpan,
} from "../../src/template/index";

const { t, tensor, randn, seed: seedRandom, ShapeError } = cr;

function P(strings: TemplateStringsArray, ..._values: unknown[]): ParsedTemplate {
  return parseTemplate(strings.raw);
}

function at(s: TemplateSpan): string {
  return `${s.start.part}:${s.start.offset}-${s.end.part}:${s.end.offset}`;
}

// The seed network's shapes: yhat, y [1,K]; W2 [H,K]; h [1,H]; W1 [D,H].
const SEED_SHAPES = [[1, "K"], [1, "K"], ["H", "K"], [1, "H"], [1, "H"], ["D", "H"]] as const;

test("shape inference through the seed's gradient gives ∂L/∂x its shape [1,D]", () => {
  const p = P`(${0} - ${1}) @ ${2}ᵀ ⊙ ${3} ⊙ (1 - ${4}) @ ${5}ᵀ`;
  const r = inferTemplateShapes(p.root, SEED_SHAPES);
  assert.deepEqual(r.shape, [1, "D"]);
  assert.deepEqual(r.problems, []);
  const root = r.nodes[p.root!.id]!;
  assert.equal(root.op, "matmul");
  assert.deepEqual(root.operands, [[1, "H"], ["H", "D"]]);
  const one = p.nodes.find((n) => n.kind === "number")!;
  assert.deepEqual(r.nodes[one.id]!.shape, []);
});

test("the seed's confusion, @ where ⊙ belongs, is one matmul-mismatch at that operator", () => {
  const p = P`(${0} - ${1}) @ ${2}ᵀ @ (${3} ⊙ (1 - ${4})) @ ${5}ᵀ`;
  const r = inferTemplateShapes(p.root, SEED_SHAPES);
  assert.equal(r.problems.length, 1, "a problem must not cascade to the nodes above it");
  const [pr] = r.problems;
  assert.equal(pr!.severity, "error");
  assert.equal(pr!.problem.code, "matmul-mismatch");
  assert.equal(pr!.problem.message, "matmul [1,H] @ [1,H]: inner dimensions H and 1 differ");
  assert.equal(at(pr!.opSpan), "3:2-3:3", "the second @, in the part 'ᵀ @ ('");
  assert.equal(at(pr!.span), "0:0-5:2");
  assert.deepEqual(pr!.operandSpans.map(at), ["0:0-3:1", "3:4-5:2"]);
  assert.equal(r.shape, null);
});

test("a broadcast that stretches both operands is a warning, and the shape goes on", () => {
  const p = P`${0} ⊙ ${1} + 1`;
  const r = inferTemplateShapes(p.root, [[1, "H"], ["H", 1]]);
  assert.deepEqual(r.shape, ["H", "H"]);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.severity, "warning");
  assert.equal(r.problems[0]!.problem.code, "broadcast-expands");
  assert.equal(at(r.problems[0]!.opSpan), "1:1-1:2");
});

test("rank problems of ᵀ, diag and calls point at the operator or the function name", () => {
  const p = P`diag(${0}) + ${1}ᵀ`;
  const r = inferTemplateShapes(p.root, [["N", "N"], []]);
  assert.deepEqual(r.problems.map((x) => [x.problem.code, at(x.opSpan)]), [
    ["rank-mismatch", "0:0-0:4"],
    ["rank-mismatch", "2:0-2:1"],
  ]);
});

test("unknown operand shapes never produce a problem; missing ones count as unknown", () => {
  const p = P`(${0} - ${1}) @ ${2}ᵀ ⊙ σ(${3})`;
  assert.deepEqual(inferTemplateShapes(p.root, [null, [1, "K"]]).problems, []);
  assert.deepEqual(inferTemplateShapes(null, []), { shape: null, nodes: [], problems: [] });
});

test("shapes are still inferred around a syntax error", () => {
  const p = P`${0} ${1} @ ${2}`;
  assert.equal(p.errors.length, 1);
  const r = inferTemplateShapes(p.root, [[1, 2], [2, 3], [4, 5]]);
  assert.deepEqual(r.problems.map((x) => x.problem.code), []);
  const bad = P`(${0} ${1}) + ${2} @ ${3}`;
  const r2 = inferTemplateShapes(bad.root, [[1, 2], [2, 3], [2, 3], [4, 5]]);
  assert.deepEqual(r2.problems.map((x) => x.problem.code), ["matmul-mismatch"]);
});

test("evaluateTemplate over a symbolic algebra renders the method calls", () => {
  const sym: Algebra<string> = {
    apply: (name, args) => `${name}(${args.join(", ")})`,
    constant: (x) => String(x),
    shapeOf: () => null,
  };
  const p = P`(${0} - ${1}) @ ${2}ᵀ ⊙ ${3} ⊙ (1 - ${4}) @ ${5}.T / σ(-${6})`;
  assert.equal(
    evaluateTemplate(p.root!, ["yhat", "y", "W2", "h", "h", "W1", "z"], sym),
    "div(matmul(mul(mul(matmul(sub(yhat, y), transpose(W2)), h), sub(1, h)), transpose(W1)), sigmoid(neg(z)))",
  );
  assert.throws(() => evaluateTemplate(P`${0} ${1}`.root!, ["a", "b"], sym), /syntax errors/);
});

test("t computes what the method form computes, on the seed's network", () => {
  seedRandom(7);
  const [D, H, K] = [4, 3, 5];
  const x = randn([1, D]);
  const W1 = randn([D, H]);
  const b1 = randn([1, H]);
  const W2 = randn([H, K]);
  const b2 = randn([1, K]);
  const y = tensor([[0, 0, 1, 0, 0]]);
  const h = t`σ(${x} @ ${W1} + ${b1})`;
  const yhat = t`softmax(${h} @ ${W2} + ${b2})`;
  const dx = t`(${yhat} - ${y}) @ ${W2}ᵀ ⊙ ${h} ⊙ (1 - ${h}) @ ${W1}ᵀ`;
  const want = yhat.sub(y).matmul(W2.T).mul(h.mul(cr.sub(1, h))).matmul(W1.T);
  assert.deepEqual(h.shape, [1, H]);
  assert.deepEqual(dx.shape, [1, D]);
  assert.deepEqual(Array.from(dx.data), Array.from(want.data));
});

test("number interpolations and literals are scalars", () => {
  const a = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(t`${a} * ${2} + 0.5`.toArray(), [[2.5, 4.5], [6.5, 8.5]]);
  assert.deepEqual(t`sum(${a}) / ${4}`.shape, []);
  assert.equal(t`sum(${a}) / ${4}`.item(), 2.5);
  assert.equal(t`2 * 3`.item(), 6);
});

test("a shape error from t is the method API's ShapeError, word for word", () => {
  const a = tensor([[1, 2, 3]]);
  let methodError: unknown;
  try {
    a.matmul(a);
  } catch (e) {
    methodError = e;
  }
  assert.throws(() => t`${a} @ ${a}`, (e: unknown) => {
    assert.ok(e instanceof ShapeError);
    assert.equal(e.message, (methodError as Error).message);
    assert.equal(e.message, "matmul [1,3] @ [1,3]: inner dimensions 3 and 1 differ");
    return true;
  });
});

test("a syntax error throws a TemplateError with the message and a caret under the spot", () => {
  const a = tensor([[1]]);
  assert.throws(() => t`(${a})(${a})`, (e: unknown) => {
    assert.ok(e instanceof TemplateError);
    assert.equal(e.code, "template-syntax");
    assert.equal(
      e.message,
      "chainrule: t`…` does not parse: expected an operator between operands, found '(': write @ (matmul) or ⊙ (element-wise); there is no implicit multiplication\n" +
        "  t`(${…})(${…})`\n" +
        "          ^",
    );
    return true;
  });
  assert.throws(() => t`${a} @ foo(${a})`, /unknown function 'foo'[^\n]*\n {2}t`\$\{…\} @ foo\(\$\{…\}\)`\n {11}\^\^\^$/);
  // In a template over several lines, the excerpt is the line where the error starts.
  assert.throws(
    () => t`${a} @
    ${a} ${a}`,
    /\n {6}\$\{…\} \$\{…\}`\n {11}\^\^\^\^$/,
  );
  assert.throws(() => t`   `, /empty template/);
});

test("an interpolation that is neither a Tensor nor a number is a TypeError naming it", () => {
  const a = tensor([[1]]);
  const bad = [[1, 2]] as unknown as Tensor;
  assert.throws(() => t`${a} + ${bad}`, /interpolation 2 is an array \(wrap it with tensor\(…\)\)/);
});

test("t parses each template once: the cache is keyed by the call site's strings array", () => {
  const grab = (s: TemplateStringsArray, ..._v: unknown[]) => s;
  const site = () => grab`${0} @ ${1}ᵀ`;
  const sameText = () => grab`${0} @ ${1}ᵀ`;
  assert.equal(site(), site(), "JavaScript hands one strings array per call site");
  const first = parsedTemplate(site());
  assert.equal(parsedTemplate(site()), first);
  assert.notEqual(parsedTemplate(sameText()), first, "another call site is another cache entry");
  // And t itself reads the cached tree: a template in a loop returns fresh results each time.
  const a = tensor([[1, 2]]);
  const results = [1, 2].map((k) => t`${a} * ${k}`);
  assert.deepEqual(results.map((r) => Array.from(r.data)), [[1, 2], [2, 4]]);
});

test("t records on the tape exactly the ops the method form records", () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[0.5, -1], [2, 0]]);
  const viaTemplate = record(() => t`σ(${a} @ ${b}ᵀ) - 1`).nodes.map((n) => n.op);
  const viaMethods = record(() => a.matmul(b.T).sigmoid().sub(1)).nodes.map((n) => n.op);
  assert.deepEqual(viaTemplate, viaMethods);
});

/** What the analyzer's adapter does with a TaggedTemplateExpression: the parts' file text and starts. */
function templateParts(source: string): { parts: string[]; partStarts: number[] } {
  const file = ts.createSourceFile("x.ts", source, ts.ScriptTarget.ES2022, true);
  let found: ts.TaggedTemplateExpression | undefined;
  const find = (n: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(n)) found ??= n;
    n.forEachChild(find);
  };
  find(file);
  const tpl = found!.template;
  const literals = ts.isTemplateExpression(tpl) ? [tpl.head, ...tpl.templateSpans.map((s) => s.literal)] : [tpl];
  const partStarts = literals.map((l) => l.getStart() + 1);
  const parts = literals.map((l, i) => source.slice(partStarts[i], l.getEnd() - (i === literals.length - 1 ? 1 : 2)));
  return { parts, partStarts };
}

test("the position scheme maps back to the file: part starts are after the backtick and each `}`", () => {
  const source = "const g = t`(${yhat} - ${y}) @ ${W2}ᵀ ${h}`;\n";
  const { parts, partStarts } = templateParts(source);
  assert.deepEqual(parts, ["(", " - ", ") @ ", "ᵀ ", ""]);
  const p = parseTemplate(parts);
  const e = p.errors[0]!;
  const { start, end } = templateSpanToOffsets(e.span, partStarts);
  assert.equal(source.slice(start, end), "${h}");
  const mm = p.nodes.find((n) => n.kind === "binary" && n.token === "@")!;
  const r = templateSpanToOffsets(mm.kind === "binary" ? mm.opSpan : mm.span, partStarts);
  assert.equal(source.slice(r.start, r.end), "@");
  const whole = templateSpanToOffsets(mm.span, partStarts);
  assert.equal(source.slice(whole.start, whole.end), "(${yhat} - ${y}) @ ${W2}ᵀ");
  // At run time the parts are `strings.raw`, the same text.
  const grab = (s: TemplateStringsArray, ..._v: unknown[]) => s.raw;
  const [yhat, y, W2, h] = [0, 0, 0, 0];
  assert.deepEqual(grab`(${yhat} - ${y}) @ ${W2}ᵀ ${h}`, parts);
});

test("analyzeTemplate: the seed's bug as diagnostics in file offsets, and op infos for hovers", () => {
  const source = "return t`(${yhat} - ${y}) @ ${W2}ᵀ @ (${h} ⊙ (1 - ${h})) @ ${W1}ᵀ`;";
  const { parts, partStarts } = templateParts(source);
  const a = analyzeTemplate(parts, partStarts, SEED_SHAPES);
  assert.equal(a.diagnostics.length, 1);
  const d = a.diagnostics[0]!;
  assert.equal(d.code, "matmul-mismatch");
  assert.equal(source.slice(d.start, d.end), "(${yhat} - ${y}) @ ${W2}ᵀ @ (${h} ⊙ (1 - ${h}))");
  assert.equal(source.slice(d.opStart, d.opEnd), "@");
  assert.equal(d.opStart, source.indexOf("@ (${h}"));
  const hadamard = a.ops.find((o) => o.token === "⊙")!;
  assert.deepEqual([hadamard.op, hadamard.shape, hadamard.operands], ["mul", [1, "H"], [[1, "H"], [1, "H"]]]);
  assert.equal(source.slice(hadamard.opStart, hadamard.opEnd), "⊙");
  assert.equal(a.prov, "t`…` → [?]");
});

test("analyzeTemplate: syntax errors are template-syntax, never empty ranges, with the insertion point", () => {
  const src1 = "const g = t`${a} ${b}`;";
  const p1 = templateParts(src1);
  const [d] = analyzeTemplate(p1.parts, p1.partStarts, [[1, 2], [2, 3]]).diagnostics;
  assert.equal(d!.code, "template-syntax");
  assert.equal(d!.syntax, "implicit-multiplication");
  assert.equal(src1.slice(d!.start, d!.end), "${b}");
  assert.equal(src1.slice(0, d!.insertAt), "const g = t`${a}");
  const src2 = "const g = t`${a} @`;";
  const p2 = templateParts(src2);
  const a2 = analyzeTemplate(p2.parts, p2.partStarts, [[1, 2]]);
  assert.equal(src2.slice(a2.diagnostics[0]!.start, a2.diagnostics[0]!.end), "`", "an error at the end covers the backtick");
  assert.equal(a2.shape, null);
  const p3 = templateParts("const g = t`2 * 3`;");
  const a3 = analyzeTemplate(p3.parts, p3.partStarts, []);
  assert.deepEqual([a3.shape, a3.prov, a3.diagnostics], [[], "t`…` → []", []]);
});
