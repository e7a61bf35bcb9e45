// `chainrule verify [paths…] [--format text|json] [--seed N] [--timeout MS] [--mode full|fast]`:
// argument parsing, output and exit codes around the engine in src/verify (CLI.md is the contract).

import { collectFiles, MissingPathError } from "../files/collect";
import { DEFAULTS, verify } from "../verify/index";
import { summary, textLine, toJson } from "../verify/report";
import type { Mode } from "../verify/types";
import { intFlag, parseArgs, UsageError } from "./args";
import type { CliIo } from "./io";

const USAGE = "usage: chainrule verify [paths…] [--format text|json] [--seed N] [--timeout MS] [--mode full|fast]";

export async function verifyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    const { paths, flags } = parseArgs(argv, { format: ["text", "json"], mode: ["full", "fast"], seed: undefined, timeout: undefined });
    args = {
      paths,
      format: flags.get("format") ?? "text",
      mode: (flags.get("mode") ?? DEFAULTS.mode) as Mode,
      seed: intFlag(flags, "seed", 0, DEFAULTS.seed),
      timeoutMs: intFlag(flags, "timeout", 1, DEFAULTS.timeoutMs),
    };
    collectFiles(paths, io.cwd); // a missing path is bad usage, before anything runs
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof MissingPathError)) throw e;
    io.stderr(`chainrule verify: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  const t0 = performance.now();
  try {
    const { checks } = await verify(args.paths, {
      cwd: io.cwd, seed: args.seed, mode: args.mode, timeoutMs: args.timeoutMs,
      // Text output streams a line per check as it finishes; JSON is one document at the end.
      ...(args.format === "text" ? { onResult: (r) => io.stdout(`${textLine(r)}\n`) } : {}),
    });
    if (args.format === "json") io.stdout(`${toJson(checks)}\n`);
    else io.stdout(`${summary(checks, performance.now() - t0)}\n`);
    return checks.every((c) => c.status === "pass") ? 0 : 1;
  } catch (e) {
    io.stderr(`chainrule verify: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}
