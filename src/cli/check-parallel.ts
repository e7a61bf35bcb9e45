// `chainrule check` over threads for large workspaces: this thread and `jobs − 1` worker threads
// each run their own fileChecker over the same list, claiming files through one shared array, and
// the results are put back in list order, so the output and exit code are the serial run's.
// Each share starts as a contiguous run of the list (neighbouring files tend to import the same
// helpers, which a checker then parses once); a checker done with its share takes the unclaimed
// files from the far end of the others', so a worker that starts late costs no idle time.

import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { FoundFile } from "../files/collect";
import { fileChecker, type CheckedFile } from "./check-file";

interface Share {
  files: FoundFile[];
  /** One Int32 per file: 0 unclaimed, 1 claimed. */
  claims: SharedArrayBuffer;
  /** Which share of the list is this checker's own (0 is the main thread's). */
  index: number;
  jobs: number;
  /** Whether results carry their inputs (for the cache). */
  inputs: boolean;
}

/** Set to any value to have each thread say on stderr how many files it checked, and when. */
export const DEBUG_ENV = "CHAINRULE_DEBUG_CHECK";
/** Set to any value to keep each thread to its own share (tests: every thread then checks files). */
export const NO_STEAL_ENV = "CHAINRULE_CHECK_NO_STEAL";

/** Checker `index` of `jobs`: its own share front to back, then (`steal`) the others' back to front. */
function order(n: number, index: number, jobs: number, steal: boolean): number[] {
  const bound = (k: number) => Math.floor((k * n) / jobs);
  const out: number[] = [];
  for (let i = bound(index); i < bound(index + 1); i++) out.push(i);
  for (let k = 1; steal && k < jobs; k++) {
    const other = (index + k) % jobs;
    for (let i = bound(other + 1) - 1; i >= bound(other); i--) out.push(i);
  }
  return out;
}

/** Checks every file of the share this checker claims first; returns them by index. */
function runShare(share: Share): Array<[number, CheckedFile]> {
  const claims = new Int32Array(share.claims);
  const check = fileChecker({ inputs: share.inputs });
  const done: Array<[number, CheckedFile]> = [];
  const t0 = performance.now();
  for (const i of order(share.files.length, share.index, share.jobs, !process.env[NO_STEAL_ENV])) {
    if (Atomics.compareExchange(claims, i, 0, 1) === 0) done.push([i, check(share.files[i]!)]);
  }
  if (process.env[DEBUG_ENV]) {
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    process.stderr.write(`chainrule: check thread ${share.index}: ${done.length} files in ${ms(performance.now() - t0)}, from ${ms(t0)} after its start\n`);
  }
  return done;
}

/**
 * What a worker runs: the engine bundle it loaded (see `startWorker`) calls this. Answers with
 * its results, or with the error that stopped it (the main thread then checks what is missing).
 */
export function checkWorkerMain(): void {
  if (isMainThread || !parentPort) return;
  try {
    parentPort.postMessage({ results: runShare(workerData as Share) });
  } catch (e) {
    parentPort.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}

/**
 * The worker's program: the engine bundle loaded through the CLI's loader, with its code cache,
 * then `checkWorkerMain`. Only the bundle can start workers (run from sources, `__filename` is
 * this module, which a bare worker cannot load).
 */
function startWorker(share: Share): Worker | undefined {
  const engine = __filename;
  if (path.basename(engine) !== "engine.js") return undefined;
  const front = path.join(path.dirname(engine), "cli.js");
  const program = `const { workerData } = require("node:worker_threads");
require(${JSON.stringify(front)}).loadBundle(${JSON.stringify(engine)}, { writeCache: false }).checkWorkerMain();`;
  try {
    return new Worker(program, { eval: true, workerData: share });
  } catch {
    return undefined;
  }
}

function waitFor(worker: Worker): Promise<Array<[number, CheckedFile]>> {
  return new Promise((resolve) => {
    let results: Array<[number, CheckedFile]> = [];
    worker.on("message", (m: { results?: Array<[number, CheckedFile]> }) => {
      if (m.results) results = m.results;
    });
    // A worker that failed or died returns what it sent (nothing): the main thread redoes the rest.
    worker.on("error", () => undefined);
    worker.on("exit", () => resolve(results));
  });
}

/** The files' results in list order, checked on `jobs` threads (this one included). */
export async function checkParallel(files: FoundFile[], jobs: number, inputs = false): Promise<CheckedFile[]> {
  const claims = new SharedArrayBuffer(4 * files.length);
  const workers: Worker[] = [];
  for (let index = 1; index < jobs; index++) {
    const w = startWorker({ files, claims, index, jobs, inputs });
    if (w) workers.push(w);
  }
  const results: Array<CheckedFile | undefined> = new Array(files.length);
  const mine = runShare({ files, claims, index: 0, jobs: workers.length + 1, inputs });
  for (const [i, r] of mine) results[i] = r;
  for (const found of await Promise.all(workers.map(waitFor))) for (const [i, r] of found) results[i] = r;
  // Files claimed by a worker that never answered: checked here, as the serial run would.
  const check = fileChecker({ inputs });
  return results.map((r, i) => r ?? check(files[i]!));
}
