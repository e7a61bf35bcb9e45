// `chainrule explain <file> <function> [params…] [--format text|json|markdown] [--emit]`: the
// chain rule written out for a scalar function (src/explain), with CLI.md's exit codes: 0 derived,
// 1 when it cannot be (not scalar, or a construct the derivation does not follow), 2 bad usage.

import { existsSync } from "node:fs";
import path from "node:path";
import { Workspace } from "../analysis/workspace";
import { emitGradient } from "../explain/emit";
import { explainFunction, ExplainError, ExplainUsageError } from "../explain/explain";
import { formatMarkdown, formatText } from "../explain/format";
import { UsageError } from "./args";
import { parseCommandArgs, synopsis, type Command } from "./command";
import type { CliIo } from "./io";

/** `file:line:col` (1-based) of an offset, for messages in tsc's format. */
function where(ws: Workspace, cwd: string, span: { file: string; start: number } | undefined): string {
  if (!span) return "";
  const sf = ws.fileState(span.file)?.sf;
  const p = sf?.getLineAndCharacterOfPosition(span.start);
  const file = path.relative(cwd, span.file) || span.file;
  return p ? `${file}:${p.line + 1}:${p.character + 1} - ` : `${file} - `;
}

export async function explainCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let args;
  try {
    const { paths, flags, switches } = parseCommandArgs(explain, argv);
    const emit = switches.has("emit");
    const [file, fn, ...params] = paths;
    if (!file || !fn) throw new UsageError("explain needs a file and a function");
    const abs = path.resolve(io.cwd, file);
    if (!existsSync(abs)) throw new UsageError(`no such file ${file}`);
    args = { file, abs, fn, params, emit, format: flags.get("format") ?? "text" };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`chainrule explain: ${e.message}\nusage: ${synopsis(explain)}\n`);
    return 2;
  }
  const ws = new Workspace();
  try {
    const ex = explainFunction(ws, { file: args.abs, display: args.file, fn: args.fn, params: args.params });
    if (args.emit) ex.json.code = emitGradient(ws, ex).code;
    if (args.format === "json") io.stdout(`${JSON.stringify(ex.json, null, 2)}\n`);
    else if (args.format === "markdown") io.stdout(formatMarkdown(ex.json) + (ex.json.code ? `\n\`\`\`ts\n${ex.json.code}\`\`\`\n` : ""));
    else io.stdout(args.emit ? ex.json.code! : formatText(ex.json));
    return 0;
  } catch (e) {
    if (e instanceof ExplainUsageError) {
      io.stderr(`chainrule explain: ${e.message}\nusage: ${synopsis(explain)}\n`);
      return 2;
    }
    if (e instanceof ExplainError) {
      io.stderr(`${where(ws, io.cwd, e.span)}error explain: ${e.message}\n`);
      return 1;
    }
    io.stderr(`chainrule explain: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

export const explain: Command = {
  name: "explain",
  summary: "the chain rule written out for a scalar function: forward steps, backward steps with their Jacobians, each gradient",
  operands: "<file> <function> [params…]",
  operandDocs: [
    ["<file>", "the file that declares the function"],
    ["<function>", "a scalar function of it (a declaration or `const f = (…) => …`)"],
    ["params…", "the parameters to differentiate with respect to; none: every tensor parameter"],
  ],
  flags: {
    format: { values: ["text", "json", "markdown"], doc: "text (default): steps with shapes; json: CLI.md's document (docs/cli.md); markdown: as hovers show it" },
  },
  switches: { emit: "also the TypeScript of a @gradient function in the file's style (alone, for text), which checks clean and verifies" },
  exit: "0 derived, 1 when it cannot be (F not scalar, or a construct the derivation does not follow: the message says which and where), 2 bad usage",
  examples: [
    "chainrule explain examples/seed.ts loss x          # ∂loss/∂x step by step",
    "chainrule explain examples/seed.ts loss --emit >> examples/seed.ts",
    "chainrule explain examples/seed.ts loss W1 --format json",
  ],
  run: explainCommand,
};
