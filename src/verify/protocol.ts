// The messages between the checker (parent) and its sandboxed worker, and the parent's schema check
// of every message the worker sends. The worker answers with raw numbers only (F's values at the
// probes, the gradient's arrays, F's recorded tape); the parent, which checked code never touches,
// turns them into differences, comparisons and verdicts. A message that does not fit the schema,
// or that answers another job, is a protocol fault: that check's error, never the run's.

import { LIST_ATTRS, NUMBER_ATTRS, type OpAttrs } from "../ops/types";

/** What the worker probes in F's realm. */
export type Probe =
  | { kind: "none" }
  /**
   * Central differences over every element of these parameters (indices into `params`), or over
   * elements [from, to) of them taken as one concatenated list, when the parent splits the probes
   * between two processes.
   */
  | { kind: "elements"; params: number[]; from?: number; to?: number }
  /** Directional derivatives: one direction per entry, over `params` jointly (concatenated). */
  | { kind: "directions"; params: number[]; directions: Float64Array[] };

/** One unit of work: fresh realms in the worker, one answer. */
export interface Job {
  of: string;
  gradient: string;
  objectForm: boolean;
  /** Keys of the object form read statically; empty: the keys G returns at run time. */
  wrt: string[];
  params: Array<{ name: string; shape: number[]; kind: "tensor" | "number" }>;
  /** One per parameter, drawn by the parent. */
  inputs: Float64Array[];
  dims: Record<string, number>;
  seed: number;
  /** Call the gradient function (in its own realm) and return its arrays. */
  callGradient: boolean;
  /** Call F (in a realm of its own): its value at the sample, the probes, and its tape when `tape`. */
  callF: boolean;
  probe: Probe;
  tape: boolean;
  /** Time the job may take: finite differences that cannot fit stop early with their pace. */
  budgetMs: number;
  /** false: every probe a plain call of F, no replay of the base pass (tests compare the two). */
  replay?: boolean;
}

export interface JobMessage {
  type: "job";
  id: number;
  job: Job;
  /** The checked file as the user named it, for messages. */
  file: string;
  /** To word stack locations relative to the user's folder, skipping chainrule's own frames. */
  cwd: string;
  internal: string[];
}

export interface TapeData {
  /** Every tensor the tape mentions, once; nodes refer to them by index. */
  tensors: Array<{ shape: number[]; data: Float64Array }>;
  nodes: Array<{ op: string; inputs: number[]; output: number; attrs: OpAttrs }>;
  /** Index of F's result among `tensors`, or -1 when F returned a plain number. */
  output: number;
  /** Index of each parameter's input tensor (or -1 for a number parameter, or one the tape never saw). */
  params: number[];
}

export interface Answer {
  /** A finished message: user code threw, could not load, returned something unusable. The check errors with it. */
  error?: string;
  /** G's result per compared parameter, in the order G's keys (or `wrt`) give. */
  gradient?: Array<{ param: string; shape: number[]; data: Float64Array }>;
  /** F at the sample, at the start and again at the end (a function gives the same value twice). */
  f0?: number;
  fEnd?: number;
  /** A parameter F modified (read after its first call and after the probes). */
  mutated?: string;
  /** Central-difference probes, per probed parameter: F(x + εe_i) and F(x − εe_i). */
  elements?: Array<{ plus: Float64Array; minus: Float64Array }>;
  /** Elements probed before stopping (all of them unless `stopped`). */
  done?: number;
  /** The probes stopped early: over budget (with the pace), or F was non-finite. */
  stopped?: { reason: "budget"; spentMs: number; projectedMs?: number; paceMs?: number } | { reason: "non-finite" };
  /** Directional probes: F(x + εu_r) and F(x − εu_r) for each direction r. */
  directions?: { plus: number[]; minus: number[] };
  tape?: TapeData | { error: string };
  passes?: number;
  cpuMs?: number;
  /** The element probes replayed the base pass (runtime/replay.ts); for tests and measurements, not sent on. */
  replayed?: boolean;
}

export type WorkerMessage =
  | { type: "started"; id: number }
  | { type: "phase"; id: number; text: string }
  /** Element probes done of `total` after `ms` of them: for the progress line and its estimate. */
  | { type: "progress"; id: number; done: number; total: number; ms: number }
  /** F's tape, ahead of the answer (which then carries none), so that the parent's AD runs during the probes. */
  | { type: "tape"; id: number; tape: TapeData | { error: string } }
  | { type: "answer"; id: number; answer: Answer };

/** The elements an element-probing job covers, in the concatenated list of its parameters' elements. */
export function elementRange(job: Job): { from: number; to: number } {
  const p = job.probe;
  if (p.kind !== "elements") return { from: 0, to: 0 };
  const all = p.params.reduce((sum, k) => sum + (job.inputs[k]?.length ?? 0), 0);
  const from = Math.max(0, Math.min(all, p.from ?? 0));
  return { from, to: Math.max(from, Math.min(all, p.to ?? all)) };
}

/** Upper bounds that keep a hostile answer from costing the parent more than the job itself. */
const MAX_TEXT = 4000;
const MAX_RANK = 32;
const MAX_TAPE_NODES = 200_000;

export class ProtocolError extends Error {}

function fail(what: string): never {
  throw new ProtocolError(what);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function text(x: unknown, what: string): string {
  if (typeof x !== "string") fail(`${what} is not a string`);
  return x.length > MAX_TEXT ? `${x.slice(0, MAX_TEXT)}…` : x;
}

function finiteOrNot(x: unknown, what: string): number {
  if (typeof x !== "number") fail(`${what} is not a number`);
  return x;
}

function count(x: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0 || x > max) fail(`${what} is not a count`);
  return x;
}

function f64(x: unknown, what: string, length?: number): Float64Array {
  if (!(x instanceof Float64Array)) fail(`${what} is not a Float64Array`);
  if (length !== undefined && x.length !== length) fail(`${what} has ${x.length} elements, not ${length}`);
  return x;
}

function shape(x: unknown, what: string): number[] {
  if (!Array.isArray(x) || x.length > MAX_RANK) fail(`${what} is not a shape`);
  return x.map((d, i) => count(d, `${what}[${i}]`));
}

function numbers(x: unknown, what: string, length: number): number[] {
  if (!Array.isArray(x) || x.length !== length) fail(`${what} is not ${length} numbers`);
  return x.map((v, i) => finiteOrNot(v, `${what}[${i}]`));
}

const elementsOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function attrs(x: unknown): OpAttrs {
  if (!isObject(x)) fail("a tape node's attrs are not an object");
  const out: { -readonly [K in keyof OpAttrs]: OpAttrs[K] } = {};
  for (const key of NUMBER_ATTRS) if (x[key] !== undefined) out[key] = finiteOrNot(x[key], `attrs.${key}`);
  for (const key of LIST_ATTRS) {
    const v = x[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length > 64) fail(`attrs.${key} is not a list of numbers`);
    out[key] = v.map((d, i) => finiteOrNot(d, `attrs.${key}[${i}]`));
  }
  return out;
}

function tape(x: unknown, job: Job): TapeData | { error: string } {
  if (!isObject(x)) fail("tape is not an object");
  if (x.error !== undefined) return { error: text(x.error, "tape.error") };
  if (!Array.isArray(x.tensors) || !Array.isArray(x.nodes) || x.nodes.length > MAX_TAPE_NODES) fail("tape has no tensors or nodes");
  const tensors = x.tensors.map((t, i) => {
    if (!isObject(t)) fail(`tape tensor ${i} is not an object`);
    const s = shape(t.shape, `tape tensor ${i}'s shape`);
    return { shape: s, data: f64(t.data, `tape tensor ${i}'s data`, elementsOf(s)) };
  });
  const ref = (v: unknown, what: string, allowNone = false) => {
    if (allowNone && v === -1) return -1;
    return count(v, what, tensors.length - 1);
  };
  const nodes = x.nodes.map((n, i) => {
    if (!isObject(n) || !Array.isArray(n.inputs)) fail(`tape node ${i} is not a node`);
    return { op: text(n.op, `tape node ${i}'s op`), inputs: n.inputs.map((v, k) => ref(v, `tape node ${i}'s input ${k}`)), output: ref(n.output, `tape node ${i}'s output`), attrs: attrs(n.attrs) };
  });
  if (!Array.isArray(x.params) || x.params.length !== job.params.length) fail("tape params do not match the job");
  return { tensors, nodes, output: ref(x.output, "tape output", true), params: x.params.map((v, k) => ref(v, `tape param ${k}`, true)) };
}

/** The answer as the schema allows it, with every array's length checked against the job. */
export function validateAnswer(raw: unknown, job: Job): Answer {
  if (!isObject(raw)) fail("the answer is not an object");
  const out: Answer = {};
  if (raw.error !== undefined) {
    out.error = text(raw.error, "error");
    return out;
  }
  if (raw.passes !== undefined) out.passes = count(raw.passes, "passes");
  if (raw.cpuMs !== undefined) out.cpuMs = count(raw.cpuMs, "cpuMs");
  const names = job.params.map((p) => p.name);
  if (job.callGradient) {
    if (!Array.isArray(raw.gradient) || raw.gradient.length === 0 || raw.gradient.length > names.length) fail("gradient is missing");
    const seen = new Set<string>();
    out.gradient = raw.gradient.map((g, i) => {
      if (!isObject(g)) fail(`gradient entry ${i} is not an object`);
      const param = text(g.param, `gradient entry ${i}'s param`);
      if (!names.includes(param) || seen.has(param)) fail(`gradient entry ${i} names ${param}`);
      seen.add(param);
      const s = shape(g.shape, `gradient ${param}'s shape`);
      return { param, shape: s, data: f64(g.data, `gradient ${param}'s data`, elementsOf(s)) };
    });
  } else if (raw.gradient !== undefined) fail("gradient was not asked for");
  if (!job.callF) return out;
  out.f0 = finiteOrNot(raw.f0, "f0");
  if (raw.fEnd !== undefined) out.fEnd = finiteOrNot(raw.fEnd, "fEnd");
  if (raw.mutated !== undefined) {
    const m = text(raw.mutated, "mutated");
    if (!names.includes(m)) fail("mutated names no parameter");
    out.mutated = m;
  }
  if (raw.stopped !== undefined) {
    const s = raw.stopped;
    if (!isObject(s)) fail("stopped is not an object");
    if (s.reason === "budget") {
      out.stopped = { reason: "budget", spentMs: finiteOrNot(s.spentMs, "stopped.spentMs") };
      if (s.projectedMs !== undefined) out.stopped.projectedMs = finiteOrNot(s.projectedMs, "stopped.projectedMs");
      if (s.paceMs !== undefined) out.stopped.paceMs = finiteOrNot(s.paceMs, "stopped.paceMs");
    }
    else if (s.reason === "non-finite") out.stopped = { reason: "non-finite" };
    else fail("stopped has no reason");
  }
  const p = job.probe;
  if (p.kind === "elements" && out.f0 !== undefined && Number.isFinite(out.f0) && out.mutated === undefined) {
    if (!Array.isArray(raw.elements) || raw.elements.length !== p.params.length) fail("elements do not match the probed parameters");
    out.elements = raw.elements.map((e, j) => {
      if (!isObject(e)) fail(`elements ${j} is not an object`);
      const n = job.inputs[p.params[j]!]!.length;
      return { plus: f64(e.plus, `elements ${j}.plus`, n), minus: f64(e.minus, `elements ${j}.minus`, n) };
    });
    const { from, to } = elementRange(job);
    out.done = count(raw.done, "done", to - from);
  }
  if (p.kind === "directions" && out.f0 !== undefined && Number.isFinite(out.f0) && out.mutated === undefined) {
    const d = raw.directions;
    if (!isObject(d)) fail("directions are missing");
    const n = p.directions.length;
    out.directions = { plus: numbers(d.plus, "directions.plus", n), minus: numbers(d.minus, "directions.minus", n) };
  }
  if (job.tape && raw.tape !== undefined) out.tape = tape(raw.tape, job);
  return out;
}

/** A worker message, checked: its type, its job id, and (for answers) its contents. */
export function validateMessage(raw: unknown, id: number, job: Job): WorkerMessage {
  if (!isObject(raw)) fail("the message is not an object");
  if (raw.id !== id) fail(`the message answers job ${String(raw.id)}, not job ${id}`);
  switch (raw.type) {
    case "started":
      return { type: "started", id };
    case "phase":
      return { type: "phase", id, text: text(raw.text, "phase") };
    case "progress": {
      const { from, to } = elementRange(job);
      const total = to - from;
      if (raw.total !== total) fail("progress does not count the job's elements");
      const ms = finiteOrNot(raw.ms, "progress ms");
      if (!(ms >= 0)) fail("progress ms is negative");
      return { type: "progress", id, done: count(raw.done, "progress done", total), total, ms };
    }
    case "tape":
      if (!job.tape) fail("tape was not asked for");
      return { type: "tape", id, tape: tape(raw.tape, job) };
    case "answer":
      return { type: "answer", id, answer: validateAnswer(raw.answer, job) };
    default:
      fail(`unknown message type ${String(raw.type)}`);
  }
}
