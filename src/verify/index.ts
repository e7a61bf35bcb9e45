// `verify(paths)`: the whole numeric gradient check as an API the CLI (and later the editor) calls.
// Discovers checks through the analyzer (syntax only), bundles each file once, and runs its checks
// in a sandboxed worker process. User code never runs in the caller's process.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Workspace } from "../analysis/workspace";
import { collectFiles } from "../files/collect";
import { BundleError, bundleUserFile, internalDirs, workerScript } from "./bundle";
import { discoverChecks, type PlannedCheck } from "./discover";
import { Session } from "./runner";
import type { CheckResult, CheckSpec, Mode, WorkerOutcome } from "./types";

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
}

export const DEFAULTS = { seed: 1, mode: "full" as Mode, timeoutMs: 10000, heapMb: 512, memoryMb: 1024 };


function result(spec: CheckSpec, o: WorkerOutcome, ms: number): CheckResult {
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

/** Run every check found under `paths`. Throws only for bad paths; check failures are results. */
export async function verify(paths: readonly string[], options: VerifyOptions): Promise<{ checks: CheckResult[]; stats: VerifyStats }> {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<VerifyOptions>;
  const files = collectFiles(paths, o.cwd).map((f) => f.abs);
  const checks: CheckResult[] = [];
  const stats: VerifyStats = { files: files.length, processes: 0 };
  const emit = (r: CheckResult) => {
    checks.push(r);
    o.onResult?.(r);
  };
  const tmp = mkdtempSync(path.join(tmpdir(), "chainrule-verify-"));
  // One analyzer for the run: a file imported by several gradient files is read and analysed once.
  const workspace = new Workspace();
  try {
    for (const [i, abs] of files.entries()) {
      if (options.signal?.aborted) break;
      // A cheap text test first: most files have no gradient to check and are never parsed.
      if (!readFileSync(abs, "utf8").includes("@gradient")) continue;
      const display = path.relative(o.cwd, abs) || path.basename(abs);
      const planned = discoverChecks(abs, { seed: o.seed, mode: o.mode, display, workspace }).filter((p) => !o.gradient || p.spec.gradient === o.gradient);
      const runnable = planned.filter((p) => !p.problem);
      let session: Session | null = null;
      let bundleProblem: string | null = null;
      if (runnable.length) {
        const bundle = path.join(tmp, `${i}-${path.basename(abs).replace(/\.[^.]+$/, "")}.cjs`);
        const names = [...new Set(runnable.flatMap((p) => [p.spec.of, p.spec.gradient]))];
        try {
          await bundleUserFile(abs, names, bundle, o.cwd);
          session = new Session(await workerScript(), bundle, {
            timeoutMs: o.timeoutMs, heapMb: o.heapMb, memoryMb: o.memoryMb, cwd: o.cwd, internal: internalDirs(),
          });
        } catch (e) {
          if (!(e instanceof BundleError)) throw e;
          bundleProblem = e.message;
        }
      }
      // Cancellation (the editor's progress notification) kills the worker mid-check.
      const stop = () => session?.close();
      options.signal?.addEventListener("abort", stop);
      try {
        for (const p of planned) {
          if (options.signal?.aborted) break;
          if (options.withArrays) p.spec.withArrays = true;
          await runOne(p, session, bundleProblem, (r) => options.signal?.aborted || emit(r));
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
  return { checks, stats };
}

async function runOne(p: PlannedCheck, session: Session | null, bundleProblem: string | null, emit: (r: CheckResult) => void): Promise<void> {
  if (p.problem) return emit(errorResult(p.spec, p.problem));
  if (!session) return emit(errorResult(p.spec, bundleProblem ?? "internal error: no worker"));
  const t0 = performance.now();
  const outcome = await session.run(p.spec);
  emit(result(p.spec, outcome, performance.now() - t0));
}
