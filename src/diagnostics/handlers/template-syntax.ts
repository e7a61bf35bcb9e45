// template-syntax: a t`…` template that does not parse. The template module words it (e.g. "no
// implicit multiplication: write @ or ⊙ between operands"); this passes it through.

import type { TemplateSite } from "../../analysis/sites";
import type { DiagnosticDraft } from "./types";

export function templateSyntax(site: TemplateSite): DiagnosticDraft {
  return { code: "template-syntax", severity: "error", message: site.message, start: site.start, end: site.end, related: [], candidates: [] };
}
