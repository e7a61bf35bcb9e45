// The `chainrule` command's first module (dist/cli.js): answers `--version` on its own and hands
// everything else to dist/engine.js, loaded through the code cache. Kept tiny on purpose: the
// engine carries the TypeScript compiler, which `--version` must not pay for.

import path from "node:path";
import { loadBundle } from "../startup/load-bundle";

/** What this entry needs of dist/engine.js (server/engine.ts, which the core does not import). */
interface Engine {
  main(argv: readonly string[]): void;
}

export { loadBundle };

/** Runs the process's own command line (what bin/chainrule.js calls). */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
    process.stdout.write(`${require("../../package.json").version}\n`);
    return;
  }
  // Help and usage pages run almost none of the engine: they must not be what its cache holds.
  const helpOnly = argv.length === 0 || ["help", "--help", "-h"].includes(argv[0]!) || argv.includes("--help") || argv.includes("-h");
  loadBundle<Engine>(path.join(__dirname, "engine.js"), { writeCache: !helpOnly }).main(argv);
}

// `node dist/cli.js …` works as the bin does.
if (require.main === module) main();
