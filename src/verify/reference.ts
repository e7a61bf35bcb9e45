// The two references an analytic gradient is held against: central finite differences on F in
// float64 (the contract's reference), and reverse-mode AD that replays F's recorded tape through the
// catalog's VJPs (a second opinion: when the two disagree, F is non-smooth at the sample or a VJP
// is wrong). Both work on a closure that evaluates F; nothing here knows about processes.

import { getOp } from "../ops/catalog";
import { applyOp, numericAlgebra } from "../ops/numeric";
import { makeOps } from "../ops/catalog";
import type { OpAttrs, TensorData } from "../ops/types";
import { EPS } from "./types";

/** An input of F whose elements the references perturb in place. */
export interface Perturbable {
  name: string;
  shape: readonly number[];
  data: Float64Array;
}

/** Raised when F gives a non-finite value under a perturbation: reported as an error, not a failure. */
export class NonFiniteError extends Error {}

export interface FdCounter {
  passes: number;
}

/**
 * ∂F/∂p by central differences, one element at a time: 2 forward passes per element. `afterElement`
 * runs after each element (the caller's time budget; it may throw to stop).
 */
export function finiteDifferences(
  p: Perturbable,
  evalF: () => number,
  counter: FdCounter,
  indexName: (i: number) => string,
  afterElement: () => void = () => {},
): Float64Array {
  const out = new Float64Array(p.data.length);
  const d = p.data;
  for (let i = 0; i < d.length; i++) {
    const orig = d[i]!;
    d[i] = orig + EPS;
    const fp = evalF();
    d[i] = orig - EPS;
    const fm = evalF();
    // Restore the exact value, not orig + EPS − EPS, which can differ in the last bit.
    d[i] = orig;
    counter.passes += 2;
    if (!Number.isFinite(fp) || !Number.isFinite(fm)) {
      throw new NonFiniteError(`F is ${Number.isFinite(fp) ? fm : fp} when ${indexName(i)} is moved by ±${EPS}`);
    }
    out[i] = (fp - fm) / (2 * EPS);
    afterElement();
  }
  return out;
}

/** (F(x + εu) − F(x − εu)) / 2ε with u spread over several inputs: one directional derivative. */
export function directionalDerivative(ps: readonly Perturbable[], us: readonly Float64Array[], evalF: () => number, counter: FdCounter): number {
  const saved = ps.map((p) => p.data.slice());
  const shift = (sign: number) => {
    ps.forEach((p, k) => {
      const u = us[k]!;
      const s = saved[k]!;
      for (let i = 0; i < s.length; i++) p.data[i] = s[i]! + sign * EPS * u[i]!;
    });
  };
  try {
    shift(1);
    const fp = evalF();
    shift(-1);
    const fm = evalF();
    counter.passes += 2;
    if (!Number.isFinite(fp) || !Number.isFinite(fm)) {
      throw new NonFiniteError(`F is ${Number.isFinite(fp) ? fm : fp} when its inputs are moved by ${EPS} along a random direction`);
    }
    return (fp - fm) / (2 * EPS);
  } finally {
    ps.forEach((p, k) => p.data.set(saved[k]!));
  }
}

/** One recorded op, as the runtime's tape holds it (tensors are anything with shape and data). */
export interface TapeNodeLike {
  op: string;
  inputs: TensorData[];
  output: TensorData;
  attrs: OpAttrs;
}

/**
 * Reverse-mode AD over a tape: seed the output with 1, walk the nodes backwards, and accumulate
 * each op's VJP into its inputs, keyed by tensor identity. Inputs never reached get zeros.
 */
export function backprop(nodes: readonly TapeNodeLike[], output: TensorData, wrt: readonly TensorData[]): Float64Array[] {
  const ops = makeOps(numericAlgebra);
  const grads = new Map<TensorData, TensorData>();
  grads.set(output, { shape: output.shape, data: new Float64Array(output.data.length).fill(1) });
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    const g = grads.get(node.output);
    if (!g) continue;
    const op = getOp(node.op);
    if (!op) throw new Error(`op ${node.op} on the tape is not in the catalog`);
    const parts = op.vjp(ops, g, node.inputs, node.output, node.attrs);
    node.inputs.forEach((input, i) => {
      const part = parts[i];
      if (!part) return;
      const prev = grads.get(input);
      grads.set(input, prev ? applyOp("add", [prev, part]) : part);
    });
  }
  return wrt.map((w) => {
    const g = grads.get(w);
    return g ? Float64Array.from(g.data) : new Float64Array(w.data.length);
  });
}
