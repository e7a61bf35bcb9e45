// Reproducible random inputs for a check: a small seedable generator and the four `@sample` kinds.
// Every check reseeds from `--seed`, so a check's inputs never depend on which checks ran before.

import type { SampleKind } from "../gradient/tags";

/** mulberry32: tiny, fast, and good enough to draw test inputs; the same on every platform. */
export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    // Mix the seed so that nearby seeds (1, 2, 3) give unrelated streams.
    this.state = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal by Box–Muller, keeping the second value for the next call. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * The lanes a one-hot or probability sample normalises over: rows along the last axis, except a
 * column vector [n,1], which is one lane of n (a label written as a column).
 */
function lanes(shape: readonly number[], n: number): { count: number; length: number } {
  if (shape.length === 0) return { count: 1, length: 1 };
  const last = shape[shape.length - 1]!;
  if (last === 1 && shape.length === 2) return { count: 1, length: n };
  return { count: n / last, length: last };
}

export function sampleData(rng: Rng, kind: SampleKind, shape: readonly number[]): Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  if (kind === "normal") {
    for (let i = 0; i < n; i++) out[i] = rng.normal();
  } else if (kind === "positive") {
    for (let i = 0; i < n; i++) out[i] = rng.uniform(0.5, 2);
  } else {
    const { count, length } = lanes(shape, n);
    for (let l = 0; l < count; l++) {
      const off = l * length;
      if (kind === "onehot") {
        out[off + rng.int(length)] = 1;
      } else {
        let s = 0;
        for (let i = 0; i < length; i++) s += out[off + i] = rng.uniform(0.5, 2);
        for (let i = 0; i < length; i++) out[off + i]! /= s;
      }
    }
  }
  return out;
}

/** A random direction of unit length over `n` elements, for directional derivatives. */
export function unitDirection(rng: Rng, n: number): Float64Array {
  const u = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += (u[i] = rng.normal()) ** 2;
  const k = 1 / Math.sqrt(s || 1);
  for (let i = 0; i < n; i++) u[i]! *= k;
  return u;
}
