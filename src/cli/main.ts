// The `chainrule` command line: the list of commands, help, and the mapping of failures to
// CLI.md's exit codes (0 clean, 1 problems found, 2 bad usage or internal failure). Each command
// declares its flags and help next to its code (command.ts); adding one is one entry below.

import { MissingPathError } from "../files/collect";
import { UsageError } from "./args";
import { check } from "./check";
import { explain } from "./explain";
import { helpText, synopsis, wantsHelp, type Command } from "./command";
import { init } from "./init";
import type { CliIo } from "./io";
import { lsp } from "./lsp";
import { verify } from "./verify";

export const COMMANDS: readonly Command[] = [check, verify, explain, lsp, init];

/** What a `chainrule check` worker thread runs once it has loaded the engine bundle. */
export { checkWorkerMain } from "./check-parallel";

function version(): string {
  return require("../../package.json").version;
}

/** `chainrule --help`: every command's synopsis and what it is for. */
export function overview(): string {
  const lines = [
    `chainrule ${version()}: shapes through the chain rule for the chainrule tensor DSL`,
    "",
    "usage:",
    ...COMMANDS.map((c) => `  ${synopsis(c)}`),
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
    "",
    "  chainrule <command> --help   every flag of a command, with examples",
    "  chainrule --version          the version",
    "",
    "docs: docs/cli.md and docs/dsl.md in the installed package (node_modules/chainrule/docs/)",
  ];
  return lines.join("\n") + "\n";
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (command) {
      if (wantsHelp(rest)) {
        io.stdout(helpText(command));
        return 0;
      }
      return await command.run(rest, io);
    }
    switch (name) {
      case "--version":
      case "-v":
        io.stdout(`${version()}\n`);
        return 0;
      case "help": {
        const about = COMMANDS.find((c) => c.name === rest[0]);
        if (rest[0] !== undefined && !about) throw new UsageError(`unknown command ${rest[0]}`);
        io.stdout(about ? helpText(about) : overview());
        return 0;
      }
      case undefined:
      case "--help":
      case "-h":
        io.stdout(overview());
        return name === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${name}`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof MissingPathError) {
      const usage = command ? `usage: ${synopsis(command)}\n(chainrule ${command.name} --help for every flag)\n` : overview();
      io.stderr(`chainrule: ${e.message}\n${usage}`);
    } else io.stderr(`chainrule: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

/**
 * The status a command ends with when its reader has gone (`chainrule verify | head -1`): what a
 * shell reports for a GNU tool that SIGPIPE ended, so `set -o pipefail` scripts see the same.
 */
export const CLOSED_PIPE_EXIT = 141;

/**
 * Node ignores SIGPIPE, so a write to a closed pipe is an EPIPE error that crashes the process with
 * a stack trace. Nobody reads the rest: stop quietly instead. (Not for `lsp`, whose stdout is the
 * protocol and whose connection handles a vanished client itself.)
 */
function stopOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(CLOSED_PIPE_EXIT);
    throw e;
  });
}

/** Runs a command line in this process (what dist/cli.js calls). */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  if (argv[0] !== "lsp") {
    stopOnClosedPipe(process.stdout);
    stopOnClosedPipe(process.stderr);
  }
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    // Cut to the terminal's width: a wrapped line could not be erased by \r.
    ...(process.stderr.isTTY ? { status: (line: string) => process.stderr.write(`\r\x1b[2K${line.slice(0, Math.max(10, (process.stderr.columns || 80) - 1))}`) } : {}),
  };
  run(argv, io).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
}

if (require.main === module) main();
