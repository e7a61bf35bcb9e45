// Runs one check inside the sandboxed worker: draws the inputs, calls the gradient function and F,
// builds the finite-difference and AD references, compares, and words the result. The runtime is
// reached only through `RuntimeHooks` (taken from the user's bundle, so the tape and the dim
// binding are the very instances the user's code runs on).

import { formatShape } from "../shape/shape";
import { compareParam, unravel, withinTolerance, type Comparison } from "./compare";
import { backprop, directionalDerivative, finiteDifferences, NonFiniteError, type Perturbable, type TapeNodeLike } from "./reference";
import { Rng, sampleData, unitDirection } from "./sample";
import { ATOL, FAST_DIRECTIONS, RTOL, type AdResult, type CheckSpec, type ParamResult, type WorkerOutcome } from "./types";

export interface TensorLike {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export interface RuntimeHooks {
  Tensor: new (shape: readonly number[], data: Float64Array) => TensorLike;
  record<T>(fn: () => T): { result: T; nodes: TapeNodeLike[] };
  withDims<T>(binding: Record<string, number>, fn: () => T): T;
  seed(n: number): void;
}

type AnyFn = (...args: unknown[]) => unknown;

/** An error with a finished message: the check ends as `status: "error"` with exactly this text. */
export class CheckError extends Error {}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === "object" && x !== null && Array.isArray((x as TensorLike).shape) && (x as TensorLike).data instanceof Float64Array;
}

function asData(x: unknown, what: string): TensorLike {
  if (typeof x === "number") return { shape: [], data: new Float64Array([x]) };
  if (isTensorLike(x)) return x;
  if (typeof (x as { then?: unknown } | null)?.then === "function") throw new CheckError(`${what} is a Promise: the checked functions must be synchronous`);
  throw new CheckError(`${what} is ${x === null ? "null" : typeof x}, not a tensor`);
}

function at(name: string, shape: readonly number[], i: number): string {
  return shape.length === 0 ? name : `${name}[${unravel(i, shape).join(",")}]`;
}

function firstNonFinite(d: Float64Array): number {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

function fmt(x: number | null): string {
  return x === null ? "n/a" : Number(x.toPrecision(3)).toExponential();
}

/** Runs `fn` and turns a user exception into a CheckError naming the function. */
function guarded<T>(what: string, fn: () => T, where: (e: unknown) => string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CheckError || e instanceof NonFiniteError) throw e;
    const denied = e as { code?: unknown; permission?: unknown; resource?: unknown };
    if (denied?.code === "ERR_ACCESS_DENIED") {
      const perm = typeof denied.permission === "string" ? denied.permission : "this operation";
      const res = typeof denied.resource === "string" && denied.resource ? ` on ${denied.resource}` : "";
      throw new CheckError(`${what} was stopped by the sandbox: ${perm}${res} is not allowed to checked code${where(e)}`);
    }
    const msg = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
    throw new CheckError(`${what} threw: ${msg}${where(e)}`);
  }
}

/** What runCheck needs from its host (the worker): the user's functions, the runtime, reporting. */
export interface CheckEnv {
  fns: Record<string, unknown>;
  hooks: RuntimeHooks;
  phase: (text: string) => void;
  /** " (at file:line:col)" for an exception, or "". */
  where: (e: unknown) => string;
  /** Time the check may take (the parent kills it after this); full mode refuses work that cannot fit. */
  budgetMs: number;
}

export function runCheck(spec: CheckSpec, env: CheckEnv): WorkerOutcome {
  const { fns, hooks, phase, where } = env;
  const start = performance.now();
  const F = fns[spec.of] as AnyFn;
  const G = fns[spec.gradient] as AnyFn;
  if (typeof F !== "function") throw new CheckError(`${spec.of} is not a function at run time`);
  if (typeof G !== "function") throw new CheckError(`${spec.gradient} is not a function at run time`);
  return hooks.withDims(spec.dims, () => {
    const rng = new Rng(spec.seed);
    const inputs: Perturbable[] = spec.params.map((p) => ({ name: p.name, shape: p.shape, data: sampleData(rng, p.sample, p.shape) }));
    const tensors = spec.params.map((p, k) => (p.kind === "number" ? null : new hooks.Tensor(p.shape, inputs[k]!.data)));
    // Numbers are read afresh on every call, so perturbing their one-element buffer works too.
    const args = () => spec.params.map((p, k) => tensors[k] ?? inputs[k]!.data[0]!);
    const counter = { passes: 0 };
    const evalF = (): number => {
      // F may draw with randn (dropout, noise): reseed so every pass sees the same draws.
      hooks.seed(spec.seed);
      const r = asData(guarded(spec.of, () => F(...args()), where), `${spec.of}'s result`);
      if (r.data.length !== 1) throw new CheckError(`${spec.of} returned a tensor of shape ${formatShape(r.shape)}, not a scalar: @gradient needs a scalar function`);
      return r.data[0]!;
    };

    phase(`calling ${spec.gradient}`);
    // The gradient gets its own copies: whatever it does to them cannot disturb the references.
    const gArgs = spec.params.map((p, k) => (p.kind === "number" ? inputs[k]!.data[0]! : new hooks.Tensor(p.shape, inputs[k]!.data.slice())));
    hooks.seed(spec.seed);
    const gOut = guarded(spec.gradient, () => G(...gArgs), where);
    const analytic = readAnalytic(spec, gOut);
    const wrt = [...analytic.keys()];

    phase(`calling ${spec.of}`);
    const snapshot = inputs.map((p) => p.data.slice());
    const f0 = evalF();
    if (!Number.isFinite(f0)) throw new CheckError(`${spec.of} is ${f0} at the sampled inputs (seed ${spec.seed})`);
    inputs.forEach((p, k) => {
      if (p.data.some((v, i) => v !== snapshot[k]![i])) throw new CheckError(`${spec.of} modifies its input ${p.name}; the checker needs F to leave its inputs alone`);
    });

    phase(`reverse-mode AD through ${spec.of}'s tape`);
    const wrtIdx = wrt.map((w) => spec.params.findIndex((p) => p.name === w));
    const ad = runAd(spec, F, args, hooks, wrtIdx.map((k) => tensors[k]));

    try {
      if (spec.mode === "fast") {
        phase(`directional derivatives of ${spec.of}`);
        const fast = fastCheck(rng, wrtIdx.map((k) => inputs[k]!), wrt.map((w) => analytic.get(w)!), evalF, counter);
        if (fast.pass) {
          const adCmp = compareAd(ad, wrt, analytic, null);
          return {
            wrt, status: "pass", maxAbsError: fast.maxAbs, maxRelError: fast.maxRel, worst: null, diagnosis: null,
            message: `${FAST_DIRECTIONS} random directional derivatives of ${spec.of} agree with ${spec.gradient} (max |Δ| ${fmt(fast.maxAbs)})${adCmp.note}`,
            ad: adCmp.result, directions: FAST_DIRECTIONS, fellBack: false, forwardPasses: counter.passes,
          };
        }
      }
      const elements = wrtIdx.reduce((sum, k) => sum + inputs[k]!.data.length, 0);
      const budget = fdBudget(spec, elements, env.budgetMs, start);
      const results: Comparison[] = [];
      const numerics: Float64Array[] = [];
      wrtIdx.forEach((k, j) => {
        const p = inputs[k]!;
        phase(`finite differences of ${spec.of} in ${p.name} (${p.data.length} elements)`);
        const n = finiteDifferences(p, evalF, counter, (i) => at(p.name, p.shape, i), budget.tick);
        numerics.push(n);
        results.push(compareParam(p.name, p.shape, analytic.get(wrt[j]!)!, n));
      });
      const adCmp = compareAd(ad, wrt, analytic, numerics);
      return {
        ...summarise(spec, wrt, results, adCmp.note),
        ad: adCmp.result, forwardPasses: counter.passes,
        ...(spec.mode === "fast" ? { directions: FAST_DIRECTIONS, fellBack: true } : {}),
        // The editor's report view draws these as heatmaps; the CLI never asks (they can be large).
        ...(spec.withArrays ? { arrays: wrt.map((w, j) => {
          const a = analytic.get(w)!;
          const shape = [...inputs[wrtIdx[j]!]!.shape];
          return { param: w, shape, ...(a.shape.join() !== shape.join() ? { analyticShape: [...a.shape] } : {}), analytic: Array.from(a.data), numeric: Array.from(numerics[j]!) };
        }) } : {}),
      };
    } catch (e) {
      if (e instanceof NonFiniteError) throw new CheckError(`${spec.of} produced a non-finite value during finite differences: ${e.message.replace(/^F/, spec.of)}`);
      if (!(e instanceof OverBudget) || spec.mode !== "fast") throw e;
      // The directional derivatives already showed the gradient is wrong: say so, unlocalised.
      return {
        wrt, status: "fail", maxAbsError: null, maxRelError: null, worst: null, diagnosis: null,
        message: `${spec.gradient} disagrees with directional derivatives of ${spec.of}; not localised: ${e.cost} (raise --timeout or bind smaller @dims)`,
        directions: FAST_DIRECTIONS, fellBack: true, forwardPasses: counter.passes,
      };
    }
  });
}

/** Finite differences that cannot finish within the timeout: stopped early rather than killed. */
class OverBudget extends CheckError {
  constructor(readonly cost: string) {
    super(`${cost}: use --mode fast, bind smaller @dims, or raise --timeout`);
  }
}

/**
 * Watches the finite differences' pace. Once 200 ms of them have run (so the JIT has warmed up and
 * the per-pass time is real), a projection past 1.5× the time left stops them with the estimate,
 * a quick and explained answer instead of a kill at the timeout.
 */
function fdBudget(spec: CheckSpec, elements: number, budgetMs: number, checkStart: number) {
  const t0 = performance.now();
  let done = 0;
  return {
    tick: () => {
      if ((++done & 15) !== 0) return;
      const now = performance.now();
      const spent = now - t0;
      if (spent < 200) return;
      const rest = (spent / done) * (elements - done);
      if (rest <= 1.5 * (budgetMs - (now - checkStart))) return;
      const perPass = spent / (2 * done);
      const total = (spent / done) * elements;
      throw new OverBudget(
        `finite differences over ${elements} elements need ${2 * elements} forward passes of ${spec.of} (about ${Math.round(total / 1000)} s at ${perPass.toFixed(2)} ms each), more than the ${Math.round(budgetMs)} ms timeout allows`,
      );
    },
  };
}

/** The analytic gradient by parameter, checked for shape-less values and NaN/∞. */
function readAnalytic(spec: CheckSpec, out: unknown): Map<string, TensorLike> {
  const m = new Map<string, TensorLike>();
  if (!spec.objectForm) {
    m.set(spec.wrt[0]!, asData(out, `${spec.gradient}'s result`));
  } else {
    if (typeof out !== "object" || out === null || isTensorLike(out)) {
      throw new CheckError(`${spec.gradient} is an object-form @gradient but returned ${isTensorLike(out) ? "a tensor" : typeof out}, not { param: gradient, … }`);
    }
    const names = spec.params.map((p) => p.name);
    const keys = spec.wrt.length ? spec.wrt : Object.keys(out);
    for (const k of keys) {
      if (!names.includes(k)) throw new CheckError(`${spec.gradient} returned a gradient for ${k}, which is not a parameter of ${spec.of}`);
      if (!(k in out)) throw new CheckError(`${spec.gradient} did not return a gradient for ${k}`);
      m.set(k, asData((out as Record<string, unknown>)[k], `${spec.gradient}'s ${k}`));
    }
    if (m.size === 0) throw new CheckError(`${spec.gradient} returned an empty object`);
  }
  for (const [k, t] of m) {
    const i = firstNonFinite(t.data);
    if (i >= 0) throw new CheckError(`${spec.gradient} returned ${t.data[i]} in ∂${spec.of}/∂${k}${t.shape.length ? ` at [${unravel(i, t.shape).join(",")}]` : ""}`);
  }
  return m;
}

interface AdRun {
  grads: Float64Array[] | null;
  ops: number;
  error?: string;
}

function runAd(spec: CheckSpec, F: AnyFn, args: () => unknown[], hooks: RuntimeHooks, wrt: Array<TensorLike | null>): AdRun {
  try {
    hooks.seed(spec.seed);
    const { result, nodes } = hooks.record(() => F(...args()));
    if (!isTensorLike(result)) return { grads: null, ops: nodes.length, error: `${spec.of} returned a number, so there is no tape to differentiate` };
    if (wrt.some((w) => w === null)) return { grads: null, ops: nodes.length, error: "AD covers tensor parameters only" };
    return { grads: backprop(nodes, result, wrt as TensorLike[]), ops: nodes.length };
  } catch (e) {
    return { grads: null, ops: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

function compareAd(ad: AdRun, wrt: string[], analytic: Map<string, TensorLike>, numerics: Float64Array[] | null): { result: AdResult; note: string } {
  if (!ad.grads) return { result: { vsNumeric: null, vsAnalytic: null, agreesWithNumeric: null, ops: ad.ops, error: ad.error ?? "unavailable" }, note: "" };
  // A plain loop rather than forEach, so the compiler follows the updates to these three.
  let vsA: number | null = 0;
  let vsN: number | null = numerics ? 0 : null;
  let agrees: boolean | null = numerics ? true : null;
  for (let j = 0; j < ad.grads.length; j++) {
    const g = ad.grads[j]!;
    const a = analytic.get(wrt[j]!)!;
    if (vsA !== null && a.data.length === g.length) for (let i = 0; i < g.length; i++) vsA = Math.max(vsA, Math.abs(g[i]! - a.data[i]!));
    else vsA = null;
    const n = numerics?.[j];
    if (!n) continue;
    for (let i = 0; i < g.length; i++) {
      vsN = Math.max(vsN ?? 0, Math.abs(g[i]! - n[i]!));
      if (!withinTolerance(g[i]!, n[i]!)) agrees = false;
    }
  }
  const note = agrees === false
    ? `; reverse-mode AD through the catalog disagrees with finite differences (max |Δ| ${fmt(vsN)}): F is non-smooth at the sample, computes outside chainrule's ops, or a catalog VJP is wrong`
    : "";
  return { result: { vsNumeric: vsN, vsAnalytic: vsA, agreesWithNumeric: agrees, ops: ad.ops }, note };
}

function fastCheck(rng: Rng, ps: Perturbable[], analytic: TensorLike[], evalF: () => number, counter: { passes: number }) {
  let maxAbs = 0;
  let maxRel = 0;
  let pass = analytic.every((a, k) => a.data.length === ps[k]!.data.length && a.shape.join() === ps[k]!.shape.join());
  if (!pass) return { pass, maxAbs: null, maxRel: null };
  const total = ps.reduce((s, p) => s + p.data.length, 0);
  for (let r = 0; r < FAST_DIRECTIONS; r++) {
    const u = unitDirection(rng, total);
    let off = 0;
    const us = ps.map((p) => u.subarray(off, (off += p.data.length)));
    const num = directionalDerivative(ps, us, evalF, counter);
    let ana = 0;
    analytic.forEach((a, k) => {
      for (let i = 0; i < a.data.length; i++) ana += a.data[i]! * us[k]![i]!;
    });
    const d = Math.abs(ana - num);
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(ana), Math.abs(num), 1e-12));
    if (d > ATOL + RTOL * Math.abs(num)) pass = false;
  }
  return { pass, maxAbs, maxRel };
}

function summarise(spec: CheckSpec, wrt: string[], rs: Comparison[], adNote: string): Omit<WorkerOutcome, "ad" | "forwardPasses"> {
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
    return { wrt, status: "pass", maxAbsError, maxRelError, worst, diagnosis: null, params, message: `${of} matches finite differences (max abs error ${fmt(maxAbsError)}, max rel error ${fmt(maxRelError)})${adNote}` };
  }
  // One diagnosis for the check only when every failing parameter has the same one.
  const d0 = failing[0]!.diagnosis;
  const diagnosis = d0 !== null && failing.every((r) => r.diagnosis === d0) ? d0 : null;
  const first = failing[0]!;
  const details = failing.map((r) => {
    const p = wrt[rs.indexOf(r)]!;
    const idx = r.worst && r.worst.index.length ? `[${r.worst.index.join(",")}]` : "";
    const w = r.worst ? `; worst ${p}${idx}: analytic ${r.worst.analytic.toPrecision(6)}, numeric ${r.worst.numeric.toPrecision(6)}` : "";
    const count = r.bad !== undefined ? `${r.bad} of ${r.total} elements outside tolerance, max abs error ${fmt(r.maxAbsError)}` : "";
    return `${p}: ${r.note ?? count}${r.diagnosis || r.maxAbsError === null ? "" : w}`;
  });
  const head = `${spec.gradient} disagrees with finite differences of ${spec.of}`;
  return {
    wrt, status: "fail", maxAbsError, maxRelError, worst: first.worst, diagnosis, params,
    message: `${head}${diagnosis ? ` (${diagnosis})` : ""} — ${details.join("; ")}${adNote}`,
  };
}
