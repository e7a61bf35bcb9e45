// template-syntax: a t`…` template that does not parse. The template module words it (e.g. "no
// implicit multiplication: write @ or ⊙ between operands"); this passes it through.

import type { Handler } from "./types";

export const templateSyntax: Handler<"template-syntax"> = {
  code: "template-syntax",
  diagnose: (site) => ({ message: site.message, start: site.start, end: site.end, related: [], candidates: [] }),
};
