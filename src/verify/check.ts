// One check, on the parent's side: draws the inputs, asks the sandboxed worker for raw numbers
// (probe.ts answers), and turns them into the verdict: finite differences, the comparison, the
// diagnosis, the AD second opinion and the wording. Checked code never runs in this process, so
// nothing it does can reach these computations; all it controls is the numbers, which are
// validated (protocol.ts) and checked for consistency (F gives the same value twice, leaves its
// inputs alone).

import { elementName, formatError, worstText } from "../text/verify-text";
import { unravel } from "../shape/shape";
import { compareParam, withinTolerance, type Comparison } from "./compare";
import type { Answer, Job, Probe, TapeData } from "./protocol";
import { backprop, type TapeNodeLike } from "./reference";
import type { JobEvents, JobProgress, JobResult } from "./runner";
import { Rng, sampleData, unitDirection } from "./sample";
import { ATOL, EPS, FAST_DIRECTIONS, RTOL, type AdResult, type CheckOutcome, type CheckProgress, type CheckSpec, type ParamResult } from "./types";

/** What runs a job: the sandboxed session (runner.ts), or a stand-in in tests. */
export interface JobRunner {
  run(job: Job, file: string, events?: JobEvents): Promise<JobResult>;
  /** A second sandboxed process for the same file, to split a long check's probes with (runner.ts). */
  second?(): JobRunner;
  /** Ends the job running, if any (its answer becomes an error). */
  close?(): void;
}

/**
 * From this many elements, a full check's probes are split between two processes: the second
 * process's start (75–250 ms, docs/verify.md) is then well under the time it saves.
 */
export const SPLIT_AT = 16_384;

type Tensor = { shape: number[]; data: Float64Array };

/** A check's outcome with what it was computed from: the inputs, and the analytic and numeric arrays. */
export interface CheckRun {
  outcome: CheckOutcome;
  /** One per parameter of F, as drawn (the gradient and F saw copies). */
  inputs: Float64Array[];
  analytic?: Map<string, Tensor>;
  numeric?: Map<string, Float64Array>;
}

class Stop extends Error {}

function at(name: string, shape: readonly number[], i: number): string {
  return elementName(name, unravel(i, shape));
}

function errorOutcome(wrt: string[], message: string): CheckOutcome {
  return { wrt, status: "error", maxAbsError: null, maxRelError: null, worst: null, diagnosis: null, message };
}

export async function runCheck(spec: CheckSpec, runner: JobRunner, budgetMs: number, onProgress?: (p: CheckProgress) => void): Promise<CheckRun> {
  const rng = new Rng(spec.seed);
  const inputs = spec.params.map((p) => sampleData(rng, p.sample, p.shape));
  const run: CheckRun = { outcome: errorOutcome(spec.wrt, ""), inputs };
  let cpuMs = 0;
  const base: Omit<Job, "callGradient" | "callF" | "probe" | "tape"> = {
    of: spec.of, gradient: spec.gradient, objectForm: spec.objectForm, wrt: spec.wrt,
    params: spec.params.map(({ name, shape, kind }) => ({ name, shape, kind })), inputs, dims: spec.dims, seed: spec.seed, budgetMs,
  };
  const report = onProgress && ((p: JobProgress) => onProgress({
    file: spec.file, gradient: spec.gradient, done: p.done, total: p.total, elapsedMs: p.ms,
    remainingMs: p.done > 0 ? (p.ms / p.done) * (p.total - p.done) : NaN,
  }));
  // Reverse-mode AD on F's tape, computed as soon as the tape arrives: during the probes.
  let wrtIdx: number[] = [];
  let ad: AdRun | undefined;
  const onTape = (t: TapeData | { error: string }) => {
    ad = runAd(spec, t, wrtIdx);
  };
  const ask = async (job: Omit<Job, keyof typeof base>, on: JobRunner = runner, progress = report): Promise<Answer> => {
    const r = await on.run({ ...base, ...job }, spec.file, { ...(progress ? { progress } : {}), ...(job.tape ? { tape: onTape } : {}) });
    if ("error" in r) throw new Stop(r.error);
    if (r.answer.error !== undefined) throw new Stop(r.answer.error);
    cpuMs += r.answer.cpuMs ?? 0;
    return r.answer;
  };
  /** An element-probing job, split between two processes when it is long (SPLIT_AT). */
  const askElements = async (job: Omit<Job, keyof typeof base>): Promise<Answer> => {
    const p = job.probe;
    const total = p.kind === "elements" ? p.params.reduce((sum, k) => sum + inputs[k]!.length, 0) : 0;
    const second = p.kind === "elements" && total >= SPLIT_AT ? runner.second?.() : undefined;
    if (!second || p.kind !== "elements") return ask(job);
    const half = Math.ceil(total / 2);
    const parts: JobProgress[] = [{ done: 0, total: half, ms: 0 }, { done: 0, total: total - half, ms: 0 }];
    const progress = (i: number) => report && ((q: JobProgress) => {
      parts[i] = q;
      report({ done: parts[0]!.done + parts[1]!.done, total, ms: Math.max(parts[0]!.ms, parts[1]!.ms) });
    });
    // The second process only calls F and probes: the gradient, the tape and the check of F's
    // value against the first's stay with the first.
    const b = ask({ callGradient: false, callF: true, probe: { ...p, from: half, to: total }, tape: false }, second, progress(1));
    // Handled now, awaited later: its error, if any, is thrown once the first half is in.
    b.catch(() => undefined);
    let a: Answer;
    try {
      a = await ask({ ...job, probe: { ...p, from: 0, to: half } }, runner, progress(0));
    } catch (e) {
      // Killed, and waited for: its process must be gone before the next job may start one.
      second.close?.();
      await b.catch(() => undefined);
      throw e;
    }
    const rest = await b;
    checkF(spec, rest, a.f0!);
    return mergeHalves(a, rest, half);
  };
  let wrt = spec.wrt;
  try {
    let gradient: Answer["gradient"];
    // The object form with keys known only at run time: ask for them before probing.
    if (wrt.length === 0) {
      gradient = (await ask({ callGradient: true, callF: false, probe: { kind: "none" }, tape: false })).gradient!;
      wrt = gradient.map((g) => g.param);
    }
    wrtIdx = wrt.map((w) => spec.params.findIndex((p) => p.name === w));
    const total = wrtIdx.reduce((s, k) => s + inputs[k]!.length, 0);
    const probe: Probe = spec.mode === "fast"
      ? { kind: "directions", params: wrtIdx, directions: Array.from({ length: FAST_DIRECTIONS }, () => unitDirection(rng, total)) }
      : { kind: "elements", params: wrtIdx };
    const a = await (probe.kind === "elements" ? askElements : ask)({ callGradient: gradient === undefined, callF: true, probe, tape: true });
    gradient ??= a.gradient!;
    const analytic = readAnalytic(spec, gradient, wrt);
    run.analytic = analytic;
    checkF(spec, a, a.f0!);
    ad ??= runAd(spec, a.tape, wrtIdx);
    let passes = a.passes ?? 0;

    if (probe.kind === "directions") {
      const fast = directionalCheck(probe, a, wrtIdx.map((k) => spec.params[k]!), wrt.map((w) => analytic.get(w)!));
      if (fast.pass) {
        const adCmp = compareAd(ad, wrt, analytic, null);
        run.outcome = {
          wrt, status: "pass", maxAbsError: fast.maxAbs, maxRelError: fast.maxRel, worst: null, diagnosis: null,
          message: `${FAST_DIRECTIONS} random directional derivatives of ${spec.of} agree with ${spec.gradient} (max |Δ| ${formatError(fast.maxAbs)})${adCmp.note}`,
          ad: adCmp.result, directions: FAST_DIRECTIONS, fellBack: false, forwardPasses: passes, cpuMs,
        };
        return run;
      }
    }
    // Full mode, or fast mode localising a failure: every element, in a fresh realm of F.
    const e = probe.kind === "elements" ? a : await askElements({ callGradient: false, callF: true, probe: { kind: "elements", params: wrtIdx }, tape: false });
    if (e !== a) {
      checkF(spec, e, a.f0!);
      passes += e.passes ?? 0;
    }
    const numeric = differences(spec, e, wrtIdx, total, budgetMs);
    if ("cost" in numeric) {
      if (spec.mode !== "fast") throw new Stop(`${numeric.cost}: use --mode fast, bind smaller @dims, or raise --timeout`);
      run.outcome = {
        wrt, status: "fail", maxAbsError: null, maxRelError: null, worst: null, diagnosis: null,
        message: `${spec.gradient} disagrees with directional derivatives of ${spec.of}; not localised: ${numeric.cost} (raise --timeout or bind smaller @dims)`,
        directions: FAST_DIRECTIONS, fellBack: true, forwardPasses: passes, cpuMs,
      };
      return run;
    }
    run.numeric = new Map(wrt.map((w, j) => [w, numeric[j]!]));
    const results: Comparison[] = wrtIdx.map((k, j) => compareParam(spec.params[k]!.name, spec.params[k]!.shape, analytic.get(wrt[j]!)!, numeric[j]!));
    const adCmp = compareAd(ad, wrt, analytic, numeric);
    run.outcome = {
      ...summarise(spec, wrt, results, adCmp.note),
      ad: adCmp.result, forwardPasses: passes, cpuMs,
      ...(spec.mode === "fast" ? { directions: FAST_DIRECTIONS, fellBack: true } : {}),
      // The editor's report view draws these as heatmaps; the CLI never asks (they can be large).
      ...(spec.withArrays ? { arrays: wrt.map((w, j) => {
        const an = analytic.get(w)!;
        const shape = [...spec.params[wrtIdx[j]!]!.shape];
        return { param: w, shape, ...(an.shape.join() !== shape.join() ? { analyticShape: [...an.shape] } : {}), analytic: Array.from(an.data), numeric: Array.from(numeric[j]!) };
      }) } : {}),
    };
    return run;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    run.outcome = errorOutcome(wrt, e.message);
    return run;
  }
}

/**
 * One answer from the two halves of a split probe: the first probed elements [0, half) of the
 * parameters' concatenated elements, the second the rest. The probes stop where the first
 * half stopped; when it did not, where the second did.
 */
export function mergeHalves(a: Answer, b: Answer, half: number): Answer {
  const elements = (a.elements ?? []).map((e) => ({ plus: e.plus.slice(), minus: e.minus.slice() }));
  let offset = 0;
  for (const [j, e] of elements.entries()) {
    const from = b.elements?.[j];
    for (let i = Math.max(0, half - offset); i < e.plus.length && from; i++) {
      e.plus[i] = from.plus[i]!;
      e.minus[i] = from.minus[i]!;
    }
    offset += e.plus.length;
  }
  const merged: Answer = { ...a, elements, passes: (a.passes ?? 0) + (b.passes ?? 0), done: (a.done ?? 0) + (b.done ?? 0) };
  delete merged.stopped;
  const aDone = a.done ?? 0;
  if (a.stopped?.reason === "non-finite") Object.assign(merged, { stopped: a.stopped, done: aDone });
  else if (a.stopped || b.stopped?.reason === "budget") {
    // The halves run side by side: the check's time is the longer one's.
    const most = (k: "spentMs" | "projectedMs" | "paceMs") => Math.max(...[a, b].map((x) => (x.stopped?.reason === "budget" ? x.stopped[k] ?? 0 : 0)));
    merged.stopped = { reason: "budget", spentMs: most("spentMs") };
    if (most("projectedMs") > 0) merged.stopped.projectedMs = most("projectedMs");
    if (most("paceMs") > 0) merged.stopped.paceMs = most("paceMs");
  } else if (b.stopped?.reason === "non-finite") merged.stopped = b.stopped;
  return merged;
}

/** The gradient by parameter; NaN/∞ in it is an error naming the element. */
function readAnalytic(spec: CheckSpec, gradient: NonNullable<Answer["gradient"]>, wrt: readonly string[]): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  for (const w of wrt) {
    const g = gradient.find((x) => x.param === w);
    if (!g) throw new Stop(`${spec.gradient} did not return a gradient for ${w}`);
    m.set(w, { shape: g.shape, data: g.data });
  }
  for (const [k, t] of m) {
    const i = t.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw new Stop(`${spec.gradient} returned ${t.data[i]} in ∂${spec.of}/∂${k}${t.shape.length ? ` at [${unravel(i, t.shape).join(",")}]` : ""}`);
  }
  return m;
}

/** F must be finite at the sample, leave its inputs alone, and give the same value every time at the same inputs. */
function checkF(spec: CheckSpec, a: Answer, f0: number): void {
  if (!Number.isFinite(a.f0!)) throw new Stop(`${spec.of} is ${a.f0} at the sampled inputs (seed ${spec.seed})`);
  if (a.mutated !== undefined) throw new Stop(`${spec.of} modifies its input ${a.mutated}; the checker needs F to leave its inputs alone`);
  for (const v of [a.f0!, a.fEnd]) {
    if (v !== undefined && !Object.is(v, f0)) {
      throw new Stop(`${spec.of} gave ${f0} and then ${v} at the same inputs: the checker needs F to be a function of its inputs (no state kept between calls, no unseeded randomness)`);
    }
  }
}

/** Central differences from the raw probes, or the cost estimate when the probes stopped over budget. */
function differences(spec: CheckSpec, a: Answer, wrtIdx: readonly number[], total: number, budgetMs: number): Float64Array[] | { cost: string } {
  const elements = a.elements ?? [];
  if (a.stopped?.reason === "non-finite") {
    let left = a.done ?? 0;
    for (const [j, k] of wrtIdx.entries()) {
      const e = elements[j]!;
      const p = spec.params[k]!;
      const upTo = Math.min(left, e.plus.length);
      for (let i = 0; i < upTo; i++) {
        const bad = !Number.isFinite(e.plus[i]!) ? e.plus[i] : !Number.isFinite(e.minus[i]!) ? e.minus[i] : null;
        if (bad !== null) throw new Stop(`${spec.of} produced a non-finite value during finite differences: ${spec.of} is ${bad} when ${at(p.name, p.shape, i)} is moved by ±${EPS}`);
      }
      left -= upTo;
    }
  }
  if (a.stopped?.reason === "budget") {
    const done = Math.max(1, a.done ?? 1);
    const spent = a.stopped.spentMs;
    // The worker's projection, at its recent pace; an answer without one, at the pace since the start.
    const projected = a.stopped.projectedMs ?? (spent / done) * total;
    const each = a.stopped.paceMs !== undefined ? a.stopped.paceMs / 2 : spent / (2 * done);
    const cost = `finite differences over ${total} elements need ${2 * total} forward passes of ${spec.of} (about ${Math.round(projected / 1000)} s at ${each.toFixed(2)} ms each), more than the ${Math.round(budgetMs)} ms timeout allows`;
    return { cost };
  }
  if ((a.done ?? 0) !== total || elements.length !== wrtIdx.length) throw new Stop("the checking process returned incomplete finite differences");
  return elements.map((e) => {
    const n = new Float64Array(e.plus.length);
    for (let i = 0; i < n.length; i++) n[i] = (e.plus[i]! - e.minus[i]!) / (2 * EPS);
    return n;
  });
}

/** Directional derivatives against uᵀg, with the element-wise tolerance applied to the scalar. */
function directionalCheck(probe: Extract<Probe, { kind: "directions" }>, a: Answer, params: CheckSpec["params"], analytic: Tensor[]) {
  const shapesFit = analytic.every((g, k) => g.shape.join() === params[k]!.shape.join());
  if (!shapesFit || !a.directions) return { pass: false, maxAbs: null, maxRel: null };
  let maxAbs = 0;
  let maxRel = 0;
  let pass = true;
  probe.directions.forEach((u, r) => {
    const num = (a.directions!.plus[r]! - a.directions!.minus[r]!) / (2 * EPS);
    let ana = 0;
    let off = 0;
    for (const g of analytic) {
      for (let i = 0; i < g.data.length; i++) ana += g.data[i]! * u[off + i]!;
      off += g.data.length;
    }
    const d = Math.abs(ana - num);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(ana), Math.abs(num), 1e-12));
    if (!(d <= ATOL + RTOL * Math.abs(num))) pass = false;
  });
  return { pass, maxAbs, maxRel };
}

interface AdRun {
  grads: Float64Array[] | null;
  ops: number;
  error?: string;
}

/** Reverse-mode AD over F's recorded tape, replayed here through this process's own catalog. */
function runAd(spec: CheckSpec, t: Answer["tape"], wrtIdx: readonly number[]): AdRun {
  if (!t) return { grads: null, ops: 0, error: "no tape was recorded" };
  if ("error" in t) return { grads: null, ops: 0, error: t.error };
  if (t.output < 0) return { grads: null, ops: t.nodes.length, error: `${spec.of} returned a number, so there is no tape to differentiate` };
  const wrt = wrtIdx.map((k) => t.params[k]!);
  if (wrt.some((w) => w < 0)) return { grads: null, ops: t.nodes.length, error: "AD covers tensor parameters only" };
  try {
    const nodes: TapeNodeLike[] = t.nodes.map((n) => ({ op: n.op, inputs: n.inputs.map((i) => t.tensors[i]!), output: t.tensors[n.output]!, attrs: n.attrs }));
    return { grads: backprop(nodes, t.tensors[t.output]!, wrt.map((w) => t.tensors[w]!)), ops: t.nodes.length };
  } catch (e) {
    return { grads: null, ops: t.nodes.length, error: e instanceof Error ? e.message : String(e) };
  }
}

function compareAd(ad: AdRun, wrt: string[], analytic: Map<string, Tensor>, numerics: Float64Array[] | null): { result: AdResult; note: string } {
  if (!ad.grads) return { result: { vsNumeric: null, vsAnalytic: null, agreesWithNumeric: null, ops: ad.ops, error: ad.error ?? "unavailable" }, note: "" };
  // A plain loop rather than forEach, so the compiler follows the updates to these three.
  let vsA: number | null = 0;
  let vsN: number | null = numerics ? 0 : null;
  let agrees: boolean | null = numerics ? true : null;
  for (let j = 0; j < ad.grads.length; j++) {
    const g = ad.grads[j]!;
    const an = analytic.get(wrt[j]!)!;
    if (vsA !== null && an.data.length === g.length) for (let i = 0; i < g.length; i++) vsA = Math.max(vsA, Math.abs(g[i]! - an.data[i]!));
    else vsA = null;
    const n = numerics?.[j];
    if (!n) continue;
    for (let i = 0; i < g.length; i++) {
      vsN = Math.max(vsN ?? 0, Math.abs(g[i]! - n[i]!));
      if (!withinTolerance(g[i]!, n[i]!)) agrees = false;
    }
  }
  const note = agrees === false
    ? `; reverse-mode AD through the catalog disagrees with finite differences (max |Δ| ${formatError(vsN)}): F is non-smooth at the sample, computes outside chainrule's ops, or a catalog VJP is wrong`
    : "";
  return { result: { vsNumeric: vsN, vsAnalytic: vsA, agreesWithNumeric: agrees, ops: ad.ops }, note };
}

function summarise(spec: CheckSpec, wrt: string[], rs: Comparison[], adNote: string): Omit<CheckOutcome, "ad" | "forwardPasses"> {
  const params: ParamResult[] = rs.map((r, j) => ({
    param: wrt[j]!, pass: r.pass, maxAbsError: r.maxAbsError ?? NaN, maxRelError: r.maxRelError ?? NaN, diagnosis: r.diagnosis,
    ...(r.note ? { note: r.note } : {}),
  }));
  const nums = (xs: Array<number | null>) => (xs.some((x) => x === null) ? null : Math.max(...(xs as number[])));
  const maxAbsError = nums(rs.map((r) => r.maxAbsError));
  const maxRelError = nums(rs.map((r) => r.maxRelError));
  const failing = rs.filter((r) => !r.pass);
  const of = `∂${spec.of}/∂${wrt.length === 1 ? wrt[0] : `{${wrt.join(", ")}}`}`;
  if (failing.length === 0) {
    const worst = rs.reduce((a, b) => ((b.maxAbsError ?? 0) > (a.maxAbsError ?? 0) ? b : a)).worst;
    return { wrt, status: "pass", maxAbsError, maxRelError, worst, diagnosis: null, params, message: `${of} matches finite differences (max abs error ${formatError(maxAbsError)}, max rel error ${formatError(maxRelError)})${adNote}` };
  }
  // One diagnosis for the check only when every failing parameter has the same one.
  const d0 = failing[0]!.diagnosis;
  const diagnosis = d0 !== null && failing.every((r) => r.diagnosis === d0) ? d0 : null;
  const first = failing[0]!;
  const details = failing.map((r) => {
    const p = wrt[rs.indexOf(r)]!;
    const w = r.worst ? `; ${worstText({ ...r.worst, param: p })}` : "";
    const count = r.bad !== undefined ? `${r.bad} of ${r.total} elements outside tolerance, max abs error ${formatError(r.maxAbsError)}` : "";
    return `${p}: ${r.note ?? count}${r.maxAbsError === null ? "" : w}`;
  });
  const head = `${spec.gradient} disagrees with finite differences of ${spec.of}`;
  return {
    wrt, status: "fail", maxAbsError, maxRelError, worst: first.worst, diagnosis, params,
    message: `${head}${diagnosis ? ` (${diagnosis})` : ""} — ${details.join("; ")}${adNote}`,
  };
}
