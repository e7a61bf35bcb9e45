// gradient-unresolved: `@gradient F P` where the tag is malformed, no function F is in the file or
// its imports, F has no parameter P, or an object-form key is not a parameter of F.

import type { Handler } from "./types";

export const gradientUnresolved: Handler<"gradient-unresolved"> = {
  code: "gradient-unresolved",
  diagnose(site) {
    const m = site.missing;
    const has = (params: readonly string[]) => `it has ${params.join(", ") || "none"}`;
    const message =
      m.what === "tag" ? m.problem
      : m.what === "function" ? `@gradient ${site.of}: no function ${site.of} in this file or its imports`
      : m.what === "parameter" ? `@gradient ${site.of} ${m.name}: ${site.of} has no parameter ${m.name} (${has(m.params)})`
      : `@gradient ${site.of}: ${m.name} is not a parameter of ${site.of} (${has(m.params)})`;
    return { message, start: site.start, end: site.end, related: [], candidates: [] };
  },
};
