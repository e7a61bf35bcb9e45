// The `chainrule` command line: dispatches to check / verify / lsp and maps failures to CLI.md's
// exit codes (0 clean, 1 problems found, 2 bad usage or internal failure).

import { MissingPathError } from "../files/collect";
import { UsageError } from "./args";
import type { CliIo } from "./io";

const USAGE = `usage:
  chainrule check  [paths…] [--format text|json]
  chainrule verify [paths…] [--format text|json] [--seed N] [--timeout MS] [--mode full|fast]
  chainrule lsp --stdio
`;

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Each command loads only what it needs: the compiler, esbuild and the LSP stack are large
      // enough that loading all of them up front doubled the start-up of every command.
      case "check":
        return await (await import("./check.js")).checkCommand(rest, io);
      case "verify":
        return await (await import("./verify.js")).verifyCommand([...rest], io);
      case "lsp": {
        if (!rest.includes("--stdio")) throw new UsageError("chainrule lsp needs --stdio");
        (await import("../../server/main.js")).startServer({ input: process.stdin, output: process.stdout });
        return -1; // the server keeps the process alive; it exits on the client's `exit`
      }
      case "--version":
      case "-v":
        io.stdout(`${require("../../package.json").version}\n`);
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof MissingPathError) io.stderr(`chainrule: ${e.message}\n${USAGE}`);
    else io.stderr(`chainrule: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

/** Runs the process's own command line (what bin/chainrule.js calls). */
export function main(): void {
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
  };
  run(process.argv.slice(2), io).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
}

if (require.main === module) main();
