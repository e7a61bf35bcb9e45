// `npm run bench`: runs each benchmark in its own process (so one's heap and JIT state do not
// colour another's) and prints their numbers. Targets live here, not in timed tests.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const benches = ["analysis", "dims", "cli", "verify", "verify-peers", "lsp", "lsp-load", "startup-phases", "startup", "explain", "check-peers"];
const only = process.argv.slice(2);
let failed = 0;
for (const name of benches) {
  if (only.length && !only.includes(name)) continue;
  const file = path.join(__dirname, `${name}.ts`);
  if (!existsSync(file)) continue;
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", file], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
