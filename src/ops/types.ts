// The shape of one op catalog entry. Everything chainrule knows about an op lives in its entry:
// the analyzer reads `shape`, the runtime `forward`, the gradient checker and the symbolic
// derivation writer `vjp`, the hovers `doc` and `jacobian`.

import type { Shape } from "../shape/shape";
import type { ShapeResult } from "../shape/problems";

/** How the op's Jacobian looks, per operand: what the seed's question turns on. */
export type JacobianStructure = "diagonal" | "linear" | "full";

/**
 * unary: f(a); binary: f(a, b) with numbers allowed as operands; reduce: f(a, axis?);
 * internal: used only inside VJPs (not exported to users), second operand gives a target shape.
 */
export type OpKind = "unary" | "binary" | "reduce" | "internal";

export interface OpAttrs {
  /** Reduction axis (negative counts from the end), for `sum` / `mean`. */
  axis?: number;
}

/** Concrete float64 data, row-major: what forward kernels read and write. */
export interface TensorData {
  readonly shape: readonly number[];
  readonly data: Float64Array;
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
  /** Number of tensor operands. */
  readonly arity: number;
  /** Operator in the math template and in messages (`@`, `⊙`, `+`), if any. */
  readonly symbol?: string;
  /** One line of math, shown on hover. */
  readonly doc: string;
  readonly jacobian: JacobianStructure;
  /** The seed's answer for this op, one line: how a row gradient passes through it. */
  readonly jacobianDoc: string;
  /** Result shape, or the problem that makes the operands not fit. Total over unknown shapes. */
  shape(shapes: ReadonlyArray<Shape | null>, attrs: OpAttrs): ShapeResult;
  /** float64 kernel; operand shapes have already passed `shape`. */
  forward(inputs: readonly TensorData[], attrs: OpAttrs): TensorData;
  /**
   * Vector-Jacobian product: given the upstream gradient g (shape of the output), the operands and
   * the output, the gradient for each operand (same shape as it), written in catalog ops only.
   */
  vjp<T>(ops: Ops<T>, g: T, args: readonly T[], out: T, attrs: OpAttrs): T[];
}
