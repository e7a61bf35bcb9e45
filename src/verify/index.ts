// `verify(paths)`: the whole numeric gradient check as an API the CLI (and later the editor) calls.
// Discovers checks through the analyzer (syntax only), bundles each file once, and runs its checks
// in a sandboxed worker process. User code never runs in the caller's process.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Workspace } from "../analysis/workspace";
import { withCulprit } from "../explain/culprit";
import { collectFiles } from "../files/collect";
import { readSource, sourceHost } from "../files/read";
import { BundleError, bundleUserFile, internalDirs, workerScript } from "./bundle";
import { discoverChecks, type PlannedCheck } from "./discover";
import { esbuild } from "./esbuild";
import { Session } from "./runner";
import { runCheck, SPLIT_AT } from "./check";
import type { CheckOutcome, CheckProgress, CheckResult, CheckSpec, Mode } from "./types";

export type { CheckResult } from "./types";

export interface VerifyOptions {
  cwd: string;
  seed?: number;
  mode?: Mode;
  timeoutMs?: number;
  heapMb?: number;
  memoryMb?: number;
  /** Only the check of this gradient function (the editor's "Verify gradient" on one function). */
  gradient?: string;
  /** Include each check's full analytic and numeric arrays (`CheckResult.arrays`), for the editor's report view. */
  withArrays?: boolean;
  /** Aborting kills the running worker and skips the remaining checks; a check cut short is not reported. */
  signal?: AbortSignal;
  /** Called as each check finishes, for progress output. */
  onResult?: (r: CheckResult) => void;
  /** Called every 200 ms or so while a check probes element by element (a progress line, with an estimate). */
  onProgress?: (p: CheckProgress) => void;
}

export const DEFAULTS = { seed: 1, mode: "full" as Mode, timeoutMs: 10000, heapMb: 512, memoryMb: 1024 };


function result(spec: CheckSpec, o: CheckOutcome, ms: number): CheckResult {
  return {
    file: spec.file, gradient: spec.gradient, of: spec.of, wrt: o.wrt.length ? o.wrt : spec.wrt,
    status: o.status, mode: spec.mode, dims: spec.dims, seed: spec.seed,
    maxAbsError: o.maxAbsError, maxRelError: o.maxRelError, worst: o.worst, diagnosis: o.diagnosis,
    message: o.message, ms: Math.round(ms), line: spec.line, column: spec.column,
    ...(o.params ? { params: o.params } : {}),
    ...(o.ad ? { ad: o.ad } : {}),
    ...(o.directions !== undefined ? { directions: o.directions, fellBack: o.fellBack ?? false } : {}),
    ...(o.forwardPasses !== undefined ? { forwardPasses: o.forwardPasses } : {}),
    ...(o.cpuMs !== undefined ? { cpuMs: o.cpuMs } : {}),
    ...(o.arrays ? { arrays: o.arrays } : {}),
  };
}

function errorResult(spec: CheckSpec, message: string): CheckResult {
  return result(spec, { wrt: spec.wrt, status: "error", maxAbsError: null, maxRelError: null, worst: null, diagnosis: null, message }, 0);
}

export interface VerifyStats {
  files: number;
  processes: number;
}

/** A file that could not be read: no check of it ran, and the run says so (exit 1). */
export interface SkippedFile {
  file: string;
  message: string;
}

/** Run every check found under `paths`. Throws only for bad paths; check failures are results. */
export async function verify(paths: readonly string[], options: VerifyOptions): Promise<{ checks: CheckResult[]; stats: VerifyStats; skipped: SkippedFile[] }> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<VerifyOptions>;
  const found = collectFiles(paths, o.cwd);
  const files = found.map((f) => f.abs);
  const skipped: SkippedFile[] = [];
  const checks: CheckResult[] = [];
  const stats: VerifyStats = { files: files.length, processes: 0 };
  const emit = (r: CheckResult) => {
    checks.push(r);
    o.onResult?.(r);
  };
  const tmp = mkdtempSync(path.join(tmpdir(), "chainrule-verify-"));
  // One analyzer for the run: a file imported by several gradient files is read and analysed once.
  const workspace = new Workspace(sourceHost);
  try {
    for (const [i, abs] of files.entries()) {
      if (options.signal?.aborted) break;
      // As `check` shows it (collectFiles): as given, or relative to the current folder below a folder.
      const display = found[i]!.display;
      const read = found[i]!.problem ? { problem: found[i]!.problem! } : readSource(abs);
      if ("problem" in read) {
        skipped.push({ file: display, message: `${display} ${read.problem}` });
        continue;
      }
      // A cheap text test first: most files have no gradient to check and are never parsed.
      if (!read.text.includes("@gradient")) continue;
      // Starts esbuild's service process (once per process) while discovery parses the file.
      esbuild().catch(() => undefined);
      const bundle = path.join(tmp, `${i}-${path.basename(abs).replace(/\.[^.]+$/, "")}.cjs`);
      // The file's process starts before discovery and bundling, which it overlaps: whole
      // `chainrule verify` runs of one small check were half fixed costs (docs/verify.md, Scale).
      const early = new Session(await workerScript(), bundle, {
        timeoutMs: o.timeoutMs, heapMb: o.heapMb, memoryMb: o.memoryMb, cwd: o.cwd, internal: internalDirs(),
      });
      early.warm();
      let session: Session | null = null;
      let bundleProblem: string | null = null;
      let planned: PlannedCheck[];
      try {
        planned = discoverChecks(abs, { seed: o.seed, mode: o.mode, display, workspace }).filter((p) => !o.gradient || p.spec.gradient === o.gradient);
        const runnable = planned.filter((p) => !p.problem);
        if (runnable.length) {
          const names = [...new Set(runnable.flatMap((p) => [p.spec.of, p.spec.gradient]))];
          // A check that will split its probes (check.ts SPLIT_AT) gets its second process started now too.
          if (o.mode === "full" && runnable.some((p) => probedElements(p.spec) >= SPLIT_AT)) early.second().warm();
          try {
            await bundleUserFile(abs, names, bundle, o.cwd);
            session = early;
          } catch (e) {
            if (!(e instanceof BundleError)) throw e;
            bundleProblem = e.message;
          }
        }
      } finally {
        // Nothing to run, or an internal failure: the early process goes (a thrown error included).
        if (session === null) {
          early.close();
          stats.processes += early.spawned;
        }
      }
      // Cancellation (the editor's progress notification) kills the worker mid-check.
      const stop = () => session?.close();
      options.signal?.addEventListener("abort", stop);
      try {
        for (const p of planned) {
          if (options.signal?.aborted) break;
          if (options.withArrays) p.spec.withArrays = true;
          // A failed check names its wrong factor (src/explain/culprit.ts: syntax and catalog kernels, nothing run).
          await runOne(p, session, bundleProblem, o.timeoutMs, (r) => options.signal?.aborted || emit(withCulprit(r, workspace, abs, p.spec)), options.onProgress);
        }
      } finally {
        options.signal?.removeEventListener("abort", stop);
        session?.close();
        stats.processes += session?.spawned ?? 0;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { checks, stats, skipped };
}

/** The elements a full check probes: its `wrt` parameters' (all tensor parameters' when `wrt` is read at run time). */
function probedElements(spec: CheckSpec): number {
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  return spec.params.filter((p) => spec.wrt.length === 0 || spec.wrt.includes(p.name)).reduce((sum, p) => sum + size(p.shape), 0);
}

/**
 * One check, start to result. This is where a check's outcome meets what it was computed from
 * (`CheckRun`: inputs, analytic and numeric arrays): a later stage that explains a failure
 * (a culprit sub-expression, say) belongs between runCheck and result().
 */
async function runOne(p: PlannedCheck, session: Session | null, bundleProblem: string | null, timeoutMs: number, emit: (r: CheckResult) => void, onProgress?: (p: CheckProgress) => void): Promise<void> {
  if (p.problem) return emit(errorResult(p.spec, p.problem));
  if (!session) return emit(errorResult(p.spec, bundleProblem ?? "internal error: no worker"));
  const t0 = performance.now();
  const run = await runCheck(p.spec, session, timeoutMs, onProgress);
  // Realms are fresh per check anyway; a fresh process after an error also drops whatever memory it left.
  if (run.outcome.status === "error") session.close();
  emit(result(p.spec, run.outcome, performance.now() - t0));
}
