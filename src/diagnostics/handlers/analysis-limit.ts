// analysis-limit (warning): code nested too deeply to analyse (thousands of parentheses, a chain
// of thousands of calls, types aliased dozens deep). The analyzer stops there and says so, rather
// than overflow its stack and lose the rest of the unit's results silently.

import type { Handler } from "./types";

export const analysisLimit: Handler<"analysis-limit"> = {
  code: "analysis-limit",
  diagnose: (site) => ({ message: site.message, start: site.start, end: site.end, related: [], candidates: [] }),
};
