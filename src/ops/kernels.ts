// Plain float64 loops shared by the catalog's forward kernels. Shapes here are concrete and have
// already been checked by the op's shape rule.

import type { TensorData } from "./types";

export function make(shape: readonly number[], data: Float64Array): TensorData {
  return { shape: shape.slice(), data };
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function map(a: TensorData, f: (x: number) => number): TensorData {
  const out = new Float64Array(a.data.length);
  const src = a.data;
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]!);
  return make(a.shape, out);
}

/** Strides of `shape` seen from an output of rank `n` (0 along broadcast axes). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const n = outShape.length;
  const strides = new Array<number>(n).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = n - shape.length + i;
    strides[axis] = shape[i] === 1 && outShape[axis] !== 1 ? 0 : s;
    s *= shape[i]!;
  }
  return strides;
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 1; i <= n; i++) {
    const da = i <= a.length ? a[a.length - i]! : 1;
    const db = i <= b.length ? b[b.length - i]! : 1;
    out[n - i] = da === 1 ? db : da;
  }
  return out;
}

export function zip(a: TensorData, b: TensorData, f: (x: number, y: number) => number): TensorData {
  const ad = a.data;
  const bd = b.data;
  if (sameShape(a.shape, b.shape)) {
    const out = new Float64Array(ad.length);
    for (let i = 0; i < ad.length; i++) out[i] = f(ad[i]!, bd[i]!);
    return make(a.shape, out);
  }
  if (bd.length === 1) {
    const y = bd[0]!;
    const out = new Float64Array(ad.length);
    for (let i = 0; i < ad.length; i++) out[i] = f(ad[i]!, y);
    return make(broadcastShape(a.shape, b.shape), out);
  }
  if (ad.length === 1) {
    const x = ad[0]!;
    const out = new Float64Array(bd.length);
    for (let i = 0; i < bd.length; i++) out[i] = f(x, bd[i]!);
    return make(broadcastShape(a.shape, b.shape), out);
  }
  const shape = broadcastShape(a.shape, b.shape);
  return make(shape, gather2(shape, a, b, f));
}

function gather2(shape: number[], a: TensorData, b: TensorData, f: (x: number, y: number) => number): Float64Array {
  const n = shape.length;
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const out = new Float64Array(size(shape));
  const idx = new Array<number>(n).fill(0);
  let ia = 0;
  let ib = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = f(a.data[ia]!, b.data[ib]!);
    // Odometer increment, keeping both source offsets in step.
    for (let axis = n - 1; axis >= 0; axis--) {
      idx[axis]!++;
      ia += sa[axis]!;
      ib += sb[axis]!;
      if (idx[axis]! < shape[axis]!) break;
      ia -= sa[axis]! * shape[axis]!;
      ib -= sb[axis]! * shape[axis]!;
      idx[axis] = 0;
    }
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Broadcast `a` up to `shape` (materialised). */
export function expandTo(a: TensorData, shape: readonly number[]): TensorData {
  if (sameShape(a.shape, shape)) return make(shape, a.data.slice());
  const out = gather2(shape.slice(), a, { shape: [], data: new Float64Array([0]) }, (x) => x);
  return make(shape, out);
}

/** Sum `a` down to `shape` (the adjoint of broadcasting). */
export function sumTo(a: TensorData, shape: readonly number[]): TensorData {
  if (sameShape(a.shape, shape)) return make(shape, a.data.slice());
  const out = new Float64Array(size(shape));
  const n = a.shape.length;
  const so = broadcastStrides(shape, a.shape);
  const idx = new Array<number>(n).fill(0);
  let io = 0;
  for (let k = 0; k < a.data.length; k++) {
    out[io]! += a.data[k]!;
    for (let axis = n - 1; axis >= 0; axis--) {
      idx[axis]!++;
      io += so[axis]!;
      if (idx[axis]! < a.shape[axis]!) break;
      io -= so[axis]! * a.shape[axis]!;
      idx[axis] = 0;
    }
  }
  return make(shape, out);
}

export function matmul(a: TensorData, b: TensorData): TensorData {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const ad = a.data;
  const bd = b.data;
  const out = new Float64Array(m * n);
  // i-k-j order walks both b and out row-wise. Rows of b are taken four at a time, each group
  // summed as ((x0·b0 + x1·b1) + x2·b2) + x3·b3 and added to out; that order is the kernel's
  // contract (finite differences and tests see its exact rounding). Sixteen rows (four groups) per
  // pass over out keep out[j] in a register across the groups: out + G1 + G2 + G3 + G4 is the same
  // left-to-right sum as four passes, bit for bit, with a quarter of the loads and stores of out.
  // Measured on the seed's [1,784]@[784,128]: 95 → 71 µs in isolation, and it is ~90% of a pass.
  // No skip of zero entries: 0 · ∞ must stay NaN, which the gradient checker reports.
  const k16 = k - (k % 16);
  const k4 = k - (k % 4);
  for (let i = 0; i < m; i++) {
    const oi = i * n;
    const ai = i * k;
    let p = 0;
    for (; p < k16; p += 16) {
      const q = ai + p;
      const x0 = ad[q]!, x1 = ad[q + 1]!, x2 = ad[q + 2]!, x3 = ad[q + 3]!;
      const x4 = ad[q + 4]!, x5 = ad[q + 5]!, x6 = ad[q + 6]!, x7 = ad[q + 7]!;
      const x8 = ad[q + 8]!, x9 = ad[q + 9]!, x10 = ad[q + 10]!, x11 = ad[q + 11]!;
      const x12 = ad[q + 12]!, x13 = ad[q + 13]!, x14 = ad[q + 14]!, x15 = ad[q + 15]!;
      const b0 = p * n;
      for (let j = 0; j < n; j++) {
        const c = b0 + j;
        out[oi + j] = out[oi + j]!
          + (x0 * bd[c]! + x1 * bd[c + n]! + x2 * bd[c + 2 * n]! + x3 * bd[c + 3 * n]!)
          + (x4 * bd[c + 4 * n]! + x5 * bd[c + 5 * n]! + x6 * bd[c + 6 * n]! + x7 * bd[c + 7 * n]!)
          + (x8 * bd[c + 8 * n]! + x9 * bd[c + 9 * n]! + x10 * bd[c + 10 * n]! + x11 * bd[c + 11 * n]!)
          + (x12 * bd[c + 12 * n]! + x13 * bd[c + 13 * n]! + x14 * bd[c + 14 * n]! + x15 * bd[c + 15 * n]!);
      }
    }
    for (; p < k4; p += 4) {
      const x0 = ad[ai + p]!, x1 = ad[ai + p + 1]!, x2 = ad[ai + p + 2]!, x3 = ad[ai + p + 3]!;
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        out[oi + j]! += x0 * bd[b0 + j]! + x1 * bd[b1 + j]! + x2 * bd[b2 + j]! + x3 * bd[b3 + j]!;
      }
    }
    for (; p < k; p++) {
      const x = ad[ai + p]!;
      const bp = p * n;
      for (let j = 0; j < n; j++) out[oi + j]! += x * bd[bp + j]!;
    }
  }
  return make([m, n], out);
}

export function transpose(a: TensorData): TensorData {
  const [m, n] = a.shape as [number, number];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a.data[i * n + j]!;
  return make([n, m], out);
}

/** Normalise a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Reduce along `axis` keeping it with size 1; `init` and `step` fold one lane. */
export function reduceAxis(a: TensorData, axis: number, f: (lane: Float64Array) => number): TensorData {
  const shape = a.shape;
  const ax = normAxis(axis, shape.length);
  const len = shape[ax]!;
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = ax + 1; i < shape.length; i++) inner *= shape[i]!;
  const out = new Float64Array(outer * inner);
  const lane = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      for (let l = 0; l < len; l++) lane[l] = a.data[(o * len + l) * inner + i]!;
      out[o * inner + i] = f(lane);
    }
  }
  const outShape = shape.slice();
  outShape[ax] = 1;
  return make(outShape, out);
}

/** Apply `f` to each lane along the last axis, writing a lane of the same length. */
export function mapLastAxis(a: TensorData, f: (lane: Float64Array, out: Float64Array) => void): TensorData {
  const len = a.shape[a.shape.length - 1] ?? 1;
  const out = new Float64Array(a.data.length);
  for (let off = 0; off < a.data.length; off += len) {
    f(a.data.subarray(off, off + len), out.subarray(off, off + len));
  }
  return make(a.shape, out);
}

export function total(a: TensorData): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]!;
  return s;
}

export function scalar(x: number): TensorData {
  return make([], new Float64Array([x]));
}
