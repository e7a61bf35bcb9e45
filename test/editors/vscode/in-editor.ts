// What the in-editor suites (suite.ts, verify-suite.ts) share, bundled into each: running their
// tests with the `CHAINRULE_TEST PASS|FAIL|SKIP <name>` lines the harness reads, waiting on editor
// events, and asking the harness (session.ts) for a step only a person can do. Runs in VS Code's
// extension host under either runner (code-server harness or @vscode/test-electron).

import { existsSync, readFileSync, watch } from "node:fs";
import path from "node:path";
import * as vscode from "vscode";

export const TIMEOUT_MS = 90_000;

/** Thrown by a test that cannot run under this runner: reported as skipped, not passed. */
export class Skip extends Error {}

export type InEditorTest = [name: string, fn: () => Promise<void>];

/** Runs the tests in order, one result line each; rejects (so VS Code exits non-zero) if any failed. */
export async function runTests(tests: InEditorTest[]): Promise<void> {
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`CHAINRULE_TEST PASS ${name}`);
    } catch (e) {
      if (e instanceof Skip) {
        console.log(`CHAINRULE_TEST SKIP ${name}: ${e.message}`);
        continue;
      }
      failed++;
      // One line per result: the harness reads the log line by line.
      console.log(`CHAINRULE_TEST FAIL ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`.replace(/\n/g, " ⏎ "));
    }
  }
  if (failed > 0) throw new Error(`${failed} of ${tests.length} in-editor test(s) failed`);
}

/** Resolves when `pick` yields a value, re-checked whenever `event` fires (and once at once). */
export function when<T>(event: vscode.Event<unknown>, pick: () => T | undefined, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const check = () => {
      const v = pick();
      if (v === undefined) return;
      cleanup();
      resolve(v);
    };
    const sub = event(check);
    const timer = setTimeout(() => (cleanup(), reject(new Error(`timed out waiting for ${what}`))), TIMEOUT_MS);
    const cleanup = () => (sub.dispose(), clearTimeout(timer));
    check();
  });
}

export const codeOf = (d: vscode.Diagnostic) => (typeof d.code === "object" ? String(d.code.value) : String(d.code));

let stepNo = 0;
/**
 * Asks the harness (the browser) to do something a person does, and waits (on fs events, not a
 * sleep) for its verdict in a file of the workspace; rejects with the verdict unless it is "ok".
 */
export function harnessStep(folder: string, name: string, arg = ""): Promise<void> {
  const done = path.join(folder, `.step-${++stepNo}`);
  console.log(`CHAINRULE_STEP ${done} ${name} ${arg}`);
  return new Promise((resolve, reject) => {
    const finish = () => {
      watcher.close();
      clearTimeout(timer);
      const verdict = readFileSync(done, "utf8").trim();
      if (verdict === "ok") resolve();
      else reject(new Error(verdict));
    };
    const watcher = watch(folder, () => existsSync(done) && finish());
    const timer = setTimeout(() => (watcher.close(), reject(new Error(`harness step ${name} did not answer`))), TIMEOUT_MS);
    if (existsSync(done)) finish();
  });
}
