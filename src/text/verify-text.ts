// How a gradient check reads, wherever it is shown: the CLI's message, the CodeLens, the
// diagnostic, the test explorer, the report view and the progress line. One place for the
// numbers' formats, the verdicts and the worst element, so the layers cannot word the same result
// differently.

import type { CheckProgress, CheckResult, Worst } from "../verify/types";

/** A real minus sign (U+2212), as in the math the rest of chainrule prints. */
const minus = (s: string) => s.replace(/^-/, "−");

/** An error figure: `3e-10`, `0.043`, `1.3`. One significant digit when tiny (that it is tiny is the point), two otherwise. */
export function formatError(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  return Math.abs(x) < 1e-3 ? x.toExponential(0) : String(Number(x.toPrecision(2)));
}

/** A value (an element of a gradient): 4 significant digits, exponent form when very small or large, a real minus. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return minus(a < 1e-4 || a >= 1e6 ? x.toExponential(3).replace("e+", "e") : String(Number(x.toPrecision(4))));
}

/** What fits in a report cell: 2 significant digits, no leading zero (`.0078`, `−.3`, `2e-11`). */
export function formatCell(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return minus(a < 1e-3 || a >= 1e3 ? x.toExponential(0).replace("e+", "e") : String(Number(x.toPrecision(2))).replace(/^(-?)0\./, "$1."));
}

/** A scale factor in a diagnosis: `2`, `0.5`, `−3`, `0.3333`. */
export function formatFactor(c: number): string {
  const r = Math.round(c);
  if (Math.abs(c - r) < 1e-6 * Math.max(1, Math.abs(c))) return minus(String(r));
  return minus(String(Number(c.toPrecision(4))));
}

/** `W1[0,2]`, or just `b` for a scalar parameter. */
export function elementName(param: string, index: readonly number[]): string {
  return index.length ? `${param}[${index.join(",")}]` : param;
}

/** `worst W1[0,2]: analytic 0.1234, numeric 0.2468`. */
export function worstText(w: Worst): string {
  return `worst ${elementName(w.param, w.index)}: analytic ${formatValue(w.analytic)}, numeric ${formatValue(w.numeric)}`;
}

/** The first clause of an error message, short enough for a lens. */
function firstClause(message: string): string {
  const first = (message.split(/(?<=[.;:])\s|\n/)[0] ?? message).replace(/[.;:]$/, "");
  return first.length > 70 ? `${first.slice(0, 67)}…` : first;
}

/** A result at a glance (the CodeLens after a run): `✓ max rel err 3e-10`, `✗ transposed`, `⚠ timed out after 10000 ms`. */
export function verdict(r: CheckResult): string {
  if (r.status === "pass") return `✓ max rel err ${formatError(r.maxRelError)}`;
  if (r.status === "fail") return r.diagnosis ? `✗ ${r.diagnosis}` : `✗ max rel err ${formatError(r.maxRelError)}`;
  return `⚠ ${firstClause(r.message)}`;
}

/** The one-character verdict (a panel's title, a progress line). */
export function statusMark(status: CheckResult["status"]): string {
  return status === "pass" ? "✓" : status === "fail" ? "✗" : "⚠";
}

/** A verdict as a heading (the test explorer's message): `✗ transposed`, `✗ disagrees with finite differences`, `⚠ could not run`. */
export function verdictHeading(r: Pick<CheckResult, "status" | "diagnosis">): string {
  const words = r.status === "pass" ? "matches finite differences" : r.status === "fail" ? (r.diagnosis ?? "disagrees with finite differences") : "could not run";
  return `${statusMark(r.status)} ${words}`;
}

/** ` (dims D=2 H=3 K=4, seed 1)`: what reproduces the run. */
export function reproText(r: CheckResult): string {
  const dims = Object.entries(r.dims).map(([k, v]) => `${k}=${v}`).join(" ");
  return ` (${dims ? `dims ${dims}, ` : ""}seed ${r.seed})`;
}

/** The check's own message (which names the worst element where it helps), the wrong factor when the culprit search found it, and what reproduces the run. */
export function resultDetail(r: CheckResult): string {
  const sentence = (t: string) => (t.endsWith(".") ? t : `${t}.`);
  const culprit = r.culprit ? ` ${sentence(`The wrong factor: ${r.culprit.message}`)}` : "";
  return `${sentence(r.message)}${culprit}${reproText(r)}`;
}

/** The whole story of a check in one paragraph (the editor's diagnostic): its verdict in words, then its detail. */
export function resultParagraph(r: CheckResult): string {
  const head = r.status === "pass" ? "Gradient check passed" : r.status === "fail" ? `Gradient check failed${r.diagnosis ? ` — ${r.diagnosis}` : ""}` : "Gradient check could not run";
  return `${head}: ${resultDetail(r)}`;
}

function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** One line for a long check in progress: the CLI's progress line and the editor's notification. */
export function progressText(p: CheckProgress): string {
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
  return `${p.gradient}: finite differences ${p.done}/${p.total} elements (${pct}%), about ${seconds(p.remainingMs)} left`;
}
