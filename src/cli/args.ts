// A small, strict argument parser for the CLI: known flags with values, positional paths, and a
// UsageError for anything else (exit code 2).

import { UsageError } from "./files";

export interface ParsedArgs {
  paths: string[];
  flags: Map<string, string>;
}

/** `spec` maps each allowed flag to the values it accepts (undefined: any value). */
export function parseArgs(argv: readonly string[], spec: Record<string, readonly string[] | undefined>): ParsedArgs {
  const paths: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      paths.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!(name in spec)) throw new UsageError(`unknown option --${name}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    const allowed = spec[name];
    if (allowed && !allowed.includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got ${value}`);
    flags.set(name, value);
  }
  return { paths, flags };
}
