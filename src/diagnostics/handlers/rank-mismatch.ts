// rank-mismatch: transpose, diag, outer, softmax or a reduction axis given an operand of the
// wrong rank. No mechanical fix: the right reshaping depends on what was meant.

import type { OpSite } from "../../analysis/sites";
import { originsRelated } from "./common";
import type { DiagnosticDraft } from "./types";

export function rankMismatch(site: OpSite): DiagnosticDraft {
  return {
    code: "rank-mismatch", severity: "error", message: site.problem.message,
    start: site.start, end: site.end, related: originsRelated(site), candidates: [],
  };
}
