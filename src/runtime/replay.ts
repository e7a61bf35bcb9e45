// Finite differences without redoing the whole forward pass. The gradient checker runs F once as
// a base pass, keeping what every op got and gave. Each probe then runs F again in full, with one
// element of one parameter moved; as its ops come in order, each is matched to the base pass's op
// at the same position, and its inputs are compared with what that op got then. An op whose
// inputs are unchanged returns a copy of its base output; one whose inputs changed in a few
// elements uses its catalog delta rule (ops/delta.ts: the op's own kernel on the touched part);
// anything else (another op, other attributes or shapes, an op past the base pass, no delta rule)
// runs its forward as usual, and after a mismatch the rest of that pass does too. Every op's
// output is thus exactly what the full forward gives on the same inputs, so F's value at each
// probe is the same number, bit for bit (test/unit/replay.test.ts); F itself still runs every time,
// so whatever it computes outside the ops (reading `.data`, branching on values) is seen.
//
// Parameters are recognised by identity: the checker moved their element itself, so their data is
// not compared (W1 has 100,352 elements); every other input is compared in full, which also covers
// tensors F builds itself or changes in place.

import { opOrThrow } from "../ops/catalog";
import { copyShape } from "../ops/kernels";
import { applyOp } from "../ops/numeric";
import { sameAttrs, type DeltaBase, type OpAttrs, type TensorData } from "../ops/types";

interface BaseNode {
  op: string;
  attrs: OpAttrs;
  /** Per input: the index of the parameter it was, or a copy of what it held. */
  inputs: Array<number | TensorData>;
  /** A copy: F may change the tensor it was given in place. */
  output: TensorData;
  /** What the op's delta rule sees of this call: the inputs as they were, the output. */
  base: DeltaBase;
  memo: Record<string, unknown>;
}

interface Replay {
  /** F's parameters in order; null for a number parameter (it reaches ops as a fresh tensor). */
  params: readonly unknown[];
  nodes: BaseNode[];
  /** Each parameter's data in the base pass, copied when an op first reads it. */
  paramData: Array<TensorData | undefined>;
  recording: boolean;
  /** Position of the next op in the base pass. */
  at: number;
  diverged: boolean;
  /** The parameter this probe moved, and where. */
  moved: number;
  movedAt: Int32Array;
}

/** The replay in progress, if any: the runtime's `run` pays one null check when there is none. */
export const replayState: { active: Replay | null } = { active: null };

/** The base pass of the last `replayBase`, kept for its probes. */
let prepared: Replay | null = null;

const NONE = new Int32Array(0);

function copy(t: TensorData): TensorData {
  const data = new Float64Array(t.data.length);
  data.set(t.data);
  return { shape: copyShape(t.shape), data };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A loop rather than indexOf, which is slow in the checker's locked realm (ops/kernels.ts copyShape). */
function paramIndex(r: Replay, t: unknown): number {
  for (let i = 0; i < r.params.length; i++) if (r.params[i] === t) return i;
  return -1;
}

let scratch = new Int32Array(64);

/** Where `x` differs from `base` in its bits (−0 against 0, NaN always); null when in most places. */
function differences(x: Float64Array, base: Float64Array): Int32Array | null {
  const limit = x.length >> 1;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const u = x[i]!;
    const v = base[i]!;
    if (u !== v || (u === 0 && 1 / u !== 1 / v)) {
      if (n >= limit) return null;
      if (n === scratch.length) {
        const grown = new Int32Array(2 * n);
        grown.set(scratch);
        scratch = grown;
      }
      scratch[n++] = i;
    }
  }
  return n === 0 ? NONE : scratch.slice(0, n);
}

/** One op of a probe pass: its base output, its delta, or its forward. */
export function replayRun(name: string, inputs: ReadonlyArray<TensorData>, attrs: OpAttrs): TensorData {
  const r = replayState.active!;
  if (r.recording) {
    const out = applyOp(name, inputs, attrs);
    const kept = inputs.map((t) => {
      const p = paramIndex(r, t);
      if (p >= 0) r.paramData[p] ??= copy(t);
      return p >= 0 ? p : copy(t);
    });
    const output = copy(out);
    const base = { inputs: kept.map((x) => (typeof x === "number" ? r.paramData[x]! : x)), output };
    r.nodes.push({ op: name, attrs, inputs: kept, output, base, memo: {} });
    return out;
  }
  const node = r.diverged ? undefined : r.nodes[r.at++];
  if (node === undefined || node.op !== name || node.inputs.length !== inputs.length || !sameAttrs(node.attrs, attrs)) {
    r.diverged = true;
    return applyOp(name, inputs, attrs);
  }
  const changed: Array<Int32Array | null> = new Array(inputs.length);
  let any = false;
  for (let j = 0; j < inputs.length; j++) {
    const t = inputs[j]!;
    const b = node.inputs[j]!;
    const p = paramIndex(r, t);
    let c: Int32Array | null;
    if (typeof b === "number") {
      if (p !== b) {
        r.diverged = true;
        return applyOp(name, inputs, attrs);
      }
      c = b === r.moved ? r.movedAt : NONE;
    } else {
      if (p >= 0 || !sameShape(t.shape, b.shape)) {
        r.diverged = true;
        return applyOp(name, inputs, attrs);
      }
      c = differences(t.data, b.data);
    }
    if (c === null || c.length > 0) any = true;
    changed[j] = c;
  }
  // Same op, attributes and input shapes as in the base pass, so its shape rule holds as it did then.
  if (!any) return copy(node.output);
  return opOrThrow(name).delta?.(inputs, attrs, changed, node.base, node.memo) ?? applyOp(name, inputs, attrs);
}

/** Runs F's base pass: recorded for the probes that follow. `params` are F's tensor arguments by position. */
export function replayBase<T>(params: readonly unknown[], body: () => T): T {
  const r: Replay = { params: params.slice(), nodes: [], paramData: [], recording: true, at: 0, diverged: false, moved: -1, movedAt: NONE };
  prepared = null;
  const outer = replayState.active;
  replayState.active = r;
  try {
    const result = body();
    r.recording = false;
    prepared = r;
    return result;
  } finally {
    replayState.active = outer;
  }
}

/** Runs one probe of the last base pass: parameter `param` has been moved at element `index`. */
export function replayProbe<T>(param: number, index: number, body: () => T): T {
  const r = prepared;
  if (r === null) throw new Error("chainrule: replayProbe without a base pass");
  r.at = 0;
  r.diverged = false;
  r.moved = param;
  r.movedAt = Int32Array.of(index);
  const outer = replayState.active;
  replayState.active = r;
  try {
    return body();
  } finally {
    replayState.active = outer;
  }
}

/** Drops the base pass. */
export function replayEnd(): void {
  prepared = null;
}
