// `chainrule verify [paths…] [--format text|json] [--seed N] [--timeout MS] [--mode full|fast]`:
// argument parsing, output and exit codes around the engine in src/verify (CLI.md is the contract).

import { collectFiles, MissingPathError } from "../files/collect";
import { DEFAULTS, verify as runChecks } from "../verify/index";
import { killAllWorkers } from "../verify/runner";
import { summary, textLine, toJson } from "../verify/report";
import { progressText } from "../text/verify-text";
import type { CheckProgress, Mode } from "../verify/types";
import { intFlag, UsageError } from "./args";
import { parseCommandArgs, synopsis, type Command } from "./command";
import type { CliIo } from "./io";

export async function verifyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    const { paths, flags } = parseCommandArgs(verify, argv);
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
    io.stderr(`chainrule verify: ${e.message}\nusage: ${synopsis(verify)}\n(chainrule verify --help for every flag)\n`);
    return 2;
  }
  const t0 = performance.now();
  // Ctrl-C or a kill: take the workers down first (a worker busy in a loop never reads a closed
  // channel), then exit as the signal would have. SIGKILL is covered by isolation.ts's pdeathsig.
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const onSignal = (sig: NodeJS.Signals) => {
    killAllWorkers();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as Record<string, number>)[sig]!);
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    // On a terminal, a long check shows how far it is (and about how long it still needs) on
    // stderr; the line is erased before anything else is printed. Ctrl-C cancels (onSignal).
    let shown = false;
    const clear = () => {
      if (shown) io.status?.("");
      shown = false;
    };
    const { checks, skipped } = await runChecks(args.paths, {
      cwd: io.cwd, seed: args.seed, mode: args.mode, timeoutMs: args.timeoutMs,
      ...(io.status ? { onProgress: (p: CheckProgress) => { shown = true; io.status!(progressText(p)); } } : {}),
      // Text output streams a line per check as it finishes; JSON is one document at the end.
      onResult: (r) => {
        clear();
        if (args.format === "text") io.stdout(`${textLine(r)}\n`);
      },
    });
    clear();
    // A file that could not be read was not verified: said on stderr (and in JSON), and the run exits 1.
    for (const f of skipped) io.stderr(`chainrule verify: skipped ${f.message}\n`);
    if (args.format === "json") io.stdout(`${toJson(checks, skipped)}\n`);
    else io.stdout(`${summary(checks, performance.now() - t0)}\n`);
    return skipped.length === 0 && checks.every((c) => c.status === "pass") ? 0 : 1;
  } catch (e) {
    io.stderr(`chainrule verify: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

export const verify: Command = {
  name: "verify",
  summary: "check every hand-derived @gradient function numerically against finite differences, in a sandboxed process",
  operands: "[paths…]",
  operandDocs: [["paths…", "files or folders (every .ts below, node_modules skipped); none: the current folder"]],
  flags: {
    format: { values: ["text", "json"], doc: "text (default): a line per check as it finishes, then a summary; json: one document at the end (docs/cli.md)" },
    seed: { placeholder: "N", doc: `seed of the random inputs, an integer ≥ 0 (default ${DEFAULTS.seed}): the same seed draws the same inputs` },
    timeout: { placeholder: "MS", doc: `time limit of one check in milliseconds (default ${DEFAULTS.timeoutMs})` },
    mode: { values: ["full", "fast"], doc: "full (default): every element against central differences; fast: a few random directional derivatives first, the full check only to localise a failure" },
  },
  exit: "0 every check passes, 1 a check fails or errors, 2 bad usage or an internal failure",
  examples: [
    "chainrule verify                            # every @gradient below the current folder",
    "chainrule verify examples/seed.ts --seed 7  # other random inputs",
    "chainrule verify src --mode fast --format json",
  ],
  run: verifyCommand,
};
