// The catalog's VJP check, shared by its self-tests: an op's VJP against central finite
// differences of ⟨g, f(x)⟩, on inputs the op's own catalog entry draws (`selfTest`).
import { makeOps } from "../../src/ops/catalog";
import { numericAlgebra } from "../../src/ops/numeric";
import { Draw } from "../../src/ops/selftest";
import type { OpAttrs, OpDef, TensorData } from "../../src/ops/types";

/** A small deterministic generator, so that a fast-check counterexample replays exactly. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Fill = "normal" | "positive";
export interface Case { args: TensorData[]; attrs: OpAttrs }

export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function filled(shape: readonly number[], fill: Fill, r: () => number): TensorData {
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    // Normal-ish values kept away from 0, where relu's kink would spoil finite differences.
    data[i] = fill === "positive" ? 0.5 + 1.5 * r() : (r() < 0.5 ? -1 : 1) * (0.05 + 1.5 * r());
  }
  return { shape: shape.slice(), data };
}

/** The op's own self-test draw (its catalog entry says how to fit it), materialised from a seed. */
export function caseOf(op: OpDef, seed: number): Case {
  const d = new Draw(seed);
  const c = op.selfTest(d);
  return {
    args: c.operands.map((o) => ({ shape: o.shape.slice(), data: Float64Array.from(o.data ?? d.values(numel(o.shape), o.fill)) })),
    attrs: c.attrs ?? {},
  };
}

const EPS = 1e-6;
const ATOL = 1e-7;
const RTOL = 1e-6;
/** The worst error seen, as a fraction of the tolerance (the self-test checks it stays well inside). */
export const worst = { error: 0 };

function dot(a: TensorData, b: TensorData): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

/** Disagreements between `op`'s VJP and central differences of ⟨g, f(x)⟩, as messages. */
export function vjpErrors(op: OpDef, c: Case, gSeed: number, track = true): string[] {
  const out = op.forward(c.args, c.attrs);
  const g = filled(out.shape, "normal", rng(gSeed));
  let grads: TensorData[];
  try {
    grads = op.vjp(makeOps(numericAlgebra), g, c.args, out, c.attrs);
  } catch (e) {
    return [`vjp threw: ${(e as Error).message}`];
  }
  if (grads.length !== c.args.length) return [`vjp returned ${grads.length} gradients for ${c.args.length} operands`];
  const errors: string[] = [];
  c.args.forEach((arg, i) => {
    const grad = grads[i]!;
    if (grad.shape.join() !== arg.shape.join()) {
      errors.push(`operand ${i}: gradient shape [${grad.shape}] ≠ operand shape [${arg.shape}]`);
      return;
    }
    for (let j = 0; j < arg.data.length; j++) {
      const at = (delta: number) => {
        const data = arg.data.slice();
        data[j]! += delta;
        const args = c.args.map((a, k) => (k === i ? { shape: a.shape, data } : a));
        return dot(g, op.forward(args, c.attrs));
      };
      const numeric = (at(EPS) - at(-EPS)) / (2 * EPS);
      const analytic = grad.data[j]!;
      const err = Math.abs(analytic - numeric);
      if (track) worst.error = Math.max(worst.error, err / (ATOL + RTOL * Math.abs(numeric)));
      if (!(err <= ATOL + RTOL * Math.abs(numeric))) {
        errors.push(`operand ${i} [${arg.shape}] element ${j}: vjp ${analytic}, finite differences ${numeric}`);
      }
    }
  });
  return errors;
}

