// Wording shared by the op handlers: related information pointing at the annotations that gave
// the clashing dims.

import type { OpSite } from "../../analysis/sites";
import type { DiagnosticDraft } from "./types";

export function originsRelated(site: OpSite): DiagnosticDraft["related"] {
  return site.origins.map((o) => ({ start: o.start, end: o.end, message: `${o.dim} comes from ${o.what}` }));
}
