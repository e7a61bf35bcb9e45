// Compares an analytic gradient with the finite-difference reference element by element, with
// gradcheck's criterion, and names the one simple mistake that explains every element, if any.

import { formatShape, unravel } from "../shape/shape";
import { formatFactor } from "../text/verify-text";
import { ATOL, RTOL, type Diagnosis, type Worst } from "./types";

/** Floor of the relative error's denominator, so two exact zeros compare as equal. */
const TINY = 1e-12;

export interface Comparison {
  pass: boolean;
  maxAbsError: number | null;
  maxRelError: number | null;
  worst: Worst | null;
  diagnosis: Diagnosis | null;
  /** Why it failed beyond the numbers (a shape problem), or the diagnosis's detail (the factor). */
  note?: string;
  /** Elements outside tolerance, of how many (when the shapes allowed an element-wise comparison). */
  bad?: number;
  total?: number;
}

export function withinTolerance(a: number, n: number): boolean {
  return Math.abs(a - n) <= ATOL + RTOL * Math.abs(n);
}

function allWithin(a: ArrayLike<number>, n: ArrayLike<number>, scale = 1): boolean {
  for (let i = 0; i < n.length; i++) if (!withinTolerance(a[i]!, scale * n[i]!)) return false;
  return true;
}

function transposeData(data: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return out;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The factor c minimising ‖a − c·n‖, i.e. aᵀn / nᵀn. */
function bestScale(a: ArrayLike<number>, n: ArrayLike<number>): number {
  let an = 0;
  let nn = 0;
  for (let i = 0; i < n.length; i++) {
    an += a[i]! * n[i]!;
    nn += n[i]! * n[i]!;
  }
  return nn === 0 ? 0 : an / nn;
}

/** Errors and the worst element of analytic `a` against numeric `n`, both laid out in `shape`. */
function errors(param: string, shape: readonly number[], a: ArrayLike<number>, n: ArrayLike<number>) {
  let maxAbs = 0;
  let maxRel = 0;
  let worstAt = 0;
  let worstRatio = -1;
  let bad = 0;
  for (let i = 0; i < n.length; i++) {
    const d = Math.abs(a[i]! - n[i]!);
    const allowed = ATOL + RTOL * Math.abs(n[i]!);
    if (d > allowed) bad++;
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(a[i]!), Math.abs(n[i]!), TINY));
    // The worst element is the one furthest outside (or least inside) its own tolerance.
    const ratio = d / allowed;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      worstAt = i;
    }
  }
  const worst: Worst | null =
    n.length === 0 ? null : { param, index: unravel(worstAt, shape), analytic: a[worstAt]!, numeric: n[worstAt]! };
  return { pass: bad === 0, bad, maxAbs, maxRel, worst };
}

/**
 * Which single mistake explains every element of a failing same-shaped gradient. Order matters:
 * a zero gradient is also "scaled by 0", and a sign flip is "scaled by −1"; the specific name wins.
 */
function diagnoseSameShape(shape: readonly number[], a: ArrayLike<number>, n: ArrayLike<number>): { d: Diagnosis; note?: string } | null {
  let maxA = 0;
  for (let i = 0; i < a.length; i++) maxA = Math.max(maxA, Math.abs(a[i]!));
  if (maxA <= TINY) return { d: "zero", note: "the analytic gradient is zero everywhere" };
  const neg = Float64Array.from(a as ArrayLike<number>, (x) => -x);
  if (allWithin(neg, n)) return { d: "sign-flipped", note: "the analytic gradient is the numeric one negated" };
  if (shape.length === 2 && shape[0] === shape[1] && shape[0]! > 1) {
    const at = transposeData(a, shape[0]!, shape[1]!);
    if (allWithin(at, n)) return { d: "transposed", note: "the analytic gradient is the transpose of the numeric one" };
  }
  const c = bestScale(a, n);
  if (c !== 0 && !withinTolerance(c, 1) && allWithin(a, n, c)) {
    return { d: "scaled", note: `the analytic gradient is ${formatFactor(c)} × the numeric one` };
  }
  return null;
}

/** Compare the analytic gradient (any shape) for one parameter with its numeric reference. */
export function compareParam(
  param: string,
  shape: readonly number[],
  analytic: { shape: readonly number[]; data: ArrayLike<number> },
  numeric: ArrayLike<number>,
): Comparison {
  if (!sameShape(analytic.shape, shape)) {
    const expected = formatShape(shape);
    const got = formatShape(analytic.shape);
    // [n,m] for an [m,n] parameter (or a column for a row): compare its transpose.
    if (analytic.shape.length === 2 && shape.length === 2 && analytic.shape[0] === shape[1] && analytic.shape[1] === shape[0]) {
      const at = transposeData(analytic.data, analytic.shape[0]!, analytic.shape[1]!);
      // The errors compare the data as laid out (reshaped to the parameter's shape), which is how
      // an optimiser would apply it; the diagnosis says its transpose is right.
      const e = errors(param, shape, analytic.data, numeric);
      const note = `returned ${got} but ${param} is ${expected}`;
      const explained = allWithin(at, numeric);
      return {
        pass: false, maxAbsError: e.maxAbs, maxRelError: e.maxRel, worst: e.worst, bad: e.bad, total: numeric.length,
        diagnosis: explained ? "transposed" : null, note: explained ? `${note}; its transpose matches the numeric gradient` : note,
      };
    }
    return { pass: false, maxAbsError: null, maxRelError: null, worst: null, diagnosis: null, note: `returned ${got} but ${param} is ${expected}` };
  }
  const e = errors(param, shape, analytic.data, numeric);
  const base: Comparison = { pass: e.pass, maxAbsError: e.maxAbs, maxRelError: e.maxRel, worst: e.worst, diagnosis: null, bad: e.bad, total: numeric.length };
  if (e.pass) return base;
  const dx = diagnoseSameShape(shape, analytic.data, numeric);
  return dx ? { ...base, diagnosis: dx.d, ...(dx.note ? { note: dx.note } : {}) } : base;
}
