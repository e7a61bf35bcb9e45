// Ways to make a tensor: from literals, filled, random, identity. Symbolic dims resolve through
// the current dim binding (dims.ts).

import { resolveDim, resolveShape } from "./dims";
import { normal } from "./random";
import { NestedArray, Shape, Tensor } from "./tensor";

/** `tensor([[1, 2, 3], [4, 5, 6]])` → `[2, 3]`; `tensor(3)` → `[]`. Ragged arrays are refused. */
export function tensor(value: NestedArray): Tensor {
  if (typeof value === "number") return new Tensor([], new Float64Array([value]));
  const shape: number[] = [];
  // The shape is read off the first element at each depth; every other element must match it.
  for (let v: NestedArray = value; Array.isArray(v); v = v[0]!) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const data: number[] = [];
  const walk = (v: NestedArray, depth: number, path: number[]): void => {
    const where = path.length ? ` at [${path.join("][")}]` : "";
    if (depth === shape.length) {
      if (typeof v !== "number") {
        throw new Error(`tensor: ragged nested array${where}: expected a number, got ${Array.isArray(v) ? "an array" : typeof v}`);
      }
      data.push(v);
      return;
    }
    if (!Array.isArray(v)) {
      throw new Error(`tensor: ragged nested array${where}: expected an array of length ${shape[depth]}, got ${typeof v}`);
    }
    if (v.length !== shape[depth]) {
      throw new Error(`tensor: ragged nested array${where}: expected length ${shape[depth]}, got ${v.length}`);
    }
    v.forEach((x, i) => walk(x, depth + 1, [...path, i]));
  };
  walk(value, 0, []);
  return new Tensor(shape, Float64Array.from(data));
}

function filled<S extends Shape>(shape: S, f: () => number): Tensor<S> {
  const concrete = resolveShape(shape);
  let n = 1;
  for (const d of concrete) n *= d;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = f();
  return new Tensor<S>(concrete, data);
}

/** All zeros, e.g. `zeros([1, "D"])`. */
export function zeros<const S extends Shape>(shape: S): Tensor<S> {
  return filled(shape, () => 0);
}

/** All ones. */
export function ones<const S extends Shape>(shape: S): Tensor<S> {
  return filled(shape, () => 1);
}

/** Standard normal entries from the seedable generator (`seed(n)`). */
export function randn<const S extends Shape>(shape: S): Tensor<S> {
  return filled(shape, normal);
}

/** The `[n, n]` identity; `n` may be a dim name. */
export function eye<const N extends number | string>(n: N): Tensor<[N, N]> {
  const k = resolveDim(n);
  const data = new Float64Array(k * k);
  for (let i = 0; i < k; i++) data[i * k + i] = 1;
  return new Tensor<[N, N]>([k, k], data);
}
