// Runs inference of a unit, an instantiation or a fix candidate, turning nesting too deep to walk
// (TooDeep, a type aliased too deeply, or a stack overflow in the parser's own walkers) into an
// analysis-limit finding at the spot, so the rest of what was found is kept.

import type { ts } from "ts-morph";
import { TypeTooDeep } from "./annotations";
import { TooDeep } from "./infer";
import type { Inferrer } from "./infer-user";
import type { Site } from "../diagnostics/sites";

/** Runs inference of a unit (or an instantiation), turning a nesting too deep to walk into a finding. */
export function guarded(inf: Inferrer, stmt: ts.Statement, run: () => void): void {
  try {
    run();
  } catch (err) {
    const deep = err instanceof TooDeep ? err : err instanceof TypeTooDeep || err instanceof RangeError ? new TooDeep(stmt.getStart(inf.sf), stmt.end) : undefined;
    if (!deep) throw err;
    const what = err instanceof TypeTooDeep ? "a type nested (aliased) too deeply" : "code nested too deeply";
    const site: Site = { kind: "limit", start: deep.start, end: Math.min(deep.end, deep.start + 1), message: `${what} to analyse: shapes from here to the end of this statement are unknown` };
    inf.sites.push(site);
  }
}
