// The sandboxed child process that runs user code for `chainrule verify`: it loads one bundled user
// file, runs the checks the parent sends over IPC one at a time, and reports phases (so a timeout
// can say where it hung) and results. The parent starts it under Node's permission model with a
// heap limit and kills it on timeout; see runner.ts.

import { createRequire } from "node:module";
import path from "node:path";
import { CheckError, runCheck, type RuntimeHooks } from "./check";
import type { RunMessage, WorkerMessage, WorkerOutcome } from "./types";

const load = createRequire(__filename);
const realExit = process.exit.bind(process);

function send(m: WorkerMessage): void {
  process.send?.(m);
}

/** Checked code must not end the process: make process.exit a catchable, reportable error. */
class ExitCalled extends Error {
  constructor(code: unknown) {
    super(`process.exit(${code === undefined ? "" : String(code)}) was called; checked code may not end the checker's process`);
    this.name = "ProcessExit";
  }
}
process.exit = ((code?: unknown) => {
  throw new ExitCalled(code);
}) as typeof process.exit;
process.abort = (() => {
  throw new ExitCalled("abort");
}) as typeof process.abort;

/** " (at test/x.ts:12:9)": the first stack frame in user code, relative to the user's folder. */
function whereFrom(internal: readonly string[], cwd: string): (e: unknown) => string {
  return (e) => {
    const stack = e instanceof Error && typeof e.stack === "string" ? e.stack : "";
    for (const line of stack.split("\n").slice(1)) {
      const m = /(?:\(|at )((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
      if (!m) continue;
      const file = m[1]!.replace(/^file:\/\//, "");
      if (internal.some((dir) => file.startsWith(dir))) continue;
      return ` (at ${path.relative(cwd, file) || file}:${m[2]}:${m[3]})`;
    }
    return "";
  };
}

interface BundleExports {
  __chainrule_verify__: RuntimeHooks & { fns: Record<string, unknown> };
}

process.on("message", (raw: unknown) => {
  const m = raw as RunMessage;
  if (m.type !== "run") return;
  const where = whereFrom([...m.internal, __filename], m.cwd);
  let outcome: WorkerOutcome;
  try {
    send({ type: "phase", text: `loading ${m.spec.file}` });
    let mod: BundleExports;
    try {
      mod = load(m.bundle) as BundleExports;
    } catch (e) {
      throw new CheckError(`loading ${m.spec.file} threw: ${e instanceof Error ? e.message : String(e)}${where(e)}`);
    }
    const hooks = mod.__chainrule_verify__;
    const cpu0 = process.cpuUsage();
    outcome = runCheck(m.spec, { fns: hooks.fns, hooks, phase: (text) => send({ type: "phase", text }), where, budgetMs: m.budgetMs });
    const cpu = process.cpuUsage(cpu0);
    outcome.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  } catch (e) {
    const message = e instanceof CheckError ? e.message : `internal error in the checker: ${e instanceof Error ? e.stack : String(e)}`;
    outcome = { wrt: m.spec.wrt, status: "error", maxAbsError: null, maxRelError: null, worst: null, diagnosis: null, message };
  }
  send({ type: "result", outcome });
});

// The parent disconnects when it has no more checks for this file.
process.on("disconnect", () => realExit(0));
