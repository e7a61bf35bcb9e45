// Unit tests of Workspace.analyzeAsync: it gives the same answer as analyze, yields to the event
// loop while it works, stops mid-file when its token is flipped from another event-loop task, and
// leaves the caches so that the next run equals a fresh workspace's analysis.

import assert from "node:assert/strict";
import { test } from "node:test";
import { generate } from "../../bench/analysis";
import { CancelledError, type CancellationToken, type FileAnalysis } from "../../src/analysis/api";
import { Workspace } from "../../src/analysis/workspace";

const FILE = "/gen.ts";
// ~250 top-level functions: a cold analysis takes hundreds of milliseconds, many slices.
const TEXT = generate(2000);
const UNITS = (TEXT.match(/^export function /gm) ?? []).length;
const LAST_RETURN = "return h.T.matmul(";
/** The same file with a matmul error in its last function. */
const BROKEN = TEXT.slice(0, TEXT.lastIndexOf(LAST_RETURN)) + "return h.matmul(" + TEXT.slice(TEXT.lastIndexOf(LAST_RETURN) + LAST_RETURN.length);
/** The same file with an error in its first function: the unit a first slice of one unit covers. */
const BROKEN_FIRST = TEXT.replace("softmax(h.matmul(W2)", "softmax(h.mul(W2)");

function workspace(text = TEXT): Workspace {
  const w = new Workspace({ readFile: () => undefined });
  w.update(FILE, text);
  return w;
}

let freshCache: Map<string, FileAnalysis> | undefined;
/** A fresh workspace's synchronous analysis of `text` (memoised: the tests compare against it often). */
function fresh(text: string): FileAnalysis {
  freshCache ??= new Map();
  let a = freshCache.get(text);
  if (!a) freshCache.set(text, (a = workspace(text).analyze(FILE)));
  return a;
}

/** A token the test flips by hand, from a timer or an immediate. */
function flippable(): CancellationToken & { cancel(): void } {
  let cancelled = false;
  return {
    get isCancellationRequested() {
      return cancelled;
    },
    cancel: () => (cancelled = true),
  };
}

test("the generated file has the shape the tests assume", () => {
  assert.ok(UNITS > 200, `units: ${UNITS}`);
  assert.ok(fresh(TEXT).diagnostics.length > 0);
  // The broken last function adds diagnostics, so a result for the wrong text would be noticed.
  assert.ok(fresh(BROKEN).diagnostics.length > fresh(TEXT).diagnostics.length);
  assert.ok(fresh(BROKEN_FIRST).diagnostics.length > fresh(TEXT).diagnostics.length);
});

test("analyzeAsync gives exactly analyze's result and lets other tasks run while it works", async () => {
  const w = workspace();
  let turns = 0;
  let done = false;
  const tick = (): void => {
    turns++;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  const a = await w.analyzeAsync(FILE, flippable(), { sliceMs: 1 });
  done = true;
  assert.deepEqual(a, fresh(TEXT));
  assert.equal(w.stats.analyzed, UNITS);
  assert.equal(w.stats.failed, 0, w.stats.lastFailure);
  // One turn would be the tick that ran before the first slice; more mean the analysis yielded.
  assert.ok(turns > 2, `event-loop turns during the analysis: ${turns}`);
});

test("a token flipped from setImmediate stops the analysis mid-file with CancelledError; the next run equals a fresh one", async () => {
  const w = workspace();
  const token = flippable();
  // Queued before the analysis' first yield, so it runs in that first gap.
  setImmediate(() => token.cancel());
  await assert.rejects(w.analyzeAsync(FILE, token, { sliceMs: 1 }), CancelledError);
  const done = w.stats.analyzed;
  assert.ok(done > 0 && done < UNITS, `units analysed before stopping: ${done} of ${UNITS}`);
  // The next full run reuses what the cancelled one did and is exactly a fresh workspace's result.
  assert.deepEqual(await w.analyzeAsync(FILE), fresh(TEXT));
  // Nothing changed in between, so what the cancelled run computed was kept, not redone.
  assert.equal(w.stats.analyzed, UNITS, "each unit analysed once in all");
  assert.deepEqual(w.analyze(FILE), fresh(TEXT));
});

test("a token flipped from a timer stops the analysis at the next slice", async () => {
  const w = workspace();
  const token = flippable();
  let analysedAtFlip = -1;
  // A fixed delay raced the analysis (warm, a 2,000-line file is done in under 20 ms): flip from
  // the first timer turn that finds a unit analysed, however fast the machine.
  const timer = setInterval(() => {
    if (w.stats.analyzed === 0) return;
    clearInterval(timer);
    analysedAtFlip = w.stats.analyzed;
    token.cancel();
  }, 1);
  await assert.rejects(w.analyzeAsync(FILE, token, { sliceMs: 1 }), CancelledError).finally(() => clearInterval(timer));
  assert.ok(analysedAtFlip > 0, "the timer ran while the analysis was under way");
  assert.ok(w.stats.analyzed < UNITS, `units analysed: ${w.stats.analyzed} of ${UNITS}`);
  // The timer could only run in a yield, and the token is read before the next unit: not one
  // more unit was analysed after the flip.
  assert.equal(w.stats.analyzed, analysedAtFlip);
  w.update(FILE, BROKEN);
  assert.deepEqual(await w.analyzeAsync(FILE), fresh(BROKEN));
});

test("an already cancelled token stops before the first unit, in both drivers", async () => {
  const w = workspace();
  const token = flippable();
  token.cancel();
  await assert.rejects(w.analyzeAsync(FILE, token), CancelledError);
  assert.throws(() => w.analyze(FILE, token), CancelledError);
  assert.equal(w.stats.analyzed, 0);
});

test("an update while the analysis is suspended restarts it: the answer is the new text's", async () => {
  const w = workspace();
  const pending = w.analyzeAsync(FILE, undefined, { sliceMs: 0 });
  // The first slice (one unit: the first function) ran synchronously on the old text; the
  // update, which breaks that very function, lands in the first yield. Resuming the old walk
  // would keep the first function's old (clean) result.
  assert.equal(w.stats.analyzed, 1);
  w.update(FILE, BROKEN_FIRST);
  assert.deepEqual(await pending, fresh(BROKEN_FIRST));
  assert.deepEqual(w.analyze(FILE), fresh(BROKEN_FIRST));
});

test("interleaved runs of the same file (two sliced, one synchronous) all give the fresh result", async () => {
  const w = workspace();
  const one = w.analyzeAsync(FILE, undefined, { sliceMs: 0 });
  const two = w.analyzeAsync(FILE, undefined, { sliceMs: 0 });
  const sync = w.analyze(FILE);
  assert.deepEqual(sync, fresh(TEXT));
  assert.deepEqual(await one, fresh(TEXT));
  assert.deepEqual(await two, fresh(TEXT));
  assert.equal(w.stats.analyzed, UNITS, "a unit is analysed once, whichever run gets to it first");
});

test("closed while suspended (as the server does: cancel, then close): stops without reading the file from disk", async () => {
  let reads = 0;
  const w = new Workspace({ readFile: () => (reads++, TEXT) });
  w.update(FILE, TEXT);
  const token = flippable();
  const pending = w.analyzeAsync(FILE, token, { sliceMs: 0 });
  token.cancel();
  w.close(FILE);
  await assert.rejects(pending, CancelledError);
  assert.equal(reads, 0);
});
