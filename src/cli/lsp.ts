// `chainrule lsp --stdio`: the language server on standard input/output, for any LSP editor; the
// same server the VS Code extension starts.

import { UsageError } from "./args";
import { parseCommandArgs, type Command } from "./command";

/**
 * Starts the server on stdio. Registered by the composition root (server/engine.ts): the core
 * never imports the server, whose layer sits above it.
 */
let starter: (() => void) | undefined;

export function setServerStarter(start: () => void): void {
  starter = start;
}

export const lsp: Command = {
  name: "lsp",
  summary: "the language server over stdio, for Neovim, Emacs, Helix or any LSP client",
  operands: "",
  flags: {},
  switches: { stdio: "speak LSP on standard input and output (required)" },
  requiredSwitches: ["stdio"],
  exit: "0 after the client's shutdown and exit; 2 bad usage",
  examples: [
    "chainrule lsp --stdio                       # what an editor's LSP client runs",
    "npx chainrule lsp --stdio                   # from a project that installed chainrule",
  ],
  async run(argv) {
    const { switches } = parseCommandArgs(lsp, argv);
    if (!switches.has("stdio")) throw new UsageError("chainrule lsp needs --stdio");
    if (!starter) throw new Error("chainrule lsp: no language server in this build (run it through dist/cli.js)");
    starter();
    return -1; // the server keeps the process alive; it exits on the client's `exit`
  },
};
