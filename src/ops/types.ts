// The shape of one op catalog entry. Everything chainrule knows about an op lives in its entry:
// how it is called (`surface`: the runtime's methods and functions, the analyzer's argument split,
// the typings, the template's function table and the grammar are derived from it), its shape rule
// (the analyzer), its kernel (the runtime), its VJP (the gradient checker and the symbolic
// derivations), its docs (hovers, docs/ops.md) and how the self-test draws its inputs.

import type { Shape } from "../shape/shape";
import type { ShapeResult } from "../shape/problems";
import type { Draw, SelfTestCase } from "./selftest";

/** How the op's Jacobian looks, per operand: what the seed's question turns on. */
export type JacobianStructure = "diagonal" | "linear" | "full";

/**
 * The op's family, which is also the catalog file it lives in; docs/ops.md groups by it.
 * `internal` ops exist only inside VJPs: users cannot call them and the runtime does not export them.
 */
export type OpKind = "elementwise" | "linalg" | "reduce" | "layout" | "internal";

/** A dim given as an attribute: a size (negative counts from the end where the op allows), or a dim expression. */
export type AttrDim = number | string;

/**
 * An op's attributes: the non-tensor arguments. Each name has one meaning and one type across the
 * catalog, which is what lets the runtime, the analyzer and the typings read them generically.
 */
export interface OpAttrs {
  /** An axis, negative counting from the end: `sum`, `softmax`, `concat`, `slice`. */
  axis?: number;
  /** A permutation of the axes: `transpose(a, axes)`. */
  axes?: readonly number[];
  /** A target shape (one entry may be -1, inferred): `reshape(a, shape)`. */
  shape?: readonly AttrDim[];
  /** Bounds along `axis`, end exclusive: `slice(a, axis, start, end)`. */
  start?: AttrDim;
  end?: AttrDim;
  /** A power: `pow(a, p)`, `a ^ p`. */
  exponent?: number;
}

export type AttrName = keyof OpAttrs;

/**
 * The attributes that hold one number, and those that hold a list, named once: what copies,
 * compares or checks attributes (the tape across the realm, the replay) goes through these.
 */
export const NUMBER_ATTRS = ["axis", "start", "end", "exponent"] as const;
export const LIST_ATTRS = ["axes", "shape"] as const;
type Listed = (typeof NUMBER_ATTRS)[number] | (typeof LIST_ATTRS)[number];
// An attribute in neither list (or a list naming no attribute) fails to compile here.
true satisfies (Exclude<AttrName, Listed> | Exclude<Listed, AttrName> extends never ? true : false);

function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Whether two calls' attributes are the same (every attribute, not just the axis): for explain's
 * expressions, and for the replay, which asks it of every op of every probe (so plain loops).
 */
export function sameAttrs(a: OpAttrs, b: OpAttrs): boolean {
  if (a === b) return true;
  for (const k of NUMBER_ATTRS) if (!Object.is(a[k], b[k])) return false;
  for (const k of LIST_ATTRS) if (!sameList(a[k], b[k])) return false;
  return true;
}

/** A string equal for two attribute sets when `sameAttrs` holds (and for -0 and 0, which no attribute tells apart): for interning op nodes. */
export function attrsKey(a: OpAttrs): string {
  let key = "";
  for (const k of NUMBER_ATTRS) if (a[k] !== undefined) key += `;${k}=${JSON.stringify(a[k])}`;
  for (const k of LIST_ATTRS) if (a[k] !== undefined) key += `;${k}=${JSON.stringify(a[k])}`;
  return key;
}

export interface AttrParam {
  readonly name: AttrName;
  /** May be left out; the op's rule then applies its default (e.g. the last axis). */
  readonly optional?: boolean;
}

/** How users call an op. Method form: the receiver is the first operand (the first of the list). */
export interface Surface {
  /** Names of the tensor operands in order (`["a", "b"]`), for typings and docs; one name for a list. */
  readonly operands: readonly string[];
  /** The operands come as one array argument, `concat([a, b], axis)`; `a.concat([b, c])` prepends a. */
  readonly list?: true;
  /** Attribute arguments after the operands, in call order. */
  readonly attrs: readonly AttrParam[];
  /**
   * A method name no other JS object is likely to have: `x.matmul(y)` is an op even when the
   * analyzer does not know x is a tensor, whereas `Math.max(a, b)` or `set.add(1)` are not.
   */
  readonly distinctive?: true;
}

/** Concrete float64 data, row-major: what forward kernels read and write. */
export interface TensorData {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** An earlier call of an op, for its delta rule: what it got and what it gave. */
export interface DeltaBase {
  readonly inputs: readonly TensorData[];
  readonly output: TensorData;
}

/**
 * Anything VJPs can be evaluated over: real tensors (the runtime, the AD checker) or symbolic
 * expressions (the derivation writer). `apply` must treat `name` as a catalog op.
 */
export interface Algebra<T> {
  apply(name: string, args: readonly T[], attrs: OpAttrs): T;
  constant(value: number): T;
  shapeOf(x: T): Shape | null;
}

/** Marks the trailing attributes argument of an Ops call, so it is not mistaken for an operand. */
export interface AttrsArg extends OpAttrs {
  readonly __attrs: true;
}

/** The ops of the catalog as functions over an algebra's values: what a VJP is written in. */
export type Ops<T> = {
  readonly [name: string]: (...args: Array<T | number | AttrsArg>) => T;
} & {
  /** Attributes for the call they end, e.g. `ops.sum(x, ops.attrs({ axis: -1 }))`. */
  attrs(a: OpAttrs): AttrsArg;
  shapeOf(x: T): Shape | null;
};

export interface OpDef {
  readonly name: string;
  readonly kind: OpKind;
  readonly surface: Surface;
  /** Operator in messages (`@`, `⊙`, `+`), if any. */
  readonly symbol?: string;
  /** One line of math, shown on hover and in docs/ops.md. */
  readonly doc: string;
  readonly jacobian: JacobianStructure;
  /** The seed's answer for this op, one line: how a row gradient passes through it. */
  readonly jacobianDoc: string;
  /** Result shape, or the problem that makes the operands not fit. Total over unknown shapes and missing attributes. */
  shape(shapes: ReadonlyArray<Shape | null>, attrs: OpAttrs): ShapeResult;
  /** float64 kernel; operand shapes have already passed `shape`, attribute dims are numbers. */
  forward(inputs: readonly TensorData[], attrs: OpAttrs): TensorData;
  /**
   * Vector-Jacobian product: given the upstream gradient g (shape of the output), the operands and
   * the output, the gradient for each operand (same shape as it), written in catalog ops only.
   */
  vjp<T>(ops: Ops<T>, g: T, args: readonly T[], out: T, attrs: OpAttrs): T[];
  /**
   * Cheap recomputation for finite differences (src/runtime/replay.ts): the output when the inputs
   * differ from an earlier call's (`before`) only at `changed[j]` (indices into input j's data;
   * empty: same; null: any). `memo` lives as long as `before`, for what the rule derives from it.
   * Must equal `forward` on `inputs` bit for bit (test/unit/delta.test.ts); null when it cannot do
   * better than `forward`.
   */
  delta?(inputs: readonly TensorData[], attrs: OpAttrs, changed: ReadonlyArray<Int32Array | null>, before: DeltaBase, memo: Record<string, unknown>): TensorData | null;
  /** Fitting inputs for the catalog's self-test (test/unit/catalog.test.ts), drawn from `d`. */
  selfTest(d: Draw): SelfTestCase;
}
