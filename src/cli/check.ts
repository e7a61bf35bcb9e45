// `chainrule check`: the static shape analysis over files and folders, printed the way tsc prints
// (text) or as CLI.md's JSON. Exit 0 when no error, 1 when there is one.

import { readFileSync } from "node:fs";
import type { Diagnostic } from "../analysis/api";
import { Workspace } from "../analysis/workspace";
import { parseArgs } from "./args";
import { collectFiles } from "../files/collect";
import type { CliIo } from "./io";

export interface CheckedFile {
  file: string;
  diagnostics: Diagnostic[];
}

export function checkFiles(paths: readonly string[], cwd: string): CheckedFile[] {
  const files = collectFiles(paths, cwd);
  const ws = new Workspace();
  return files.map(({ abs, display }) => {
    ws.update(abs, readFileSync(abs, "utf8"));
    const a = ws.analyze(abs);
    return { file: display, diagnostics: a.diagnostics };
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function formatText(results: readonly CheckedFile[]): string {
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  let withProblems = 0;
  for (const r of results) {
    if (r.diagnostics.length) withProblems++;
    for (const d of r.diagnostics) {
      if (d.severity === "error") errors++;
      else if (d.severity === "warning") warnings++;
      const { line, character } = d.range.start;
      lines.push(`${r.file}:${line + 1}:${character + 1} - ${d.severity} ${d.code}: ${d.message}`);
      const preferred = d.fixes.find((f) => f.isPreferred);
      if (preferred) lines.push(`  fix: ${preferred.title}`);
    }
  }
  if (errors + warnings === 0) lines.push(`No shape problems in ${plural(results.length, "file")}.`);
  else {
    lines.push("");
    lines.push(`Found ${plural(errors, "error")} and ${plural(warnings, "warning")} in ${plural(withProblems, "file")} (${results.length} checked).`);
  }
  return lines.join("\n") + "\n";
}

export function formatJson(results: readonly CheckedFile[]): string {
  const files = results.map((r) => ({
    file: r.file,
    diagnostics: r.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      range: d.range,
      fixes: d.fixes.map((f) => ({ title: f.title, isPreferred: f.isPreferred, edits: f.edits })),
      related: d.related,
    })),
  }));
  return JSON.stringify({ version: 1, files }, null, 2) + "\n";
}

export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { paths, flags } = parseArgs(argv, { format: ["text", "json"] });
  const results = checkFiles(paths, io.cwd);
  io.stdout(flags.get("format") === "json" ? formatJson(results) : formatText(results));
  return results.some((r) => r.diagnostics.some((d) => d.severity === "error")) ? 1 : 0;
}
