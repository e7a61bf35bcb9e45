// `chainrule verify [paths…] [--format text|json] [--seed N] [--timeout MS] [--mode full|fast]`:
// argument parsing, output and exit codes around the engine in src/verify (CLI.md is the contract).

import { existsSync } from "node:fs";
import path from "node:path";
import { DEFAULTS, verify } from "../verify/index";
import { summary, textLine, toJson } from "../verify/report";
import type { Mode } from "../verify/types";

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
}

interface Parsed {
  paths: string[];
  format: "text" | "json";
  seed: number;
  timeoutMs: number;
  mode: Mode;
}

const USAGE = "usage: chainrule verify [paths…] [--format text|json] [--seed N] [--timeout MS] [--mode full|fast]";

class UsageError extends Error {}

function parse(argv: readonly string[]): Parsed {
  const out: Parsed = { paths: [], format: "text", seed: DEFAULTS.seed, timeoutMs: DEFAULTS.timeoutMs, mode: DEFAULTS.mode };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--") || arg === "--") {
      if (arg !== "--") out.paths.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const int = (v: string, min: number): number => {
      if (!/^-?\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) throw new UsageError(`${flag} expects an integer ≥ ${min}, got \`${v}\``);
      return Number(v);
    };
    switch (flag) {
      case "--format": {
        const v = value();
        if (v !== "text" && v !== "json") throw new UsageError(`--format expects text or json, got \`${v}\``);
        out.format = v;
        break;
      }
      case "--mode": {
        const v = value();
        if (v !== "full" && v !== "fast") throw new UsageError(`--mode expects full or fast, got \`${v}\``);
        out.mode = v;
        break;
      }
      case "--seed":
        out.seed = int(value(), 0);
        break;
      case "--timeout":
        out.timeoutMs = int(value(), 1);
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return out;
}

export async function verifyCommand(argv: string[], io: CliIo): Promise<number> {
  let args: Parsed;
  try {
    args = parse(argv);
    const missing = args.paths.find((p) => !existsSync(path.resolve(io.cwd, p)));
    if (missing !== undefined) throw new UsageError(`no such file or folder: ${missing}`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
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
