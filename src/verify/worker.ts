// The sandboxed child process that runs user code for `chainrule verify`. It compiles one bundled
// user file, then answers the parent's jobs one at a time: each job runs in fresh realms
// (realm.ts) and is answered with raw numbers (probe.ts). It acknowledges a job before starting
// it, so the parent can tell a job that never started from one that hung; it exits as soon as
// the parent's channel closes. The parent starts it under Node's permission model (runner.ts).

import type { JobMessage, WorkerMessage } from "./protocol";
import { runJob } from "./probe";
import { CompiledBundle } from "./realm";

const bundleFile = process.argv[2];
const send = process.send?.bind(process);
let bundle: CompiledBundle | null = null;

function post(m: WorkerMessage): void {
  send?.(m);
}

// Stray promises of checked code that reject are no concern of the checker's: the checked
// functions must be synchronous, and their results are read before any rejection is reported.
process.on("unhandledRejection", () => undefined);

process.on("message", (raw: unknown) => {
  const m = raw as JobMessage;
  if (typeof m !== "object" || m === null || m.type !== "job" || typeof m.id !== "number") return;
  post({ type: "started", id: m.id });
  let answer;
  try {
    bundle ??= new CompiledBundle(bundleFile!);
    answer = runJob(m.job, {
      bundle,
      cwd: m.cwd,
      internal: m.internal,
      display: m.file,
      phase: (text) => post({ type: "phase", id: m.id, text }),
      progress: (done, total, ms) => post({ type: "progress", id: m.id, done, total, ms }),
      tape: (tape) => post({ type: "tape", id: m.id, tape }),
    });
  } catch (e) {
    answer = { error: `internal error in the checker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` };
  }
  post({ type: "answer", id: m.id, answer });
});

// The parent disconnects when it has no more jobs, and the channel closes when it dies.
process.on("disconnect", () => process.exit(0));
