// A problem inside a called function, for the shapes of this call's arguments: reported at the call
// (the helper itself, typed plain `Tensor` or generic, checks for other shapes), with the spot in
// the helper as related information. Not a code of its own: it carries the inner problem's code
// (matmul-mismatch, …), as the callee's unit worded it.

import type { CallSite } from "../sites";
import type { DiagnosticCode } from "../registry";
import { DIAGNOSTICS } from "../registry";
import type { DiagnosticDraft } from "./types";

export function inCallee(site: CallSite): DiagnosticDraft {
  const p = site.problems[0]!;
  const code = p.code as DiagnosticCode;
  return {
    code, severity: DIAGNOSTICS[code].severity, message: `in ${site.callee}(), with this call's shapes: ${p.message}`,
    start: site.start, end: site.end,
    related: [{ start: p.start, end: p.end, message: `here in ${site.callee}`, ...(p.file ? { file: p.file } : {}) }],
    candidates: [],
  };
}
