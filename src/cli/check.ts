// `chainrule check`: the static shape analysis over files and folders, printed the way tsc prints
// (text) or as CLI.md's JSON. Exit 0 when no error, 1 when there is one.

import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { collectFiles, type FoundFile } from "../files/collect";
import { intFlag } from "./args";
import { CheckCache } from "./check-cache";
import { fileChecker, type CheckedFile } from "./check-file";
import { checkParallel, DEBUG_ENV } from "./check-parallel";
import { parseCommandArgs, type Command } from "./command";
import type { CliIo } from "./io";

export { fileChecker, type CheckedFile } from "./check-file";

export function checkFiles(paths: readonly string[], cwd: string): CheckedFile[] {
  return collectFiles(paths, cwd).map(fileChecker());
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
      // Every fix, the preferred one first and marked (CLI.md v2).
      for (const f of [...d.fixes].sort((a, b) => Number(b.isPreferred) - Number(a.isPreferred))) {
        lines.push(`  fix${f.isPreferred ? " (preferred)" : ""}: ${f.title}`);
      }
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

/** Below this much source, one thread: a worker's start (loading the engine) costs ~0.1–0.2 s. */
export const PARALLEL_MIN_BYTES = 1024 * 1024;

/**
 * The threads a check uses unless told: 2 for 1 MiB of source or more on 4 cores or more, else 1.
 * Each thread parses the files its share imports and warms up its own JIT, which measured ~1.6×
 * the CPU time of one thread on the 200-file benchmark; on 2 cores the garbage collector's and
 * compiler's helper threads already use the second core, so there two threads measured slower.
 */
export function defaultJobs(totalBytes: number, cores = availableParallelism()): number {
  return totalBytes >= PARALLEL_MIN_BYTES && cores >= 4 ? 2 : 1;
}

/** The total size of the files, to decide whether threads pay for their start. */
function totalBytes(files: readonly FoundFile[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += statSync(f.abs).size;
    } catch {
      // Unreadable: reported by the checker, and it costs nothing to check.
    }
  }
  return n;
}

/** The cache for this engine bundle, unless asked not to or running from sources (no build id). */
function openCache(flags: ReadonlyMap<string, string>): CheckCache | undefined {
  return flags.get("cache") === "off" || path.basename(__filename) !== "engine.js" ? undefined : CheckCache.open(__filename);
}

export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { paths, flags } = parseCommandArgs(check, argv);
  const files = collectFiles(paths, io.cwd);
  const cache = openCache(flags);
  const results: Array<CheckedFile | undefined> = files.map((f) => {
    const diagnostics = !f.problem ? cache?.get(f.abs) : undefined;
    return diagnostics && { file: f.display, diagnostics };
  });
  const todo = files.filter((_, i) => !results[i]);
  const jobs = flags.has("jobs") ? intFlag(flags, "jobs", 1, 1) : defaultJobs(totalBytes(todo));
  if (cache && process.env[DEBUG_ENV]) io.stderr(`chainrule: check cache: ${files.length - todo.length} of ${files.length} files reused\n`);
  const checked = jobs > 1 && todo.length > 1 ? await checkParallel(todo, Math.min(jobs, todo.length), !!cache) : todo.map(fileChecker({ inputs: !!cache }));
  let next = 0;
  for (let i = 0; i < files.length; i++) {
    if (results[i]) continue;
    const r = checked[next++]!;
    results[i] = r;
    if (cache && r.inputs) cache.set(files[i]!.abs, r.inputs, r.diagnostics);
  }
  const all = results as CheckedFile[];
  io.stdout(flags.get("format") === "json" ? formatJson(all) : formatText(all));
  return all.some((r) => r.diagnostics.some((d) => d.severity === "error")) ? 1 : 0;
}

export const check: Command = {
  name: "check",
  summary: "static shape analysis of the files that import chainrule, as the editor shows it",
  operands: "[paths…]",
  operandDocs: [["paths…", "files or folders (every .ts below, node_modules skipped); none: the current folder"]],
  flags: {
    format: {
      values: ["text", "json"],
      doc: "text (default): `path:line:col - error code: message` lines as tsc prints them, each with its preferred fix, then a summary; json: every diagnostic with its range and fixes' edits (docs/cli.md)",
    },
    cache: {
      values: ["on", "off"],
      doc: "on (default): reuse a file's findings from an earlier run when the file and every module it imports read the same and resolve alike (kept in the user's cache folder, per build); off: check every file afresh",
    },
    jobs: {
      placeholder: "N",
      doc: "threads that check files, an integer ≥ 1 (default: 2 with 4 cores or more and 1 MiB of source or more, else 1); the output is the same for any N",
    },
  },
  exit: "0 no error (warnings allowed), 1 at least one error, 2 bad usage or an internal failure",
  examples: [
    "chainrule check                          # every .ts file below the current folder",
    "chainrule check examples/seed-bug.ts     # the seed's matmul-for-⊙ bug, with its fix",
    "chainrule check src --format json > shapes.json",
  ],
  run: checkCommand,
};
