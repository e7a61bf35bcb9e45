// Explain fixtures (test/fixtures/explain/*.explain): DSL source with the derivation text expected
// under it, one case per `// ==== name`. `//- /other.ts` starts another file; `//- explain: F P…`
// starts the text `chainrule explain main.ts F P…` must print; `//- emit: F P…` the code --emit
// must print (which is then appended to the file and must check clean).
//
//   // ==== the seed, ∂loss/∂x
//   import { … } from "chainrule";
//   export function loss(…) { … }
//   //- explain: loss x
//   ∂loss/∂x for loss in main.ts
//   …

import assert from "node:assert/strict";
import { emitGradient } from "../../src/explain/emit";
import { explainFunction } from "../../src/explain/explain";
import { formatText } from "../../src/explain/format";
import { workspaceFor } from "./fixture";

export interface ExplainCase {
  name: string;
  files: Map<string, string>;
  expect: Array<{ kind: "explain" | "emit"; fn: string; params: string[]; text: string }>;
}

const ROOT = "/fixture";

export function parseExplainFixture(text: string): ExplainCase[] {
  const cases: ExplainCase[] = [];
  let c: ExplainCase | undefined;
  let into: { lines: string[]; done: (t: string) => void } | undefined;
  const flush = () => {
    into?.done(into.lines.join("\n").replace(/^\n+/, "").replace(/\s+$/, "") + "\n");
    into = undefined;
  };
  const open = (path: string) => {
    into = { lines: [], done: (t) => c!.files.set(`${ROOT}${path}`, t) };
  };
  for (const line of text.split("\n")) {
    const head = /^\/\/ ====\s*(.*)$/.exec(line);
    if (head) {
      flush();
      c = { name: head[1]!.trim(), files: new Map(), expect: [] };
      cases.push(c);
      open("/main.ts");
      continue;
    }
    if (!c) continue;
    const file = /^\/\/- (\/\S+)\s*$/.exec(line);
    const want = /^\/\/- (explain|emit):\s*(\S+)((?:\s+\S+)*)\s*$/.exec(line);
    if (file) {
      flush();
      open(file[1]!);
    } else if (want) {
      flush();
      const e = { kind: want[1] as "explain" | "emit", fn: want[2]!, params: want[3]!.trim().split(/\s+/).filter(Boolean), text: "" };
      c.expect.push(e);
      into = { lines: [], done: (t) => (e.text = t) };
    } else into?.lines.push(line);
  }
  flush();
  return cases;
}

export function checkExplainCase(c: ExplainCase): void {
  const ws = workspaceFor(c.files);
  const main = `${ROOT}/main.ts`;
  for (const e of c.expect) {
    const ex = explainFunction(ws, { file: main, display: "main.ts", fn: e.fn, params: e.params });
    if (e.kind === "explain") {
      assert.equal(formatText(ex.json), e.text, `${c.name}: explain ${e.fn} ${e.params.join(" ")}`);
      continue;
    }
    const code = emitGradient(ws, ex).code;
    assert.equal(code, e.text, `${c.name}: emit ${e.fn} ${e.params.join(" ")}`);
    const files = new Map(c.files);
    files.set(main, `${c.files.get(main)}\n${code}`);
    const after = workspaceFor(files).analyze(main).diagnostics;
    assert.deepEqual(after.map((d) => d.message), [], `${c.name}: the emitted code does not check clean`);
  }
}
