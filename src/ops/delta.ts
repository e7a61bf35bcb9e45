// Delta rules: an op's output recomputed where its inputs changed, for finite differences, where
// each probe moves one element of one input (src/runtime/replay.ts). A rule must give exactly
// what the op's forward kernel gives on the new inputs, bit for bit: it reuses the earlier output
// where nothing it depends on changed and calls the op's own kernel on the rest. The one
// exception is a matmul row, refolded term by term (kernels.ts matmulRowTerms, beside the kernel
// whose order it restates); test/unit/delta.test.ts holds every rule to its kernel's bits. A rule
// returns null when it cannot do better than the full forward.

import { broadcastStrides, copyShape, foldTerms, matmul, matmulRowTerms, matmulTerm, matmulTermAt, transpose } from "./kernels";
import type { DeltaBase, OpAttrs, TensorData } from "./types";

type Forward = (inputs: readonly TensorData[], attrs: OpAttrs) => TensorData;

/** Above this share of the output touched, the full kernel is as cheap. */
const DENSE = 0.5;

/** The element of an operand (with `strides` from broadcastStrides) that output element `o` reads. */
function sourceIndex(o: number, out: readonly number[], strides: readonly number[]): number {
  let src = 0;
  for (let axis = out.length - 1; axis >= 0; axis--) {
    const d = out[axis]!;
    src += (o % d) * strides[axis]!;
    o = Math.floor(o / d);
  }
  return src;
}

/** Adds the indices of `c` not yet in `into[0…n)` to it; the new count, or -1 past `limit`. */
function union(into: number[], n: number, c: Int32Array, limit: number): number {
  for (let t = 0; t < c.length; t++) {
    const o = c[t]!;
    let seen = false;
    // A probe moves one element, so the lists are a few long: a scan beats a Set.
    for (let u = 0; u < n; u++) if (into[u] === o) { seen = true; break; }
    if (seen) continue;
    if (n >= limit) return -1;
    into[n++] = o;
  }
  return n;
}

/**
 * For element-wise ops (each output element a function of the operands' elements it reads): the
 * touched output elements are gathered into one-dimensional operands and run through the op's own
 * forward, so each is computed by the very same scalar function as in a full pass. Plain loops
 * throughout: this runs in the checker's locked realm on every probe (kernels.ts copyShape).
 */
export function pointwiseDelta(forward: Forward) {
  return (inputs: readonly TensorData[], attrs: OpAttrs, changed: ReadonlyArray<Int32Array | null>, before: DeltaBase): TensorData | null => {
    const out = before.output.data;
    const shape = before.output.shape;
    const touched: number[] = [];
    let m = 0;
    for (let j = 0; j < inputs.length; j++) {
      const c = changed[j];
      if (c === null) return null;
      if (c === undefined || c.length === 0) continue;
      // An operand broadcast along an axis feeds many outputs per element: not worth it.
      if (inputs[j]!.data.length !== out.length) return null;
      m = union(touched, m, c, Math.floor(DENSE * out.length));
      if (m < 0) return null;
    }
    const gathered = new Array<TensorData>(inputs.length);
    for (let j = 0; j < inputs.length; j++) {
      const x = inputs[j]!;
      const g = new Float64Array(m);
      if (x.data.length === out.length) for (let t = 0; t < m; t++) g[t] = x.data[touched[t]!]!;
      else if (x.data.length === 1) g.fill(x.data[0]!);
      else {
        const s = broadcastStrides(x.shape, shape);
        for (let t = 0; t < m; t++) g[t] = x.data[sourceIndex(touched[t]!, shape, s)]!;
      }
      gathered[j] = { shape: [m], data: g };
    }
    const r = forward(gathered, attrs).data;
    const data = new Float64Array(out.length);
    data.set(out);
    for (let t = 0; t < m; t++) data[touched[t]!] = r[t]!;
    return { shape: copyShape(shape), data };
  };
}

/** The distinct values of `f(i)` over the indices, or null past `limit` of them. */
function distinct(c: Int32Array, f: (i: number) => number, limit: number): number[] | null {
  const values: number[] = [];
  const mapped = new Int32Array(c.length);
  for (let t = 0; t < c.length; t++) mapped[t] = f(c[t]!);
  return union(values, 0, mapped, Math.floor(limit)) < 0 ? null : values;
}

/** The term of matmulRowTerms that row p of b (element p of a's row) belongs to. */
function termOf(p: number, k: number): number {
  const k4 = k - (k % 4);
  return p < k4 ? Math.floor(p / 4) : k4 / 4 + (p - k4);
}

/** Above this many stored terms (per row of a, times n), a row's fold is not kept. */
const MAX_TERMS = 1 << 20;

type RowTerms = ReturnType<typeof matmulRowTerms>;

/**
 * [m,k] @ [k,n] with one operand changed: an element b[p,j] feeds only column j of the output,
 * a[i,p] only row i. Each output element is the kernel's sum, a left fold over terms of four
 * products (kernels.ts matmulRowTerms); a moved element changes one term, so the element is
 * refolded from the fold before that term, with the stored terms after it: the same additions in
 * the same order, the full product's bits. The seed's weight probe costs about k/8 additions
 * instead of m·k·n multiply-adds. The folds of a row of the earlier a are computed on its first
 * probe and kept in `memo`; where they would be too large, a moved b[p,j] recomputes column j
 * with the kernel itself, from a transposed copy of the earlier b (reading a column of b strides
 * through all of it, a cache miss per element: measured 6.5 µs a probe on the seed's W1, against
 * about 1 µs).
 */
export function matmulDelta(inputs: readonly TensorData[], _attrs: OpAttrs, changed: ReadonlyArray<Int32Array | null>, before: DeltaBase, memo: Record<string, unknown>): TensorData | null {
  const [a, b] = inputs as [TensorData, TensorData];
  const [ca, cb] = changed;
  if (a.shape.length !== 2 || b.shape.length !== 2 || ca === null || cb === null || ca === undefined || cb === undefined) return null;
  if (ca.length > 0 && cb.length > 0) return null;
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const data = new Float64Array(before.output.data.length);
  data.set(before.output.data);
  const count = termOf(k - 1, k) + 1;
  const folds = count * n <= MAX_TERMS;
  const rowTerms = (i: number): RowTerms => (memo[`row${i}`] ??= matmulRowTerms(before.inputs[0]!.data, i * k, before.inputs[1]!.data, k, n)) as RowTerms;
  if (cb.length > 0) {
    const cols = distinct(cb, (i) => i % n, DENSE * n);
    if (!cols) return null;
    for (let t = 0; t < cols.length; t++) {
      const j = cols[t]!;
      const moved: number[] = [];
      for (let u = 0; u < cb.length; u++) {
        if (cb[u]! % n !== j) continue;
        const q = termOf(Math.floor(cb[u]! / n), k);
        if (!moved.includes(q)) moved.push(q);
      }
      moved.sort((x, y) => x - y);
      if (folds && m * count * n <= MAX_TERMS) {
        for (let i = 0; i < m; i++) {
          const base = rowTerms(i);
          let v = base.prefix[moved[0]! * n + j]!;
          let next = 0;
          for (let q = moved[0]!; q < count; q++) {
            if (next < moved.length && moved[next] === q) {
              v = v + matmulTermAt(a.data, i * k, b.data, k, n, q, j);
              next++;
            } else v = v + base.terms[q * n + j]!;
          }
          data[i * n + j] = v;
        }
        continue;
      }
      const bT = (memo.bT ??= transpose(before.inputs[1]!).data) as Float64Array;
      const col = (memo.col ??= new Float64Array(k)) as Float64Array;
      col.set(bT.subarray(j * k, (j + 1) * k));
      for (let u = 0; u < cb.length; u++) if (cb[u]! % n === j) col[Math.floor(cb[u]! / n)] = b.data[cb[u]!]!;
      const r = matmul(a, { shape: [k, 1], data: col }).data;
      for (let i = 0; i < m; i++) data[i * n + j] = r[i]!;
    }
    return { shape: [m, n], data };
  }
  const rows = distinct(ca, (i) => Math.floor(i / k), m);
  if (!rows || !folds) return null;
  const row = new Float64Array(n);
  const term = new Float64Array(n);
  for (let t = 0; t < rows.length; t++) {
    const i = rows[t]!;
    const base = rowTerms(i);
    const moved: number[] = [];
    for (let u = 0; u < ca.length; u++) {
      const p = ca[u]! - i * k;
      if (p < 0 || p >= k) continue;
      const q = termOf(p, k);
      if (!moved.includes(q)) moved.push(q);
    }
    moved.sort((x, y) => x - y);
    const first = moved[0]!;
    const prefix = base.prefix;
    for (let j = 0; j < n; j++) row[j] = prefix[first * n + j]!;
    for (let u = 0; u < moved.length; u++) {
      const q = moved[u]!;
      matmulTerm(a.data, i * k, b.data, k, n, q, term, 0);
      for (let j = 0; j < n; j++) row[j] = row[j]! + term[j]!;
      // The stored terms up to the next moved one (or the end), in the same order.
      foldTerms(row, base.terms, n, q + 1, u + 1 < moved.length ? moved[u + 1]! : count);
    }
    data.set(row, i * n);
  }
  return { shape: [m, n], data };
}
