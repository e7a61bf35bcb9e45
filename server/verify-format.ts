// How a gradient check's result reads in the editor: the CodeLens title after a run and the
// diagnostic on the gradient function. Pure functions of a CheckResult, so they are easy to test
// and every client (VS Code, Neovim, …) sees the same words.

import { DiagnosticSeverity, type Diagnostic, type Range } from "vscode-languageserver/node";
import { TEXT_CODES } from "../src/verify/report";
import type { CheckResult } from "../src/verify/types";
import { SOURCE } from "./convert";

/**
 * Diagnostic codes of verification results: the same words as `chainrule verify`'s text output
 * (results of running code, not of analysis, so not in the shape registry).
 */
export const VERIFY_CODES = { failed: TEXT_CODES.fail, error: TEXT_CODES.error } as const;

/** `3e-10`, `0.043`, `1.3`: one significant digit for tiny errors (that they are tiny is the point), two otherwise. */
export function formatError(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  return Math.abs(x) < 1e-3 ? x.toExponential(0) : String(Number(x.toPrecision(2)));
}

/** A number in a message: 4 significant digits, a real minus sign. */
export function formatValue(x: number): string {
  return String(Number(x.toPrecision(4))).replace(/^-/, "−");
}

function shortError(message: string): string {
  const first = (message.split(/(?<=[.;:])\s|\n/)[0] ?? message).replace(/[.;:]$/, "");
  return first.length > 70 ? `${first.slice(0, 67)}…` : first;
}

/** The second CodeLens: "✓ max rel err 3e-10", "✗ transposed", "⚠ timed out after 10000 ms…". */
export function resultLensTitle(r: CheckResult, editedSince: boolean): string {
  const base =
    r.status === "pass"
      ? `✓ max rel err ${formatError(r.maxRelError)}`
      : r.status === "fail"
        ? r.diagnosis
          ? `✗ ${r.diagnosis}`
          : `✗ max rel err ${formatError(r.maxRelError)}`
        : `⚠ ${shortError(r.message)}`;
  return editedSince ? `${base} (edited since)` : base;
}

function worstText(r: CheckResult): string {
  const w = r.worst;
  if (!w) return "";
  const at = w.index.length ? `${w.param}[${w.index.join(",")}]` : w.param;
  return ` Worst element ${at}: analytic ${formatValue(w.analytic)}, numeric ${formatValue(w.numeric)}.`;
}

function dimsText(r: CheckResult): string {
  const dims = Object.entries(r.dims).map(([k, v]) => `${k}=${v}`).join(" ");
  return ` (${dims ? `dims ${dims}, ` : ""}seed ${r.seed})`;
}

/**
 * The diagnostic for a failed or errored check, on the gradient function's name. A pass gets
 * none: the CodeLens and the test explorer already say so, and a hint on every verified function
 * would only add noise.
 */
export function verifyDiagnostic(r: CheckResult, range: Range, docsHref?: string): Diagnostic | null {
  if (r.status === "pass") return null;
  const head =
    r.status === "fail"
      ? `Gradient check failed${r.diagnosis ? ` — ${r.diagnosis}` : ""}: ${r.message}.${worstText(r)}`
      : `Gradient check could not run: ${r.message}.`;
  const d: Diagnostic = {
    range,
    severity: DiagnosticSeverity.Error,
    source: SOURCE,
    code: r.status === "fail" ? VERIFY_CODES.failed : VERIFY_CODES.error,
    message: `${head.replace(/\.\./g, ".")}${dimsText(r)}`,
    data: { verify: { gradient: r.gradient, status: r.status, diagnosis: r.diagnosis } },
  };
  if (docsHref) d.codeDescription = { href: docsHref };
  return d;
}

/** A range for a result whose file has no analysis at hand: the name at its 1-based line and column. */
export function rangeOfResult(r: CheckResult): Range {
  const start = { line: Math.max(0, r.line - 1), character: Math.max(0, r.column - 1) };
  return { start, end: { line: start.line, character: start.character + r.gradient.length } };
}

/** The result as sent in a command's answer: the arrays stay out (they go with the notifications). */
export function withoutArrays(r: CheckResult): CheckResult {
  const { arrays: _arrays, ...rest } = r;
  return rest;
}
