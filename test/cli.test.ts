// The CLI's contract (CLI.md): `chainrule check` text and JSON, exit codes, file discovery, run
// through the built bin exactly as a user runs it.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";

const root = path.join(__dirname, "..");
const bin = path.join(root, "bin", "chainrule.js");

function cli(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonEdit { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }

/** Applies LSP-style edits (positions in UTF-16 code units) to a text, last first. */
function applyEdits(text: string, edits: JsonEdit[]): string {
  const lines = text.split("\n");
  const offset = (p: { line: number; character: number }) =>
    lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

test("check on the seed's bug reports matmul-mismatch on line 14 with a preferred ⊙ fix that gives seed.ts's gradient", () => {
  const r = cli(["check", "examples/seed-bug.ts", "--format", "json"]);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.version, 1);
  assert.equal(out.files.length, 1);
  assert.equal(out.files[0].file, "examples/seed-bug.ts");
  const diags = out.files[0].diagnostics;
  assert.equal(diags.length, 1, JSON.stringify(diags, null, 2));
  const d = diags[0];
  assert.equal(d.code, "matmul-mismatch");
  assert.equal(d.severity, "error");
  // CLI.md v2: from the method name to its call's closing parenthesis, never over the receiver chain.
  assert.deepEqual(d.range, { start: { line: 14, character: 34 }, end: { line: 14, character: 58 } });
  assert.match(d.message, /\[1,H\] @ \[1,H\]/);
  assert.match(d.message, /inner dimensions H and 1 differ/);
  assert.match(d.message, /diagonal/);
  const preferred = d.fixes.filter((f: { isPreferred: boolean }) => f.isPreferred);
  assert.equal(preferred.length, 1);
  const fixed = applyEdits(readFileSync(path.join(root, "examples/seed-bug.ts"), "utf8"), preferred[0].edits);
  const gradientOf = (src: string) => src.slice(src.indexOf("/** @gradient loss x */"), src.indexOf("}", src.indexOf("/** @gradient loss x */")) + 1);
  assert.equal(gradientOf(fixed), gradientOf(readFileSync(path.join(root, "examples/seed.ts"), "utf8")));
});

test("check on the correct seed network is clean and exits 0", () => {
  const r = cli(["check", "examples/seed.ts"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /No shape problems in 1 file/);
});

test("text output follows tsc: path:line:col - error code: message, then a summary", () => {
  const r = cli(["check", "examples/seed-bug.ts"]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^examples\/seed-bug\.ts:15:35 - error matmul-mismatch: matmul \[1,H\] @ \[1,H\]/m);
  assert.match(r.stdout, /Found 1 error and 0 warnings in 1 file/);
  // CLI.md v2: every fix is listed, the preferred one first and marked.
  const fixes = r.stdout.split("\n").filter((l) => l.startsWith("  fix"));
  assert.ok(fixes.length >= 2, r.stdout);
  assert.match(fixes[0]!, /^  fix \(preferred\): Use ⊙/);
  assert.ok(fixes.slice(1).every((l) => l.startsWith("  fix: ")), r.stdout);
});

test("a file that does not parse gets syntax-error (exit 1), and the rest of it is still checked", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-syntax-"));
  writeFileSync(path.join(dir, "half.ts"), [
    `import { Tensor } from "chainrule";`,
    `export function typing(x: Tensor<[1, "H"]>) {`,
    `  const y = x.add(`,
    `}`,
    `export function bug(a: Tensor<[1, "H"]>, W: Tensor<["D", "H"]>) {`,
    `  return a.matmul(W);`,
    `}`,
    ``,
  ].join("\n"));
  const r = cli(["check", "half.ts", "--format", "json"], dir);
  assert.equal(r.code, 1, r.stderr);
  const codes = JSON.parse(r.stdout).files[0].diagnostics.map((d: { code: string; range: { start: { line: number } } }) => `${d.code}@${d.range.start.line}`);
  assert.ok(codes.includes("syntax-error@3"), codes.join(" "));
  assert.ok(codes.includes("matmul-mismatch@5"), codes.join(" "));
});

test("folders are walked (node_modules skipped); every file analysed appears, clean ones with an empty list", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-cli-"));
  mkdirSync(path.join(dir, "node_modules", "x"), { recursive: true });
  mkdirSync(path.join(dir, "sub"));
  writeFileSync(path.join(dir, "node_modules", "x", "bad.ts"), readFileSync(path.join(root, "examples/seed-bug.ts")));
  writeFileSync(path.join(dir, "sub", "ok.ts"), readFileSync(path.join(root, "examples/seed.ts")));
  writeFileSync(path.join(dir, "plain.ts"), "export const x = 1;\n");
  const r = cli(["check", "--format", "json"], dir);
  assert.equal(r.code, 0, r.stderr);
  const files = JSON.parse(r.stdout).files.map((f: { file: string; diagnostics: unknown[] }) => [f.file, f.diagnostics.length]);
  assert.deepEqual(files, [["plain.ts", 0], ["sub/ok.ts", 0]]);
});

test("bad usage exits 2 with a message on stderr", () => {
  for (const args of [["check", "--format", "xml"], ["check", "no/such/file.ts"], ["frobnicate"], ["check", "--nope"]]) {
    const r = cli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, /chainrule: /);
  }
});

test("the seed's formula as a template checks clean; with @ for ⊙ it is flagged on the @ with a preferred fix restoring ⊙", () => {
  const src = readFileSync(path.join(root, "examples/seed-template.ts"), "utf8");
  assert.equal(cli(["check", "examples/seed-template.ts"]).code, 0);
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-tpl-"));
  const bug = src.replace("@ ${W2}ᵀ ⊙ ${h}", "@ ${W2}ᵀ @ ${h}");
  assert.notEqual(bug, src);
  writeFileSync(path.join(dir, "bug.ts"), bug);
  const r = cli(["check", "bug.ts", "--format", "json"], dir);
  assert.equal(r.code, 1, r.stderr);
  const [d] = JSON.parse(r.stdout).files[0].diagnostics;
  assert.equal(d.code, "matmul-mismatch");
  const line = bug.split("\n")[d.range.start.line]!;
  assert.equal(d.range.end.character - d.range.start.character, 1);
  assert.equal(line[d.range.start.character], "@");
  assert.ok(line.startsWith("@ ${h} ⊙", d.range.start.character), "the second @, the one in place of ⊙");
  const preferred = d.fixes.filter((f: { isPreferred: boolean }) => f.isPreferred);
  assert.equal(preferred.length, 1);
  assert.equal(applyEdits(bug, preferred[0].edits), src);
});

test("verify passes the seed's template-form gradient", () => {
  const r = cli(["verify", "examples/seed-template.ts", "--format", "json"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const [c] = JSON.parse(r.stdout).checks;
  assert.equal(c.status, "pass");
  assert.deepEqual(c.wrt, ["x"]);
});

test("a reader that stops early (| head -1) ends the command quietly with status 141, not an EPIPE crash", async () => {
  // verify writes each check's line as it finishes, so the pipe is closed before the later ones;
  // check and explain may have written everything at once, and then end as usual.
  for (const [args, usual] of [[["verify", "examples/seed.ts"], null], [["check", "examples"], 1], [["explain", "examples/seed.ts", "loss", "x"], 0]] as const) {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then close the pipe as head does.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.doesNotMatch(stderr, /EPIPE|Unhandled/, `${args.join(" ")}: ${stderr}`);
    assert.ok(code === 141 || code === usual, `${args.join(" ")} exited ${code}: ${stderr}`);
  }
});
