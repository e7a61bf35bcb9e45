// What a CLI command is: its name, flags and help, declared once next to its code, so that the
// argument parser, `chainrule --help` and `chainrule <command> --help` read the same declaration
// and adding a command is one entry in main.ts's list.

import { parseArgs, UsageError, type ParsedArgs } from "./args";
import type { CliIo } from "./io";

export interface Flag {
  /** The values the flag accepts; absent: any value, shown as `placeholder`. */
  values?: readonly string[];
  placeholder?: string;
  /** What it does, one line; say the default. */
  doc: string;
}

export interface Command {
  name: string;
  /** One line for `chainrule --help`. */
  summary: string;
  /** The positional arguments in the synopsis, e.g. `[paths…]`. */
  operands: string;
  /** Each operand with what it means. */
  operandDocs?: ReadonlyArray<readonly [string, string]>;
  flags: Readonly<Record<string, Flag>>;
  /** Flags that take no value (e.g. `--emit`); optional unless listed in `requiredSwitches`. */
  switches?: Readonly<Record<string, string>>;
  /** Switches the command cannot run without (`lsp --stdio`): shown bare, the others in brackets. */
  requiredSwitches?: readonly string[];
  /** What the exit codes mean for this command. */
  exit: string;
  /** Command lines a user can paste, each with a `#` comment. */
  examples: readonly string[];
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

function flagForm(name: string, f: Flag): string {
  return `--${name} ${f.values ? f.values.join("|") : (f.placeholder ?? "VALUE")}`;
}

/** The one-line synopsis: `chainrule check [paths…] [--format text|json]`. */
export function synopsis(c: Command): string {
  const parts = [`chainrule ${c.name}`];
  if (c.operands) parts.push(c.operands);
  for (const [name, f] of Object.entries(c.flags)) parts.push(`[${flagForm(name, f)}]`);
  // CLI.md's synopses: `[--emit]` is optional, `lsp --stdio` is not.
  for (const name of Object.keys(c.switches ?? {})) parts.push(c.requiredSwitches?.includes(name) ? `--${name}` : `[--${name}]`);
  return parts.join(" ");
}

function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}

/** `chainrule <command> --help`. */
export function helpText(c: Command): string {
  const lines = [`chainrule ${c.name}: ${c.summary}`, "", `usage: ${synopsis(c)}`];
  const rows: Array<readonly [string, string]> = [...(c.operandDocs ?? [])];
  for (const [name, f] of Object.entries(c.flags)) rows.push([flagForm(name, f), f.doc]);
  for (const [name, doc] of Object.entries(c.switches ?? {})) rows.push([`--${name}`, doc]);
  rows.push(["--help, -h", "this help"]);
  lines.push("", ...table(rows), "", `exit status: ${c.exit}`, "", "examples:", ...c.examples.map((e) => `  ${e}`));
  return lines.join("\n") + "\n";
}

/** Whether the user asked for help anywhere in a command's arguments (before a `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === "--") return false;
    if (a === "--help" || a === "-h") return true;
  }
  return false;
}

/** Parses a command's arguments against its own declaration. */
export function parseCommandArgs(c: Command, argv: readonly string[]): ParsedArgs & { switches: Set<string> } {
  const switches = new Set<string>();
  const rest: string[] = [];
  for (const a of argv) {
    const name = a.startsWith("--") ? a.slice(2) : undefined;
    if (name !== undefined && c.switches && name in c.switches) switches.add(name);
    else rest.push(a);
  }
  const spec: Record<string, readonly string[] | undefined> = {};
  for (const [name, f] of Object.entries(c.flags)) spec[name] = f.values;
  const parsed = parseArgs(rest, spec);
  if (!c.operands && parsed.paths.length) throw new UsageError(`chainrule ${c.name} takes no operands (got \`${parsed.paths[0]}\`)`);
  return { ...parsed, switches };
}
