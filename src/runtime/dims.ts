// Resolves symbolic dims ("D", "H", and expressions such as "H+K" or "B*T") in constructors and
// op attributes to concrete sizes. Two layers: the global binding users set with `bindDims`, and a
// scoped binding the gradient checker installs for the duration of one check (`withDims`), which
// takes precedence.

import { evaluateDim } from "../shape/dim";

/** Sizes by dim name. */
export type DimBinding = Readonly<Record<string, number>>;

let globalBinding: Record<string, number> = {};
// A stack, so that a check run from inside another scoped binding restores the outer one.
const scoped: DimBinding[] = [];

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`dim "${name}" must be bound to a non-negative integer, got ${n}`);
  }
}

/**
 * Binds symbolic dims globally, e.g. `bindDims({ D: 784, H: 128 })`. Merges with earlier calls
 * (later sizes win), so separate modules can each bind the dims they introduce.
 */
export function bindDims(binding: DimBinding): void {
  for (const [name, n] of Object.entries(binding)) checkSize(name, n);
  globalBinding = { ...globalBinding, ...binding };
}

/** Forgets every global binding (for tests and long-running hosts). */
export function clearDims(): void {
  globalBinding = {};
}

/**
 * Runs `fn` with `binding` in force over the global one; restores the previous state afterwards,
 * even on throw. Synchronous only: a promise returned by `fn` would resolve after the restore.
 */
export function withDims<T>(binding: DimBinding, fn: () => T): T {
  for (const [name, n] of Object.entries(binding)) checkSize(name, n);
  scoped.push(binding);
  try {
    return fn();
  } finally {
    scoped.pop();
  }
}

function lookup(name: string): number | undefined {
  for (let i = scoped.length - 1; i >= 0; i--) {
    const n = scoped[i]![name];
    if (n !== undefined) return n;
  }
  return globalBinding[name];
}

/**
 * The concrete size of a dim: numbers pass through (validated), names are looked up, expressions
 * evaluated over the binding. An unbound name throws an error naming it, as does an expression
 * whose value is not a size (`"H-K"` with H < K).
 */
export function resolveDim(d: number | string): number {
  if (typeof d === "number") {
    checkSize(String(d), d);
    return d;
  }
  if (typeof d !== "string") throw new TypeError(`a dim is a number or a dim name, got ${d === null ? "null" : typeof d}`);
  const n = evaluateDim(d, lookup);
  if (n < 0) throw new Error(`dim "${d}" is ${n} under the current binding, not a size`);
  return n;
}

export function resolveShape(shape: readonly (number | string)[]): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`a shape is an array of dims, got ${String(shape)}`);
  return shape.map(resolveDim);
}
