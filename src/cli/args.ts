// A small, strict argument parser shared by the CLI's commands: known flags with values (as
// `--flag value` or `--flag=value`), positional paths, and a UsageError (exit code 2) for anything else.

export class UsageError extends Error {}

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
    if (a === "--") {
      paths.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("--")) {
      paths.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!(name in spec)) throw new UsageError(`unknown option --${name}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") throw new UsageError(`--${name} needs a value`);
    const allowed = spec[name];
    if (allowed && !allowed.includes(value)) throw new UsageError(`--${name} expects ${allowed.join(" or ")}, got \`${value}\``);
    flags.set(name, value);
  }
  return { paths, flags };
}

/** An integer flag's value, at least `min`, or `fallback` when absent. */
export function intFlag(flags: ReadonlyMap<string, string>, name: string, min: number, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
    throw new UsageError(`--${name} expects an integer ≥ ${min}, got \`${v}\``);
  }
  return Number(v);
}
