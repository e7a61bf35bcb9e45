// The shipped seed network (examples/seed.ts) at other sizes, for the tests and benchmarks that
// need a bigger check than its own dims give: one source of the network, never a copy of it.

import { readFileSync } from "node:fs";
import path from "node:path";

const SEED = path.resolve(__dirname, "../../examples/seed.ts");

/**
 * The seed's text with `@dims <dims>` on the gradients in `keep` (all of them when omitted) and
 * the other gradients' tags removed, so that only the kept ones are checked.
 */
export function seedAt(dims: string, keep?: readonly string[]): string {
  return readFileSync(SEED, "utf8").replace(/\/\*\* @gradient loss (\w+) \*\//g, (_m, p: string) =>
    !keep || keep.includes(p) ? `/**\n * @gradient loss ${p}\n * @dims ${dims}\n */` : "/** (not checked here) */");
}
