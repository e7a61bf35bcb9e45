// The worker's half of a check: calls the gradient function in one fresh realm and F in another
// (so the gradient cannot change F), and collects raw numbers for the parent: the gradient's
// arrays, copied the moment they are returned; F at the sample, at each probe, and again at the
// end; F's tape. It compares nothing: differences, tolerances and verdicts are the parent's.

import path from "node:path";
import { LIST_ATTRS, NUMBER_ATTRS, type OpAttrs } from "../ops/types";
import { formatShape } from "../shape/shape";
import { elementRange, type Answer, type Job, type TapeData } from "./protocol";
import { copyFloat64, describeThrown, LoadError, read, Realm, replayBase, replayProbe, type CompiledBundle, type Thrown } from "./realm";
import { EPS } from "./types";

/** A finished message that ends the job as an error. */
export class JobError extends Error {}

export interface ProbeEnv {
  bundle: CompiledBundle;
  phase: (text: string) => void;
  cwd: string;
  /** Folders of chainrule's own code: their frames are not the user's. */
  internal: readonly string[];
  /** The file being checked, as the user named it, for messages. */
  display: string;
  /** Element probes done of `total` after `ms`: called every PROGRESS_MS or so. */
  progress?: (done: number, total: number, ms: number) => void;
  /** Sends F's tape at once; without it, the tape goes in the answer. */
  tape?: (t: TapeData | { error: string }) => void;
}

/** How often a long element-wise check reports how far it is. */
export const PROGRESS_MS = 200;

const MAX_RANK = 32;
const setData = Float64Array.prototype.set;

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** " (at test/x.ts:12:9)": the first frame of the stack in the user's code, through the bundle's source map. */
export function userFrame(stack: string, env: Pick<ProbeEnv, "bundle" | "cwd" | "internal">): string {
  for (const line of stack.split("\n").slice(1)) {
    const m = /(?:\(|at )((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m) continue;
    let file = m[1]!.replace(/^file:\/\//, "");
    let ln = Number(m[2]);
    let col = Number(m[3]);
    if (file === env.bundle.file) {
      const o = env.bundle.original(ln, col);
      if (!o) continue;
      ({ file, line: ln, column: col } = o);
    } else continue;
    if (env.internal.some((dir) => file.startsWith(dir))) continue;
    return ` (at ${path.relative(env.cwd, file) || file}:${ln}:${col})`;
  }
  return "";
}

function thrownText(what: string, t: Thrown, env: ProbeEnv): string {
  const where = userFrame(t.stack, env);
  if (t.name === "SandboxError") return `${what} was stopped by the sandbox: ${t.message}${where}`;
  const name = t.name && t.name !== "Error" ? `${t.name}: ` : "";
  return `${what} threw: ${name}${t.message}${where}`;
}

/** Runs a call into checked code; a throw becomes a JobError naming `what` and the user's line. */
function guarded<T>(what: string, env: ProbeEnv, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof JobError) throw e;
    throw new JobError(thrownText(what, describeThrown(e), env));
  }
}

function isThenable(x: unknown): boolean {
  if ((typeof x !== "object" && typeof x !== "function") || x === null) return false;
  const r = read(x, "then");
  return "value" in r && typeof r.value === "function";
}

/**
 * A tape node's attributes, read through the realm boundary like everything else: the runtime has
 * resolved every one to numbers (axis, axes, shape, start, end, exponent); anything else is dropped.
 */
function readAttrs(attrs: unknown): OpAttrs {
  if (!attrs || typeof attrs !== "object") return {};
  const value = (key: string) => (read(attrs, key) as { value?: unknown }).value;
  const numbers = (x: unknown): number[] | undefined => {
    if (!Array.isArray(x)) return undefined;
    const n = (read(x, "length") as { value?: unknown }).value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_RANK) return undefined;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = (read(x, String(i)) as { value?: unknown }).value;
      if (typeof d !== "number") return undefined;
      out.push(d);
    }
    return out;
  };
  const out: { -readonly [K in keyof OpAttrs]: OpAttrs[K] } = {};
  for (const key of NUMBER_ATTRS) {
    const v = value(key);
    if (typeof v === "number") out[key] = v;
  }
  for (const key of LIST_ATTRS) {
    const list = numbers(value(key));
    if (list) out[key] = list;
  }
  return out;
}

function readShape(x: unknown, what: string): number[] {
  if (!Array.isArray(x)) throw new JobError(`${what} has no shape`);
  const lengthRead = read(x, "length");
  const n = "value" in lengthRead ? lengthRead.value : undefined;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_RANK) throw new JobError(`${what} has no shape`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = read(x, String(i));
    const d = "value" in r ? r.value : undefined;
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) throw new JobError(`${what} has an invalid shape`);
    out.push(d);
  }
  return out;
}

/**
 * A tensor (or number) returned by checked code, copied now: later changes to it, or a Proxy
 * answering differently on a second read, cannot reach what the parent compares.
 */
export function readTensor(x: unknown, what: string): { shape: number[]; data: Float64Array } {
  if (typeof x === "number") return { shape: [], data: new Float64Array([x]) };
  if (isThenable(x)) throw new JobError(`${what} is a Promise: the checked functions must be synchronous`);
  if ((typeof x !== "object" && typeof x !== "function") || x === null) throw new JobError(`${what} is ${x === null ? "null" : typeof x}, not a tensor`);
  const s = read(x, "shape");
  const d = read(x, "data");
  if ("thrown" in s || "thrown" in d) throw new JobError(`${what} threw when read: ${describeThrown("thrown" in s ? s.thrown : (d as { thrown: unknown }).thrown).message}`);
  const data = copyFloat64(d.value);
  if (!data) throw new JobError(`${what} is ${typeof x}, not a tensor`);
  const shape = readShape(s.value, what);
  if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new JobError(`${what} has shape [${shape.join(",")}] but ${data.length} elements`);
  return { shape, data };
}

/** The gradient's arrays by parameter, read once, in the order of `wrt` (or of the returned keys). */
function callGradient(job: Job, env: ProbeEnv): Answer["gradient"] {
  env.phase(`loading ${env.display}`);
  const realm = loadRealm(env);
  const G = realm.fn(job.gradient);
  if (G === undefined) throw new JobError(`${job.gradient} is not a function at run time`);
  if (realm.fn(job.of) === undefined) throw new JobError(`${job.of} is not a function at run time`);
  // The gradient gets its own realm's copies of the inputs: nothing it does reaches F's.
  const args = guarded("creating the inputs", env, () => job.params.map((p, k) => (p.kind === "number" ? job.inputs[k]![0]! : realm.tensor(p.shape, realm.array(job.inputs[k]!)))));
  env.phase(`calling ${job.gradient}`);
  const out = guarded(job.gradient, env, () => realm.invoke(G, args, realm.value(job.dims), job.seed));
  if (!job.objectForm) return [{ param: job.wrt[0]!, ...readTensor(out, `${job.gradient}'s result`) }];
  if (isThenable(out)) throw new JobError(`${job.gradient}'s result is a Promise: the checked functions must be synchronous`);
  const dataOf = typeof out === "object" && out !== null ? read(out, "data") : null;
  if (typeof out !== "object" || out === null || (dataOf && "value" in dataOf && copyFloat64(dataOf.value))) {
    const kind = out === null ? "null" : typeof out === "object" ? "a tensor" : typeof out;
    throw new JobError(`${job.gradient} is an object-form @gradient but returned ${kind}, not { param: gradient, … }`);
  }
  const names = job.params.map((p) => p.name);
  let keys: string[];
  try {
    keys = job.wrt.length ? job.wrt : Object.keys(out as object).slice(0, names.length + 1);
  } catch (e) {
    throw new JobError(thrownText(`reading ${job.gradient}'s result`, describeThrown(e), env));
  }
  const entries: NonNullable<Answer["gradient"]> = [];
  for (const k of keys) {
    if (typeof k !== "string" || !names.includes(k)) throw new JobError(`${job.gradient} returned a gradient for ${String(k)}, which is not a parameter of ${job.of}`);
    let has: boolean;
    try {
      has = k in (out as object);
    } catch {
      has = false;
    }
    if (!has) throw new JobError(`${job.gradient} did not return a gradient for ${k}`);
    const v = read(out, k);
    if ("thrown" in v) throw new JobError(thrownText(`reading ${job.gradient}'s ${k}`, describeThrown(v.thrown), env));
    entries.push({ param: k, ...readTensor(v.value, `${job.gradient}'s ${k}`) });
  }
  if (entries.length === 0) throw new JobError(`${job.gradient} returned an empty object`);
  return entries;
}

function loadRealm(env: ProbeEnv): Realm {
  try {
    return new Realm(env.bundle);
  } catch (e) {
    if (e instanceof LoadError) throw new JobError(thrownText(`loading ${env.display}`, e.thrown, env));
    throw e;
  }
}

/** F's realm: the value at the sample, the probes, the tape, and the value again at the end. */
function probeF(job: Job, env: ProbeEnv, answer: Answer): void {
  env.phase(`loading ${env.display}`);
  const realm = loadRealm(env);
  const F = realm.fn(job.of);
  if (F === undefined) throw new JobError(`${job.of} is not a function at run time`);
  const data = job.inputs.map((x) => realm.array(x));
  const tensors = guarded("creating the inputs", env, () => job.params.map((p, k) => (p.kind === "number" ? null : realm.tensor(p.shape, data[k]!))));
  // Numbers are read afresh on every call, so perturbing their one-element buffer works too.
  const args = () => job.params.map((p, k) => tensors[k] ?? data[k]![0]!);
  const dims = realm.value(job.dims);
  let passes = 0;
  const valueOf = (call: () => unknown): number => {
    const t = readTensor(guarded(job.of, env, call), `${job.of}'s result`);
    if (t.data.length !== 1) throw new JobError(`${job.of} returned a tensor of shape ${formatShape(t.shape)}, not a scalar: @gradient needs a scalar function`);
    return t.data[0]!;
  };
  const evalF = (): number => valueOf(() => realm.invoke(F, args(), dims, job.seed));
  // Element reads and Float64Array.prototype.set of the worker's realm: no method of F's realm is ever called.
  const mutated = (): string | undefined => job.params.find((_p, k) => !sameBits(data[k]!, job.inputs[k]!))?.name;
  const restore = (k: number) => setData.call(data[k]!, job.inputs[k]!);

  env.phase(`calling ${job.of}`);
  answer.f0 = evalF();
  answer.mutated = mutated();
  if (!Number.isFinite(answer.f0) || answer.mutated !== undefined) return;

  if (job.tape) {
    env.phase(`recording ${job.of}'s tape`);
    const tape = recordTape(realm, F, args(), dims, job, tensors);
    if (env.tape) env.tape(tape);
    else answer.tape = tape;
  }

  const probe = job.probe;
  if (probe.kind === "elements") {
    const start = performance.now();
    // This job's share of the elements (all of them, or a range when the parent splits the probes).
    const { from, to } = elementRange(job);
    const total = to - from;
    let done = 0;
    let reported = start;
    const budget = new Budget(start, total, job.budgetMs);
    // Each probe runs F in full with the runtime replaying ops its move cannot reach (runtime/replay.ts);
    // the base pass must give F's value at the sample, bit for bit, or every probe is a plain call.
    let probeF = evalF;
    let moving = { k: -1, i: -1 };
    if (job.replay !== false && realm.canReplay) {
      const base = valueOf(() => replayBase(realm, F, args(), dims, job.seed, tensors));
      answer.replayed = Object.is(base, answer.f0);
      if (answer.replayed) probeF = () => valueOf(() => replayProbe(realm, F, args(), dims, job.seed, moving.k, moving.i));
    }
    answer.elements = [];
    let offset = 0;
    outer: for (const k of probe.params) {
      const d = data[k]!;
      const plus = new Float64Array(d.length);
      const minus = new Float64Array(d.length);
      answer.elements.push({ plus, minus });
      const lo = Math.max(0, from - offset);
      const hi = Math.min(d.length, to - offset);
      offset += d.length;
      if (lo < hi) env.phase(`finite differences of ${job.of} in ${job.params[k]!.name} (${hi - lo} of its ${d.length} elements)`);
      for (let i = lo; i < hi; i++) {
        const orig = job.inputs[k]![i]!;
        moving = { k, i };
        d[i] = orig + EPS;
        plus[i] = probeF();
        d[i] = orig - EPS;
        minus[i] = probeF();
        // Restore the exact value, not orig + EPS − EPS, which can differ in the last bit.
        d[i] = orig;
        passes += 2;
        done++;
        if (!Number.isFinite(plus[i]!) || !Number.isFinite(minus[i]!)) {
          answer.stopped = { reason: "non-finite" };
          break outer;
        }
        const over = budget.over(done);
        if (over) {
          answer.stopped = { reason: "budget", spentMs: performance.now() - start, ...over };
          break outer;
        }
        if ((done & 255) === 0 && env.progress) {
          const now = performance.now();
          if (now - reported >= PROGRESS_MS) {
            reported = now;
            env.progress(done, total, now - start);
          }
        }
      }
    }
    answer.done = done;
    realm.replayEnd();
  } else if (probe.kind === "directions") {
    env.phase(`directional derivatives of ${job.of}`);
    const plus: number[] = [];
    const minus: number[] = [];
    for (const u of probe.directions) {
      for (const sign of [1, -1]) {
        let off = 0;
        for (const k of probe.params) {
          const d = data[k]!;
          for (let i = 0; i < d.length; i++) d[i] = job.inputs[k]![i]! + sign * EPS * u[off + i]!;
          off += d.length;
        }
        (sign > 0 ? plus : minus).push(evalF());
        passes++;
      }
      for (const k of probe.params) restore(k);
    }
    answer.directions = { plus, minus };
  }
  answer.passes = passes;
  env.phase(`calling ${job.of}`);
  answer.fEnd = evalF();
  answer.mutated = mutated();
}

/** The window over which the probes' pace is measured. */
const PACE_WINDOW_MS = 100;

/**
 * Whether the rest of the finite differences cannot fit. From 200 ms of probes on, the rest is
 * projected at the pace of the last window of about 100 ms; past 1.5× the time left, the probes
 * stop, once the pace has settled (the last window less than 30% faster than the one before) or
 * 30% of the time is spent. Not the pace since the start: the first probes run in cold code (the
 * JIT, the replay's first folds), measured 5–20× slower than those after half a second, which
 * refused checks that fit ("about 68 s" for W1's 5 s, "about 23 s" for a 2 s check).
 */
class Budget {
  private markAt: number;
  private markDone = 0;
  private pace = NaN;
  private before = NaN;

  constructor(private readonly start: number, private readonly total: number, private readonly budgetMs: number) {
    this.markAt = start;
  }

  /** The projection (the whole job's time, and ms an element) when the rest cannot fit; else null. */
  over(done: number): { projectedMs: number; paceMs: number } | null {
    if ((done & 15) !== 0) return null;
    const now = performance.now();
    if (now - this.markAt >= PACE_WINDOW_MS && done > this.markDone) {
      this.before = this.pace;
      this.pace = (now - this.markAt) / (done - this.markDone);
      this.markAt = now;
      this.markDone = done;
    }
    const spent = now - this.start;
    if (spent < 200 || !Number.isFinite(this.pace)) return null;
    const rest = this.pace * (this.total - done);
    if (!(rest > 1.5 * (this.budgetMs - spent))) return null;
    const settled = this.pace >= 0.7 * this.before;
    return settled || spent >= 0.3 * this.budgetMs ? { projectedMs: spent + rest, paceMs: this.pace } : null;
  }
}

/** F re-run under the runtime's `record`, its tape copied out as plain data. */
function recordTape(realm: Realm, F: unknown, args: unknown[], dims: unknown, job: Job, inputs: unknown[]): TapeData | { error: string } {
  let rec: unknown;
  try {
    rec = realm.record(F, args, dims, job.seed);
  } catch (e) {
    return { error: describeThrown(e).message };
  }
  try {
    const ids = new Map<unknown, number>();
    const tensors: TapeData["tensors"] = [];
    const id = (t: unknown): number => {
      let k = ids.get(t);
      if (k === undefined) {
        k = tensors.length;
        ids.set(t, k);
        tensors.push(readTensor(t, "a tensor on the tape"));
      }
      return k;
    };
    const result = (read(rec, "result") as { value?: unknown }).value;
    const nodesVal = (read(rec, "nodes") as { value?: unknown }).value;
    if (!Array.isArray(nodesVal)) return { error: "the tape is not a list" };
    const length = (read(nodesVal, "length") as { value?: unknown }).value;
    if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length > 200_000) return { error: "the tape is too long" };
    // Parameters first, so that their indices do not depend on the order ops used them.
    const params = inputs.map((t) => (t === null ? -1 : id(t)));
    const nodes: TapeData["nodes"] = [];
    for (let i = 0; i < length; i++) {
      const n = (read(nodesVal, String(i)) as { value?: unknown }).value;
      const op = (read(n, "op") as { value?: unknown }).value;
      const ins = (read(n, "inputs") as { value?: unknown }).value;
      const attrs = (read(n, "attrs") as { value?: unknown }).value;
      if (typeof op !== "string" || !Array.isArray(ins)) return { error: `tape node ${i} is malformed` };
      const insLength = (read(ins, "length") as { value?: unknown }).value;
      if (typeof insLength !== "number" || !Number.isInteger(insLength) || insLength < 0 || insLength > 8) return { error: `tape node ${i} is malformed` };
      const inputIds: number[] = [];
      for (let j = 0; j < insLength; j++) inputIds.push(id((read(ins, String(j)) as { value?: unknown }).value));
      nodes.push({ op, inputs: inputIds, output: id((read(n, "output") as { value?: unknown }).value), attrs: readAttrs(attrs) });
    }
    const isNumber = typeof result === "number";
    return { tensors, nodes, output: isNumber ? -1 : id(result), params };
  } catch (e) {
    return { error: e instanceof JobError ? e.message : describeThrown(e).message };
  }
}

/** One job: the gradient's realm, then F's. A JobError anywhere is the answer's `error`. */
export function runJob(job: Job, env: ProbeEnv): Answer {
  const answer: Answer = {};
  const cpu0 = process.cpuUsage();
  try {
    if (job.callGradient) answer.gradient = callGradient(job, env);
    if (job.callF) probeF(job, env, answer);
  } catch (e) {
    if (!(e instanceof JobError)) throw e;
    return { error: e.message };
  }
  const cpu = process.cpuUsage(cpu0);
  answer.cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  return answer;
}
