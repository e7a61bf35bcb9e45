// Runs a file's checks with the worker's code in this process, no sandbox: for tests that compare
// how the worker probes (with and without the replay of the base pass) on trusted fixtures only.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bundleUserFile, internalDirs } from "../../src/verify/bundle";
import { runCheck, type CheckRun, type JobRunner } from "../../src/verify/check";
import { discoverChecks } from "../../src/verify/discover";
import { runJob } from "../../src/verify/probe";
import type { Answer } from "../../src/verify/protocol";
import { CompiledBundle } from "../../src/verify/realm";
import type { CheckSpec, Mode } from "../../src/verify/types";

export interface InProcessCheck {
  spec: CheckSpec;
  run: CheckRun;
  /** Every answer the worker's code gave, in order. */
  answers: Answer[];
}

/** `split`: offer check.ts a second runner (this process again), so long checks split their probes. */
export async function checkInProcess(file: string, opts: { replay: boolean; split?: boolean; mode?: Mode; seed?: number; only?: string }): Promise<InProcessCheck[]> {
  const root = path.resolve(__dirname, "../..");
  const abs = path.resolve(root, file);
  const planned = discoverChecks(abs, { seed: opts.seed ?? 1, mode: opts.mode ?? "full", display: file })
    .filter((p) => !p.problem && (!opts.only || p.spec.gradient === opts.only));
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-inproc-"));
  try {
    const out = path.join(dir, "bundle.cjs");
    await bundleUserFile(abs, [...new Set(planned.flatMap((p) => [p.spec.of, p.spec.gradient]))], out, root);
    const bundle = new CompiledBundle(out);
    const env = { bundle, phase: () => undefined, cwd: root, internal: internalDirs(), display: file };
    const results: InProcessCheck[] = [];
    for (const p of planned) {
      const answers: Answer[] = [];
      const runner: JobRunner = {
        run: async (job: Parameters<typeof runJob>[0]) => {
          const answer = runJob({ ...job, replay: opts.replay }, env);
          answers.push(answer);
          return { answer };
        },
        ...(opts.split ? { second: () => runner } : {}),
      };
      results.push({ spec: p.spec, run: await runCheck(p.spec, runner, 600_000), answers });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
