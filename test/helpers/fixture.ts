// The fixture harness, rust-analyzer style: DSL code with expected diagnostics and shapes written
// under the span they apply to, `//- /other.ts` to start another file, and `//- after: <fix>` to
// give the first file's expected text after applying a fix. `check(case)` asserts all of it.
//
//   return a.matmul(b);
//   //     ^^^^^^^^ error matmul-mismatch: inner dimensions H and 1 differ
//   //     ^ shape [1,H]
//
// Carets mark columns on the nearest line above that is not itself an annotation. After the code
// comes `error|warning CODE: substring of the message` or `shape [..]` (hover at the first caret).
// Every diagnostic must be annotated; annotations stay in the text (they are comments).

import assert from "node:assert/strict";
import { ts } from "ts-morph";
import type { Diagnostic, Fix } from "../../src/analysis/api";
import { Workspace } from "../../src/analysis/workspace";
import { formatShape } from "../../src/shape/shape";

export const ROOT = "/fixture";

export interface FixtureCase {
  name: string;
  /** Absolute path → text, in the order written; the first is the main file. */
  files: Map<string, string>;
  after?: { fix: string; text: string };
}

const ANNOTATION = /^(\s*\/\/\s*)(\^+)\s+(error|warning|shape)\b\s*(.*)$/;

/** Splits a fixture file into cases at `// ==== name` lines. */
export function parseFixture(text: string): FixtureCase[] {
  const cases: FixtureCase[] = [];
  let current: { name: string; lines: string[] } | undefined;
  const flush = () => {
    if (current) cases.push(parseCase(current.name, current.lines));
  };
  for (const line of text.split("\n")) {
    const m = /^\/\/ ====\s*(.*)$/.exec(line);
    if (m) {
      flush();
      current = { name: m[1]!.trim(), lines: [] };
    } else if (current) current.lines.push(line);
  }
  flush();
  return cases;
}

function parseCase(name: string, lines: string[]): FixtureCase {
  const files = new Map<string, string>();
  let path = `${ROOT}/main.ts`;
  let buf: string[] = [];
  let after: FixtureCase["after"];
  let afterFix: string | undefined;
  const flush = () => {
    const text = buf.join("\n").replace(/^\n+/, "").replace(/\s+$/, "") + "\n";
    if (afterFix !== undefined) after = { fix: afterFix, text: stripAnnotations(text) };
    else if (buf.some((l) => l.trim())) files.set(path, text);
    buf = [];
  };
  for (const line of lines) {
    const file = /^\/\/- (\/\S+)\s*$/.exec(line);
    const aft = /^\/\/- after:\s*(.+)$/.exec(line);
    if (file || aft) {
      flush();
      if (file) path = ROOT + file[1]!;
      if (aft) afterFix = aft[1]!.trim();
    } else buf.push(line);
  }
  flush();
  return { name, files, ...(after ? { after } : {}) };
}

export function stripAnnotations(text: string): string {
  return text.split("\n").filter((l) => !ANNOTATION.test(l)).join("\n");
}

interface Expectation {
  line: number;
  start: number;
  end: number;
  kind: "error" | "warning" | "shape";
  code?: string;
  text: string;
}

export function expectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  const lines = text.split("\n");
  let target = -1;
  lines.forEach((l, i) => {
    const m = ANNOTATION.exec(l);
    if (!m) {
      target = i;
      return;
    }
    const start = m[1]!.length;
    const e: Expectation = { line: target, start, end: start + m[2]!.length, kind: m[3] as Expectation["kind"], text: m[4]!.trim() };
    if (e.kind !== "shape") {
      const cm = /^(\S+?)(?::\s*(.*))?$/.exec(e.text);
      e.code = cm?.[1] ?? "";
      e.text = cm?.[2]?.trim() ?? "";
    }
    out.push(e);
  });
  return out;
}

export function applyFix(text: string, fix: Fix): string {
  const sf = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, false);
  const off = (p: { line: number; character: number }) => sf.getPositionOfLineAndCharacter(p.line, p.character);
  const edits = fix.edits.map((e) => ({ start: off(e.range.start), end: off(e.range.end), text: e.newText }));
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

export function parseErrors(text: string): number {
  const sf = ts.createSourceFile("x.ts", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return (sf as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length;
}

function describe(d: Diagnostic): string {
  const r = d.range;
  return `${d.severity} ${d.code} at ${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}: ${d.message}`;
}

/** What `chainrule check` reports for a file: the analysis, and syntax-error when it does not parse. */
export function diagnosticsOf(ws: Workspace, file: string): Diagnostic[] {
  const syntax = ws.syntaxError(file);
  return [...(syntax ? [syntax] : []), ...ws.analyze(file).diagnostics];
}

export function workspaceFor(files: ReadonlyMap<string, string>): Workspace {
  const ws = new Workspace({ readFile: (p) => files.get(p) });
  for (const [p, t] of files) ws.update(p, t);
  return ws;
}

/** Runs one case: every annotation matches, nothing else is reported, every fix verifies. */
export function check(c: FixtureCase): void {
  const ws = workspaceFor(c.files);
  for (const [file, text] of c.files) {
    const got = diagnosticsOf(ws, file);
    const unmatched = [...got];
    for (const e of expectations(text)) {
      const where = `${file}:${e.line + 1}:${e.start + 1}`;
      if (e.kind === "shape") {
        const info = ws.shapeAt(file, { line: e.line, character: e.start });
        const [shape, ...prov] = e.text.split(/\s+from\s+/);
        assert.ok(info, `${c.name}: no shape at ${where}`);
        assert.equal(formatShape(info.shape), shape!.trim(), `${c.name}: shape at ${where}`);
        if (prov.length) assert.ok(info.provenance.includes(prov.join(" from ")), `${c.name}: provenance at ${where} is "${info.provenance}"`);
        continue;
      }
      const i = unmatched.findIndex(
        (d) => d.code === e.code && d.severity === e.kind && d.range.start.line === e.line && d.range.start.character === e.start &&
          d.range.end.line === e.line && d.range.end.character === e.end && d.message.includes(e.text),
      );
      assert.ok(i >= 0, `${c.name}: expected ${e.kind} ${e.code} "${e.text}" at ${where}-${e.end + 1}; got:\n  ${got.map(describe).join("\n  ") || "(none)"}`);
      unmatched.splice(i, 1);
    }
    assert.equal(unmatched.length, 0, `${c.name}: unexpected in ${file}:\n  ${unmatched.map(describe).join("\n  ")}`);
    for (const d of got) for (const f of d.fixes) checkFix(c, file, text, d, f, ws);
  }
  if (c.after) checkAfter(c, c.after);
}

/** Every offered fix gives valid TypeScript and clears the diagnosed expression. */
function checkFix(c: FixtureCase, file: string, text: string, d: Diagnostic, f: Fix, ws: Workspace): void {
  const fixed = applyFix(text, f);
  assert.equal(parseErrors(fixed), parseErrors(text), `${c.name}: fix "${f.title}" breaks the syntax:\n${fixed}`);
  const files = new Map(c.files);
  files.set(file, fixed);
  const after = workspaceFor(files).analyze(file).diagnostics;
  const same = after.find((x) => x.code === d.code && x.range.start.line === d.range.start.line && x.range.start.character === d.range.start.character);
  if (same && same.message === d.message) assert.fail(`${c.name}: fix "${f.title}" leaves ${describe(same)}`);
  if (f.isPreferred) {
    const errors = after.filter((x) => x.severity === "error");
    assert.ok(errors.length < ws.analyze(file).diagnostics.filter((x) => x.severity === "error").length || d.severity !== "error",
      `${c.name}: preferred fix "${f.title}" does not reduce errors:\n  ${errors.map(describe).join("\n  ")}`);
    // A preferred fix adds no finding anywhere (CLI.md v2: it never corrupts downstream code).
    const key = (x: Diagnostic) => `${x.code}: ${x.message}`;
    const before = new Set(ws.analyze(file).diagnostics.map(key));
    const added = after.filter((x) => !before.has(key(x)));
    assert.deepEqual(added.map(describe), [], `${c.name}: preferred fix "${f.title}" adds findings`);
  }
}

function checkAfter(c: FixtureCase, after: NonNullable<FixtureCase["after"]>): void {
  const [file, text] = [...c.files][0]!;
  const ws = workspaceFor(c.files);
  const ds = ws.analyze(file).diagnostics;
  const fixes = ds.flatMap((d) => d.fixes);
  const fix = after.fix === "preferred" ? fixes.find((f) => f.isPreferred) : fixes.find((f) => f.title.includes(after.fix));
  assert.ok(fix, `${c.name}: no fix "${after.fix}" among: ${fixes.map((f) => `${f.title}${f.isPreferred ? " (preferred)" : ""}`).join("; ") || "(none)"}`);
  const fixed = stripAnnotations(applyFix(text, fix));
  assert.equal(fixed.trimEnd(), after.text.trimEnd(), `${c.name}: text after "${fix.title}"`);
  const files = new Map(c.files);
  files.set(file, fixed);
  const again = workspaceFor(files).analyze(file).diagnostics;
  assert.deepEqual(again.map(describe), [], `${c.name}: not clean after "${fix.title}"`);
}
