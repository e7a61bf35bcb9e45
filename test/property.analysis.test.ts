// Property tests of the analyzer's robustness and of incremental analysis: random truncations and
// character edits of the DSL examples never make it throw (nor fail inside, which it would
// swallow), and re-analysing after edits gives exactly what a fresh workspace gives, also when
// sliced analyses were cancelled part-way or the text changed under them.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { CancelledError, type CancellationToken, type FileAnalysis } from "../src/analysis/api";
import { textChange } from "../src/analysis/file-state";
import { Workspace } from "../src/analysis/workspace";
import { parseFixture, stripAnnotations } from "./helpers/fixture";

const fixtures = path.join(__dirname, "fixtures");
const seeds = ["examples/seed.ts", "examples/seed-bug.ts"].map((f) => readFileSync(path.join(__dirname, "..", f), "utf8"));
const cases = ["../../src/diagnostics/handlers/matmul-mismatch.fixture", "../../src/diagnostics/handlers/gradient-shape-mismatch.fixture",
  "inference.fixture", "../../src/diagnostics/handlers/annotation-mismatch.fixture", "template.fixture",
  "real/classes.fixture", "real/rnn.fixture", "real/batchnorm.fixture", "real/containers.fixture", "real/mlp.fixture", "real/generics.fixture",
  // DSL v2: dim expressions, list operands and literal attributes, half-typed.
  "ops/dims.fixture", "ops/layout.fixture", "ops/batched.fixture", "ops/template-v2.fixture", "ops/reduce-v2.fixture"].flatMap((f) =>
  parseFixture(readFileSync(path.join(fixtures, f), "utf8")).map((c) => stripAnnotations([...c.files.values()][0]!)),
);
const inputs = [...seeds, ...cases];
const FILE = "/p/main.ts";

/** Characters that matter to the parser and to the DSL. */
const alphabet = fc.constantFrom(..."()[]{}<>.,;:=`$'\"@!?*+-/ \n\tTxhWDH1092".split(""), "matmul", "mul", ".T", "=>", "Tensor<[", "/**", "*/", "@gradient ");

type Edit = { at: number; del: number; ins: string };
const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), ins: fc.array(alphabet, { maxLength: 3 }).map((a) => a.join("")) });

function apply(text: string, e: Edit): string {
  const at = e.at % (text.length + 1);
  return text.slice(0, at) + e.ins + text.slice(Math.min(text.length, at + e.del));
}

function sane(text: string, a: FileAnalysis): void {
  const lines = text.split("\n");
  const inDoc = (p: { line: number; character: number }) => p.line < lines.length && p.character <= lines[p.line]!.length;
  for (const d of a.diagnostics) {
    assert.ok(inDoc(d.range.start) && inDoc(d.range.end), `range inside the document: ${JSON.stringify(d.range)}`);
    for (const f of d.fixes) for (const e of f.edits) assert.ok(inDoc(e.range.start) && inDoc(e.range.end));
  }
}

function fresh(text: string): FileAnalysis {
  const w = new Workspace({ readFile: () => undefined });
  w.update(FILE, text);
  const a = w.analyze(FILE);
  assert.equal(w.stats.failed, 0, w.stats.lastFailure);
  return a;
}

test("random truncations never throw", () => {
  fc.assert(
    fc.property(fc.constantFrom(...inputs), fc.nat(), fc.nat(), (text, a, b) => {
      const t = text.slice(Math.min(a, b) % (text.length + 1), Math.max(a, b) % (text.length + 1) || undefined);
      const w = new Workspace({ readFile: () => undefined });
      w.update(FILE, t);
      sane(t, w.analyze(FILE));
      w.shapeAt(FILE, { line: a % 20, character: b % 60 });
      w.shapesIn(FILE);
      assert.equal(w.stats.failed, 0, w.stats.lastFailure);
    }),
    { numRuns: 300 },
  );
});

test("edit sequences: incremental analysis equals a fresh analysis, and never throws", () => {
  fc.assert(
    fc.property(fc.constantFrom(...inputs), fc.array(edit, { minLength: 1, maxLength: 8 }), (text, edits) => {
      const w = new Workspace({ readFile: () => undefined });
      w.update(FILE, text);
      w.analyze(FILE);
      let t = text;
      for (const e of edits) {
        t = apply(t, e);
        w.update(FILE, t);
        const inc = w.analyze(FILE);
        sane(t, inc);
        assert.deepEqual(inc, fresh(t));
      }
      assert.equal(w.stats.failed, 0, w.stats.lastFailure);
    }),
    { numRuns: 200 },
  );
});

/** A token that reads as cancelled from its (n+1)-th read on: the run stops before some unit. */
function cancelAfter(n: number): CancellationToken {
  let reads = 0;
  return {
    get isCancellationRequested() {
      return ++reads > n;
    },
  };
}

test("cancel then resume: after sliced runs cancelled part-way or overtaken by an edit, the next run equals a fresh analysis", async () => {
  const step = fc.record({ edit, cancelAfter: fc.nat({ max: 12 }), editMidway: fc.boolean() });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...inputs), fc.array(step, { minLength: 1, maxLength: 6 }), async (text, steps) => {
      const w = new Workspace({ readFile: () => undefined });
      w.update(FILE, text);
      let t = text;
      for (const s of steps) {
        const before = t;
        t = apply(t, s.edit);
        // sliceMs 0: a yield after every unit, so the edit (editMidway) lands between units of a
        // run that started on the previous text.
        let run: Promise<FileAnalysis>;
        if (s.editMidway) {
          run = w.analyzeAsync(FILE, cancelAfter(s.cancelAfter), { sliceMs: 0 });
          w.update(FILE, t);
        } else {
          w.update(FILE, t);
          run = w.analyzeAsync(FILE, cancelAfter(s.cancelAfter), { sliceMs: 0 });
        }
        try {
          // A run that was not cancelled answers for one text, never a mix: the new one if the
          // edit landed in a yield (the walk restarts), the old one if the walk ended before its
          // first yield (nothing to analyse), which is all it can have seen.
          const a = await run;
          assert.ok(isDeepStrictEqual(a, fresh(t)) || (s.editMidway && isDeepStrictEqual(a, fresh(before))), JSON.stringify(a));
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
        assert.deepEqual(await w.analyzeAsync(FILE, undefined, { sliceMs: 0 }), fresh(t));
      }
      assert.deepEqual(w.analyze(FILE), fresh(t));
      assert.equal(w.stats.failed, 0, w.stats.lastFailure);
    }),
    { numRuns: Number(process.env.RUNS ?? 150) },
  );
});

test("huge and deeply nested inputs do not throw", () => {
  const w = new Workspace({ readFile: () => undefined });
  const big = seeds[0]! + seeds[1]!.replace(/^import.*\n/, "").replace(/loss/g, "loss2").repeat(1).repeat(400);
  w.update(FILE, big);
  assert.ok(w.analyze(FILE).diagnostics.length > 0);
  const deep = 'import { Tensor } from "chainrule";\nexport function f(x: Tensor<[1, "D"]>) { return x' + ".add(x)".repeat(5000) + "; }\n";
  w.update(FILE, deep);
  assert.ok(Array.isArray(w.analyze(FILE).diagnostics));
  w.update(FILE, 'import * as cr from "chainrule";\n' + "[".repeat(20000));
  assert.ok(Array.isArray(w.analyze(FILE).diagnostics));
});

test("random non-DSL text is not analysed", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      const w = new Workspace({ readFile: () => undefined });
      w.update(FILE, s.replace(/chainrule/g, ""));
      assert.deepEqual(w.analyze(FILE).diagnostics, []);
      assert.equal(w.stats.analyzed, 0);
    }),
    { numRuns: 200 },
  );
});

test("the inputs the properties run on are there: the seed network, its bug and the fixture families", () => {
  assert.ok(seeds.every((t) => t.includes("@gradient") || t.includes("matmul")));
  assert.ok(inputs.length > 20);
});

test("textChange: the computed change range turns the old text into the new one", () => {
  const chunk = fc.string({ maxLength: 1200 });
  fc.assert(
    fc.property(chunk, chunk, chunk, chunk, (pre, mid1, mid2, post) => {
      const a = pre + mid1 + post;
      const b = pre + mid2 + post;
      const r = textChange(a, b);
      const rebuilt = a.slice(0, r.span.start) + b.slice(r.span.start, r.span.start + r.newLength) + a.slice(r.span.start + r.span.length);
      assert.equal(rebuilt, b);
    }),
    { numRuns: 300 },
  );
});
