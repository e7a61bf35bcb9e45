// dist/engine.js: everything heavy in one bundle (the TypeScript compiler, the analyzer, the
// checker's driver, the LSP stack), loaded through the code cache by dist/cli.js and
// dist/server.js, so the compiler ships and is compiled once for the CLI and the server alike.
// The composition root: it knows the core's CLI and the server, and hands the CLI's `lsp`
// command the server to start, so that the core never imports the server.

import { setServerStarter } from "../src/cli/lsp";
import type { StartOptions } from "./main";

export { checkWorkerMain, main, run } from "../src/cli/main";

/** The language server; its LSP stack is initialised only here, not for CLI commands. */
export function startServer(options?: StartOptions): ReturnType<typeof import("./main").startServer> {
  return (require("./main") as typeof import("./main")).startServer(options);
}

setServerStarter(() => startServer({ input: process.stdin, output: process.stdout }));

/** For bench/startup-phases.ts: the analyzer alone, timed phase by phase in a fresh process. */
export { Workspace } from "../src/analysis/workspace";
