// Shapes as the analyzer and the runtime both see them. A dim is a number, a symbolic dim (a name
// or an expression over names, always in dim.ts's normal form, so `===` is polynomial equality),
// or unknown (null, only statically); a shape of unknown rank is null. Rules over these are total:
// unknown never produces an error by itself.

export type Dim = number | string | null;
export type Shape = readonly Dim[];
/** A shape that may be entirely unknown (rank included). */
export type MaybeShape = Shape | null;

export function formatDim(d: Dim): string {
  return d === null ? "?" : String(d);
}

/** `[1,H]`: the notation every message and hover uses. */
export function formatShape(s: MaybeShape): string {
  if (s === null) return "[?]";
  // One string built in place (no array of dim strings to join): every op's label formats its operands.
  let out = "[";
  for (let i = 0; i < s.length; i++) {
    if (i > 0) out += ",";
    const d = s[i]!;
    if (d === undefined && !(i in s)) continue; // a hole, as join renders it
    out += formatDim(d);
  }
  return out + "]";
}

/** Two dims are statically equal iff both are known and identical (symbolic never equals a number). */
function dimEquals(a: Dim, b: Dim): boolean {
  return a !== null && b !== null && a === b;
}

/** Could the dims be equal? Unknown is compatible with anything. */
export function dimCompatible(a: Dim, b: Dim): boolean {
  return a === null || b === null || a === b;
}

export function shapeEquals(a: MaybeShape, b: MaybeShape): boolean {
  return a !== null && b !== null && a.length === b.length && a.every((d, i) => dimEquals(d, b[i]!));
}

/** Could the shapes be equal, given what is unknown? */
export function shapeCompatible(a: MaybeShape, b: MaybeShape): boolean {
  return a === null || b === null || (a.length === b.length && a.every((d, i) => dimCompatible(d, b[i]!)));
}

export function isFullyKnown(s: MaybeShape): s is readonly (number | string)[] {
  return s !== null && s.every((d) => d !== null);
}

/** Number of elements of a concrete shape. */
export function numel(s: readonly number[]): number {
  let n = 1;
  for (const d of s) n *= d;
  return n;
}

/** The index of element `flat` of a row-major array laid out in `shape` (`[]` for a scalar). */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    idx[ax] = flat % shape[ax]!;
    flat = Math.floor(flat / shape[ax]!);
  }
  return idx;
}

/** The row-major position of `index` in `shape`: unravel's inverse. */
export function ravel(index: readonly number[], shape: readonly number[]): number {
  return index.reduce((acc, i, ax) => acc * shape[ax]! + i, 0);
}
