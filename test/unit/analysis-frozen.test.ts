// A frozen Workspace (`chainrule check`'s: the files never change) records no dependencies and
// no editor data, and must still give exactly the diagnostics and gradient pairings of an
// ordinary one: over every fixture case and a generated multi-file workspace that calls across files.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Workspace } from "../../src/analysis/workspace";
import { writeWorkspace } from "../../bench/workspace";
import { parseFixture } from "../helpers/fixture";

const root = path.join(__dirname, "..", "..");

function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? fixtureFiles(p) : p.endsWith(".fixture") ? [p] : [];
  });
}

/** What check reports of each file, the syntax error first, in the workspace's order. */
function results(ws: Workspace, files: readonly string[]): string {
  return JSON.stringify(files.map((f) => [ws.syntaxError(f), ws.analyze(f)]));
}

function pair(read: (p: string) => string | undefined): [Workspace, Workspace] {
  return [new Workspace({ readFile: read }), new Workspace({ readFile: read }, { frozen: true })];
}

test("a frozen workspace gives every fixture case's results exactly", () => {
  const files = [...fixtureFiles(path.join(root, "test", "fixtures")), ...fixtureFiles(path.join(root, "src", "diagnostics", "handlers"))];
  let cases = 0;
  for (const f of files) {
    for (const c of parseFixture(readFileSync(f, "utf8"))) {
      const [plain, frozen] = pair((p) => c.files.get(p));
      const names = [...c.files.keys()];
      assert.equal(results(frozen, names), results(plain, names), `${path.relative(root, f)}: ${c.name}`);
      cases++;
    }
  }
  assert.ok(cases > 100, `only ${cases} fixture cases found`);
});

test("a frozen workspace gives a generated workspace's results exactly, and keeps no hover entries", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-frozen-"));
  try {
    const ws = writeWorkspace(dir, path.join(root, "src", "runtime", "index.ts"), 16, 200);
    const read = (p: string) => {
      try {
        return readFileSync(p, "utf8");
      } catch {
        return undefined;
      }
    };
    const [plain, frozen] = pair(read);
    const out = results(frozen, ws.files);
    assert.equal(out, results(plain, ws.files));
    assert.match(out, /"severity":"error"/, "the generated bugs are found");
    assert.ok(plain.shapesIn(ws.files[0]!).length > 0);
    assert.equal(frozen.shapesIn(ws.files[0]!).length, 0);
    assert.throws(() => frozen.update(ws.files[0]!, ""), /frozen/);
    assert.throws(() => frozen.invalidate(), /frozen/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
