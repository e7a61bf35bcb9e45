// Prints verification results: the JSON of CLI.md (`version: 1`, one entry per check) and a text
// form in the spirit of tsc, one line per check plus a summary line.

import type { CheckResult } from "./types";

/** `skipped` (files that could not be read) is added only when there are some, beyond CLI.md's fields. */
export function toJson(checks: readonly CheckResult[], skipped: ReadonlyArray<{ file: string; message: string }> = []): string {
  // NaN never reaches JSON: missing numbers are null by construction; guard anyway.
  return JSON.stringify({ version: 1, checks, ...(skipped.length ? { skipped } : {}) }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}

export const TEXT_CODES = { fail: "gradient-mismatch", error: "gradient-check-error" } as const;

export function textLine(r: CheckResult): string {
  const where = `${r.file}:${r.line}:${r.column}`;
  if (r.status === "pass") return `${where} - pass ${r.gradient}: ${r.message} (${r.ms} ms)`;
  const c = r.culprit;
  // On the same line, so the output stays one line per check as tsc's does.
  const culprit = c ? `; the wrong factor, at ${c.file ?? r.file}:${c.range.start.line + 1}:${c.range.start.character + 1}: ${c.message}` : "";
  return `${where} - error ${TEXT_CODES[r.status]}: ${r.message}${culprit}`;
}

export function summary(checks: readonly CheckResult[], ms: number): string {
  if (checks.length === 0) return "No @gradient functions found.";
  const n = (s: CheckResult["status"]) => checks.filter((c) => c.status === s).length;
  const plural = (k: number, w: string) => `${k} ${w}${k === 1 ? "" : "s"}`;
  return `${plural(checks.length, "gradient check")}: ${n("pass")} passed, ${n("fail")} failed, ${plural(n("error"), "error")} (${(ms / 1000).toFixed(2)} s).`;
}
