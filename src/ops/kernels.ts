// Plain float64 loops shared by the catalog's forward kernels. Shapes here are concrete and have
// already been checked by the op's shape rule.

import type { TensorData } from "./types";

export function make(shape: readonly number[], data: Float64Array): TensorData {
  return { shape: copyShape(shape), data };
}

/**
 * A copy of a shape by a plain loop: in the checker's realm the intrinsics are locked, which costs
 * V8 its fast paths for Array.prototype.slice, map and spreads (measured 44×, 18×, 12× slower),
 * and this runs for every op of every forward pass.
 */
export function copyShape(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) out[i] = shape[i]!;
  return out;
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
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
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

/** f over three operands broadcast together (where's kernel). */
export function zip3(a: TensorData, b: TensorData, c: TensorData, f: (x: number, y: number, z: number) => number): TensorData {
  const shape = broadcastShape(broadcastShape(a.shape, b.shape), c.shape);
  const n = shape.length;
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const sc = broadcastStrides(c.shape, shape);
  const out = new Float64Array(size(shape));
  const idx = new Array<number>(n).fill(0);
  let ia = 0;
  let ib = 0;
  let ic = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = f(a.data[ia]!, b.data[ib]!, c.data[ic]!);
    for (let axis = n - 1; axis >= 0; axis--) {
      idx[axis]!++;
      ia += sa[axis]!;
      ib += sb[axis]!;
      ic += sc[axis]!;
      if (idx[axis]! < shape[axis]!) break;
      ia -= sa[axis]! * shape[axis]!;
      ib -= sb[axis]! * shape[axis]!;
      ic -= sc[axis]! * shape[axis]!;
      idx[axis] = 0;
    }
  }
  return make(shape, out);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  // A loop rather than every: see copyShape.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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

/**
 * One [m,k] @ [k,n] product into `out` at `oo`, reading a at `ao` and b at `bo`: the one inner loop
 * of matmul, batched or not.
 */
function matmulInto(ad: Float64Array, ao: number, bd: Float64Array, bo: number, out: Float64Array, oo: number, m: number, k: number, n: number): void {
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
    const oi = oo + i * n;
    const ai = ao + i * k;
    let p = 0;
    for (; p < k16; p += 16) {
      const q = ai + p;
      const x0 = ad[q]!, x1 = ad[q + 1]!, x2 = ad[q + 2]!, x3 = ad[q + 3]!;
      const x4 = ad[q + 4]!, x5 = ad[q + 5]!, x6 = ad[q + 6]!, x7 = ad[q + 7]!;
      const x8 = ad[q + 8]!, x9 = ad[q + 9]!, x10 = ad[q + 10]!, x11 = ad[q + 11]!;
      const x12 = ad[q + 12]!, x13 = ad[q + 13]!, x14 = ad[q + 14]!, x15 = ad[q + 15]!;
      const b0 = bo + p * n;
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
      const b0 = bo + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        out[oi + j]! += x0 * bd[b0 + j]! + x1 * bd[b1 + j]! + x2 * bd[b2 + j]! + x3 * bd[b3 + j]!;
      }
    }
    for (; p < k; p++) {
      const x = ad[ai + p]!;
      const bp = bo + p * n;
      for (let j = 0; j < n; j++) out[oi + j]! += x * bd[bp + j]!;
    }
  }
}

/**
 * One output row of matmulInto as the sum it is: each element is a left fold, from 0, over terms
 * of four products (((x0·b0 + x1·b1) + x2·b2) + x3·b3) for rows p = 0, 4, 8, … of b below k − k%4,
 * then single products x·b for the rest; the sixteen-row blocks only keep four such terms in a
 * register. Term t covers rows `matmulTermRows(t)`. `terms[t·n + j]` is term t of element j and
 * `prefix[t·n + j]` the fold before it (prefix[count·n + j] is the element). A change of a[i,p]
 * changes one term, so the row is refolded from that term's prefix (ops/delta.ts) with the same
 * additions in the same order: the full product's bits (test/unit/delta.test.ts).
 */
export function matmulRowTerms(a: Float64Array, ao: number, b: Float64Array, k: number, n: number): { terms: Float64Array; prefix: Float64Array; count: number } {
  const k4 = k - (k % 4);
  const count = k4 / 4 + (k - k4);
  const terms = new Float64Array(count * n);
  const prefix = new Float64Array((count + 1) * n);
  for (let t = 0; t < count; t++) matmulTerm(a, ao, b, k, n, t, terms, t * n);
  for (let t = 0; t < count; t++) {
    for (let j = 0; j < n; j++) prefix[(t + 1) * n + j] = prefix[t * n + j]! + terms[t * n + j]!;
  }
  return { terms, prefix, count };
}

/**
 * Adds terms [from, to) of matmulRowTerms to a row, in order: row[j] = (…(row[j] + terms[from·n + j]) + …)
 * + terms[(to − 1)·n + j], the very additions of the kernel's fold. Eight columns at a time in
 * locals, so that the row is not loaded and stored once a term and the eight independent sums
 * overlap (one of a term row's cache lines a pass): the refold of a moved a[i,p], measured on
 * the seed's x probe (98 terms of 128 on average), 37 → 12 µs.
 */
export function foldTerms(row: Float64Array, terms: Float64Array, n: number, from: number, to: number): void {
  const n8 = n - (n % 8);
  let j = 0;
  for (; j < n8; j += 8) {
    let v0 = row[j]!, v1 = row[j + 1]!, v2 = row[j + 2]!, v3 = row[j + 3]!;
    let v4 = row[j + 4]!, v5 = row[j + 5]!, v6 = row[j + 6]!, v7 = row[j + 7]!;
    for (let t = from; t < to; t++) {
      const o = t * n + j;
      v0 = v0 + terms[o]!; v1 = v1 + terms[o + 1]!; v2 = v2 + terms[o + 2]!; v3 = v3 + terms[o + 3]!;
      v4 = v4 + terms[o + 4]!; v5 = v5 + terms[o + 5]!; v6 = v6 + terms[o + 6]!; v7 = v7 + terms[o + 7]!;
    }
    row[j] = v0; row[j + 1] = v1; row[j + 2] = v2; row[j + 3] = v3;
    row[j + 4] = v4; row[j + 5] = v5; row[j + 6] = v6; row[j + 7] = v7;
  }
  for (; j < n; j++) {
    let v = row[j]!;
    for (let t = from; t < to; t++) v = v + terms[t * n + j]!;
    row[j] = v;
  }
}

/** The first row of b and the number of rows that term t of matmulRowTerms covers. */
export function matmulTermRows(t: number, k: number): { p: number; rows: number } {
  const k4 = k - (k % 4);
  return 4 * t < k4 ? { p: 4 * t, rows: 4 } : { p: k4 + (t - k4 / 4), rows: 1 };
}

/** Term t of a row (see matmulRowTerms) for column j alone: the same products, added in the same order. */
export function matmulTermAt(a: Float64Array, ao: number, b: Float64Array, k: number, n: number, t: number, j: number): number {
  const { p, rows } = matmulTermRows(t, k);
  if (rows === 1) return a[ao + p]! * b[p * n + j]!;
  const c = p * n + j;
  return a[ao + p]! * b[c]! + a[ao + p + 1]! * b[c + n]! + a[ao + p + 2]! * b[c + 2 * n]! + a[ao + p + 3]! * b[c + 3 * n]!;
}

/** Term t of a row (see matmulRowTerms) for every column, into `out` at `oo`. */
export function matmulTerm(a: Float64Array, ao: number, b: Float64Array, k: number, n: number, t: number, out: Float64Array, oo: number): void {
  const { p, rows } = matmulTermRows(t, k);
  if (rows === 1) {
    const x = a[ao + p]!;
    const bp = p * n;
    for (let j = 0; j < n; j++) out[oo + j] = x * b[bp + j]!;
    return;
  }
  const x0 = a[ao + p]!, x1 = a[ao + p + 1]!, x2 = a[ao + p + 2]!, x3 = a[ao + p + 3]!;
  const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
  for (let j = 0; j < n; j++) out[oo + j] = x0 * b[b0 + j]! + x1 * b[b1 + j]! + x2 * b[b2 + j]! + x3 * b[b3 + j]!;
}

/**
 * `[…, m, k] @ […, k, n]`: the last two axes multiply, the leading (batch) axes broadcast as
 * NumPy's matmul does. Rank-2 operands take the direct path.
 */
export function matmul(a: TensorData, b: TensorData): TensorData {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = a.shape[ra - 2]!;
  const k = a.shape[ra - 1]!;
  const n = b.shape[rb - 1]!;
  if (ra === 2 && rb === 2) {
    const out = new Float64Array(m * n);
    matmulInto(a.data, 0, b.data, 0, out, 0, m, k, n);
    return make([m, n], out);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShape(batchA, batchB);
  const sa = broadcastStrides(batchA, batch);
  const sb = broadcastStrides(batchB, batch);
  const count = size(batch);
  const out = new Float64Array(count * m * n);
  const idx = new Array<number>(batch.length).fill(0);
  for (let t = 0; t < count; t++) {
    let ia = 0;
    let ib = 0;
    for (let axis = 0; axis < batch.length; axis++) {
      ia += idx[axis]! * sa[axis]!;
      ib += idx[axis]! * sb[axis]!;
    }
    matmulInto(a.data, ia * m * k, b.data, ib * k * n, out, t * m * n, m, k, n);
    for (let axis = batch.length - 1; axis >= 0; axis--) {
      if (++idx[axis]! < batch[axis]!) break;
      idx[axis] = 0;
    }
  }
  return make([...batch, m, n], out);
}

export function transpose(a: TensorData): TensorData {
  const [m, n] = a.shape as [number, number];
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a.data[i * n + j]!;
  return make([n, m], out);
}

/** Row-major strides of a concrete shape. */
function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

/** Axis i of the result is axis `axes[i]` of `a` (axes already normalised to 0…rank−1). */
export function permute(a: TensorData, axes: readonly number[]): TensorData {
  const inStrides = stridesOf(a.shape);
  const shape = axes.map((ax) => a.shape[ax]!);
  const from = axes.map((ax) => inStrides[ax]!);
  const out = new Float64Array(a.data.length);
  const idx = new Array<number>(shape.length).fill(0);
  let src = 0;
  for (let k = 0; k < out.length; k++) {
    out[k] = a.data[src]!;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      idx[axis]!++;
      src += from[axis]!;
      if (idx[axis]! < shape[axis]!) break;
      src -= from[axis]! * shape[axis]!;
      idx[axis] = 0;
    }
  }
  return make(shape, out);
}

/** The sizes before, along and after `axis`: a tensor seen as [outer, len, inner]. */
function around(shape: readonly number[], axis: number): { outer: number; len: number; inner: number } {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, len: shape[axis]!, inner };
}

/** Joins tensors along `axis` (normalised); every other axis is equal. */
export function concatAxis(inputs: readonly TensorData[], axis: number): TensorData {
  const shape = inputs[0]!.shape.slice();
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const { outer, len, inner } = around(shape, axis);
  const out = new Float64Array(outer * len * inner);
  let offset = 0;
  for (const t of inputs) {
    const chunk = t.shape[axis]! * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * len * inner + offset);
    offset += chunk;
  }
  return make(shape, out);
}

/** Python-style bounds on an axis of `size`: negatives count from the end, end defaults to size. */
export function sliceBounds(size: number, start: number, end: number | undefined): [number, number] {
  const s = start < 0 ? start + size : start;
  const e = end === undefined ? size : end < 0 ? end + size : end;
  return [s, e];
}

/** Elements [start, end) along `axis` (normalised, bounds already valid). */
export function sliceAxis(a: TensorData, axis: number, start: number, end: number): TensorData {
  const { outer, len, inner } = around(a.shape, axis);
  const shape = a.shape.slice();
  shape[axis] = end - start;
  const chunk = (end - start) * inner;
  const out = new Float64Array(outer * chunk);
  for (let o = 0; o < outer; o++) {
    const from = (o * len + start) * inner;
    out.set(a.data.subarray(from, from + chunk), o * chunk);
  }
  return make(shape, out);
}

/** The adjoint of sliceAxis: `g` placed at [start, end) along `axis` of zeros shaped `shape`. */
export function unsliceAxis(g: TensorData, shape: readonly number[], axis: number, start: number, end: number): TensorData {
  const { outer, len, inner } = around(shape, axis);
  const chunk = (end - start) * inner;
  const out = new Float64Array(outer * len * inner);
  for (let o = 0; o < outer; o++) out.set(g.data.subarray(o * chunk, (o + 1) * chunk), (o * len + start) * inner);
  return make(shape, out);
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

/** Apply `f` to each lane along `axis` (normalised), writing a lane of the same length. */
export function mapAxis(a: TensorData, axis: number, f: (lane: Float64Array, out: Float64Array) => void): TensorData {
  if (axis === a.shape.length - 1) return mapLastAxis(a, f);
  const { outer, len, inner } = around(a.shape, axis);
  const out = new Float64Array(a.data.length);
  const lane = new Float64Array(len);
  const res = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      for (let l = 0; l < len; l++) lane[l] = a.data[base + l * inner]!;
      f(lane, res);
      for (let l = 0; l < len; l++) out[base + l * inner] = res[l]!;
    }
  }
  return make(a.shape, out);
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
