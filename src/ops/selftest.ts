// What each catalog entry declares for the catalog's self-test (test/unit/catalog.test.ts): a
// small deterministic source of shapes and values (`Draw`), from which an entry draws operands
// that fit it. The test gradient-checks every op on many such draws; keeping the draw beside the
// op means a new op brings its own inputs.

import type { OpAttrs } from "./types";

/**
 * How an operand's values are drawn: `normal` (±0.05…1.55, away from 0, where relu and abs kink),
 * `positive` (0.5…2, for log, sqrt and fractional powers), `mask` (0 or 1), or given `data`.
 */
export type Fill = "normal" | "positive" | "mask";

export interface SelfTestOperand {
  readonly shape: readonly number[];
  readonly fill?: Fill;
  readonly data?: readonly number[];
}

export interface SelfTestCase {
  readonly operands: readonly SelfTestOperand[];
  readonly attrs?: OpAttrs;
}

/** mulberry32 from a seed, so a failing draw replays exactly. */
export class Draw {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(this.s ^ (this.s >>> 15), this.s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  bool(): boolean {
    return this.next() < 0.5;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)]!;
  }

  /** A small dim, 1…4. */
  dim(): number {
    return this.int(1, 4);
  }

  shape(minRank: number, maxRank: number): number[] {
    return Array.from({ length: this.int(minRank, maxRank) }, () => this.dim());
  }

  /** An axis of a shape of rank `rank` ≥ 1, negative half of the time. */
  axis(rank: number): number {
    const ax = this.int(0, rank - 1);
    return this.bool() ? ax - rank : ax;
  }

  /** Two shapes that broadcast: a common base with some dims set to 1 and some leading dims dropped. */
  broadcastPair(maxRank = 4): { base: number[]; a: number[]; b: number[] } {
    const base = this.shape(0, maxRank);
    const derive = () => {
      const drop = this.int(0, base.length);
      return base.map((d) => (this.bool() ? 1 : d)).slice(drop);
    };
    return { base, a: derive(), b: derive() };
  }

  /** A random permutation of 0…n−1. */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  }

  /** Values for `fill`, as the test materialises them. */
  values(n: number, fill: Fill = "normal"): number[] {
    return Array.from({ length: n }, () => {
      if (fill === "positive") return 0.5 + 1.5 * this.next();
      if (fill === "mask") return this.bool() ? 1 : 0;
      return (this.bool() ? -1 : 1) * (0.05 + 1.5 * this.next());
    });
  }
}

/**
 * The flat indices of each lane a reduction combines: along `axis` (normalised or negative), or
 * one lane of every element when there is no axis.
 */
export function laneIndices(shape: readonly number[], axis: number | undefined): number[][] {
  const n = numelOf(shape);
  if (axis === undefined) return [Array.from({ length: n }, (_, i) => i)];
  const ax = axis < 0 ? axis + shape.length : axis;
  let inner = 1;
  for (let i = ax + 1; i < shape.length; i++) inner *= shape[i]!;
  const len = shape[ax]!;
  const lanes: number[][] = [];
  for (let o = 0; o < n / (len * inner || 1); o++) {
    for (let i = 0; i < inner; i++) lanes.push(Array.from({ length: len }, (_, l) => (o * len + l) * inner + i));
  }
  return lanes;
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
