// syntax-error (`chainrule check` only; editors show TypeScript's own): the file's first parse
// error, and that the rest of it is still checked.

import type { Handler } from "./types";

export const syntaxError: Handler<"syntax-error"> = {
  code: "syntax-error",
  diagnose: (site) => ({
    message: `the file does not parse: ${site.message}${site.more ? ` (and ${site.more} more parse error${site.more > 1 ? "s" : ""})` : ""}; the rest of it is still checked`,
    start: site.start, end: site.end, related: [], candidates: [],
  }),
};
