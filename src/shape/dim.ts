// Dim expressions: a symbolic dim is an integer polynomial over dim names ("H+K", "2*H", "B*T"),
// kept as a string in one canonical normal form, and a constant polynomial is a number. So dim
// equality stays `===` everywhere, and this module does the arithmetic shape rules need.
//
// Normal form: terms by falling degree, then by their names in code-unit order; names inside a
// term sorted the same way and joined by `*` (H² is `H*H`); a coefficient other than ±1 comes
// first (`2*H`); the constant term last; no spaces: "B*T+2*H-1", "-H+K". A string that is not
// such an expression (`"n heads"`, `"D'"`) is an opaque name: equal only to itself, and any
// arithmetic with it is unknown (null), which never produces an error.

import type { Dim } from "./shape";

/** A monomial as its sorted names joined by `*`; "" is the constant term. */
type Poly = Map<string, number>;

const NAME = /[\p{L}_$][\p{L}\p{N}_$]*/uy;
const INT = /[0-9]+/y;
const SPACE = /\s*/y;

/** Parses `text` as an expression over names and integer literals; undefined when it is not one. */
function parse(text: string): Poly | undefined {
  let i = 0;
  const skip = () => {
    SPACE.lastIndex = i;
    SPACE.exec(text);
    i = SPACE.lastIndex;
  };
  const peek = () => (skip(), text[i]);
  // expr := term (("+" | "-") term)*; term := factor ("*" factor)*; factor := "-" factor | INT | NAME | "(" expr ")"
  const expr = (): Poly | undefined => {
    let acc = term();
    for (let c = peek(); acc && (c === "+" || c === "-"); c = peek()) {
      i++;
      const t = term();
      acc = t && (c === "+" ? addPoly(acc, t) : addPoly(acc, scalePoly(t, -1)));
    }
    return acc;
  };
  const term = (): Poly | undefined => {
    let acc = factor();
    while (acc && peek() === "*") {
      i++;
      const f = factor();
      acc = f && mulPoly(acc, f);
    }
    return acc;
  };
  const factor = (): Poly | undefined => {
    const c = peek();
    if (c === "-") {
      i++;
      const f = factor();
      return f && scalePoly(f, -1);
    }
    if (c === "(") {
      i++;
      const e = expr();
      if (!e || peek() !== ")") return undefined;
      i++;
      return e;
    }
    INT.lastIndex = i;
    const n = INT.exec(text);
    if (n) {
      i = INT.lastIndex;
      return constPoly(Number(n[0]));
    }
    NAME.lastIndex = i;
    const name = NAME.exec(text);
    if (name) {
      i = NAME.lastIndex;
      return new Map([[name[0], 1]]);
    }
    return undefined;
  };
  const p = expr();
  return p && peek() === undefined && Number.isSafeInteger(constantOf(p) ?? 0) ? p : undefined;
}

function constPoly(n: number): Poly {
  return n === 0 ? new Map() : new Map([["", n]]);
}

function constantOf(p: Poly): number | undefined {
  if (p.size === 0) return 0;
  return p.size === 1 && p.has("") ? p.get("")! : undefined;
}

function addPoly(a: Poly, b: Poly): Poly {
  const out = new Map(a);
  for (const [m, c] of b) {
    const s = (out.get(m) ?? 0) + c;
    if (s === 0) out.delete(m);
    else out.set(m, s);
  }
  return out;
}

function scalePoly(a: Poly, k: number): Poly {
  const out: Poly = new Map();
  if (k !== 0) for (const [m, c] of a) out.set(m, c * k);
  return out;
}

function names(m: string): string[] {
  return m === "" ? [] : m.split("*");
}

function mulMono(a: string, b: string): string {
  if (a === "") return b;
  if (b === "") return a;
  return [...names(a), ...names(b)].sort(compareNames).join("*");
}

function mulPoly(a: Poly, b: Poly): Poly {
  let out: Poly = new Map();
  for (const [ma, ca] of a) for (const [mb, cb] of b) out = addPoly(out, new Map([[mulMono(ma, mb), ca * cb]]));
  return out;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareMonos(a: string, b: string): number {
  const da = names(a).length;
  const db = names(b).length;
  if (da !== db) return db - da;
  return compareNames(a, b);
}

function format(p: Poly): Dim {
  const k = constantOf(p);
  if (k !== undefined) return k;
  let out = "";
  for (const m of [...p.keys()].sort(compareMonos)) {
    const c = p.get(m)!;
    const abs = Math.abs(c);
    const body = m === "" ? String(abs) : abs === 1 ? m : `${abs}*${m}`;
    out += c < 0 ? `-${body}` : out === "" ? body : `+${body}`;
  }
  return out;
}

// Normalising runs at every boundary where dims enter (annotations, constructors, attributes), so
// it is cached; the cache is dropped when full rather than grown without bound.
const cache = new Map<string, Dim>();
const polys = new Map<string, Poly | null>();
const CACHE_LIMIT = 20_000;

function polyOfString(s: string): Poly | undefined {
  let p = polys.get(s);
  if (p === undefined) {
    if (polys.size > CACHE_LIMIT) polys.clear();
    p = parse(s) ?? null;
    polys.set(s, p);
  }
  return p ?? undefined;
}

function polyOf(d: number | string): Poly | undefined {
  return typeof d === "number" ? (Number.isSafeInteger(d) ? constPoly(d) : undefined) : polyOfString(d);
}

/**
 * The canonical form of a dim: a number stays a number, an expression string becomes its normal
 * form (a number when constant), an opaque name stays as written, null stays unknown.
 */
export function normalizeDim(d: Dim): Dim {
  if (d === null || typeof d === "number") return d;
  let n = cache.get(d);
  if (n === undefined) {
    if (cache.size > CACHE_LIMIT) cache.clear();
    const p = polyOfString(d);
    n = p ? format(p) : d;
    cache.set(d, n);
  }
  return n;
}

export function normalizeShape<S extends readonly Dim[]>(s: S): Dim[] {
  return s.map(normalizeDim);
}

function combine(a: Dim, b: Dim, f: (x: Poly, y: Poly) => Poly | undefined): Dim {
  if (a === null || b === null) return null;
  const pa = polyOf(a);
  const pb = polyOf(b);
  const r = pa && pb ? f(pa, pb) : undefined;
  return r ? format(r) : null;
}

/** a + b as dims: `add("H", "K")` is "H+K"; unknown when either is unknown or opaque. */
export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a + b;
  return combine(a, b, addPoly);
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (a !== null && a === b) return 0;
  return combine(a, b, (x, y) => addPoly(x, scalePoly(y, -1)));
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return a * b;
  // 0 times anything, even an unknown, is 0.
  if (a === 0 || b === 0) return 0;
  return combine(a, b, mulPoly);
}

/** The number of elements of a shape, as a dim ("B*T*D"); unknown when the shape or a dim is. */
export function shapeProduct(s: readonly Dim[] | null): Dim {
  if (s === null) return null;
  let n: Dim = 1;
  for (const d of s) n = dimMul(n, d);
  return n;
}

/**
 * a / b when the division is exact with b a single term (`"B*T*D" / "D"` is "B*T", `"2*H" / 2`
 * is "H"); unknown otherwise, including a division by zero.
 */
export function dimDivExact(a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") return b !== 0 && a % b === 0 ? a / b : null;
  if (a === null || b === null) return null;
  const pa = polyOf(a);
  const pb = polyOf(b);
  if (!pa || !pb || pb.size !== 1) return null;
  const [[mb, cb]] = [...pb] as [[string, number]];
  const out: Poly = new Map();
  for (const [ma, ca] of pa) {
    const rest = names(ma);
    for (const n of names(mb)) {
      const at = rest.indexOf(n);
      if (at < 0) return null;
      rest.splice(at, 1);
    }
    if (ca % cb !== 0) return null;
    out.set(rest.join("*"), ca / cb);
  }
  return format(out);
}

/** The dim names a dim mentions, in first-appearance order of its normal form (`"B*T+H"` → B, T, H). */
export function dimNames(d: Dim): string[] {
  if (d === null || typeof d === "number") return [];
  const p = polyOf(d);
  if (!p) return [d];
  const out: string[] = [];
  for (const m of [...p.keys()].sort(compareMonos)) for (const n of names(m)) if (!out.includes(n)) out.push(n);
  return out;
}

/** Whether a dim is an expression rather than a number or a single name. */
export function isDimExpression(d: Dim): boolean {
  if (typeof d !== "string") return false;
  const p = polyOf(d);
  return p !== undefined && !(p.size === 1 && p.get(d) === 1);
}

/**
 * What can be said of a dim's sign when every name stands for a size ≥ 1: "negative" only when it
 * is negative for all such sizes (every non-constant term ≤ 0 and its value at all-ones < 0), and
 * likewise "nonnegative"; else "unknown". Used to reject slices that cannot fit.
 */
export function dimSign(d: Dim): "negative" | "nonnegative" | "unknown" {
  if (d === null) return "unknown";
  if (typeof d === "number") return d < 0 ? "negative" : "nonnegative";
  const p = polyOf(d);
  if (!p) return "unknown";
  let atOnes = 0;
  let allNonPositive = true;
  let allNonNegative = true;
  for (const [m, c] of p) {
    atOnes += c;
    if (m === "") continue;
    if (c > 0) allNonPositive = false;
    if (c < 0) allNonNegative = false;
  }
  if (allNonPositive && atOnes < 0) return "negative";
  if (allNonNegative && atOnes >= 0) return "nonnegative";
  return "unknown";
}

/**
 * The size of a dim under a binding of names to sizes. Throws an error naming the first unbound
 * name, or when the dim is an opaque name the binding lacks.
 */
export function evaluateDim(d: number | string, lookup: (name: string) => number | undefined): number {
  if (typeof d === "number") return d;
  const direct = lookup(d);
  if (direct !== undefined) return direct;
  const p = polyOf(d);
  if (!p) throw new UnboundDimError(d, d);
  let total = 0;
  for (const [m, c] of p) {
    let v = c;
    for (const n of names(m)) {
      const x = lookup(n);
      if (x === undefined) throw new UnboundDimError(n, d);
      v *= x;
    }
    total += v;
  }
  return total;
}

/** A dim name with no size in the binding; `expression` is the dim it was met in. */
export class UnboundDimError extends Error {
  constructor(readonly dimName: string, readonly expression: string) {
    super(
      `unbound dim "${dimName}"${expression === dimName ? "" : ` in "${expression}"`}: bind it with bindDims({ ${dimName}: … }) or @dims ${dimName}=…`,
    );
    this.name = "UnboundDimError";
  }
}

/**
 * An element count or product as messages write it: the dims joined by `·` in the order given,
 * expressions in parentheses when they are sums (`B·T·D`, `(H+K)·2`); a number when constant.
 */
export function formatProduct(s: readonly Dim[]): string {
  const total = shapeProduct(s);
  if (typeof total === "number") return String(total);
  const parts = s.filter((d) => d !== 1).map((d) => {
    if (d === null) return "?";
    const text = String(d);
    return /[+-]/.test(text.slice(1)) ? `(${text})` : text.replace(/\*/g, "·");
  });
  return parts.length ? parts.join("·") : "1";
}
