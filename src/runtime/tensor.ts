// The Tensor users hold: a concrete shape and row-major float64 data, with one method per user op
// of the catalog. Every op goes through the catalog's `applyOp`, so a shape error at run time is a
// ShapeError worded exactly as the analyzer's diagnostic.
//
// Type parameter: `S` is a phantom. It is never used in a member, so TypeScript treats every
// `Tensor<A>` as assignable to every `Tensor<B>`. That is deliberate: shapes are checked by
// chainrule's analyzer, which understands broadcasting, symbolic dims and inference through ops;
// tsc would check only the annotated cases, redundantly and with worse messages, and it would
// reject the DSL's own idioms (an op's result, typed `Tensor`, passed to an annotated parameter).
// So `Tensor<[1, "D"]>` documents the shape for the reader and the analyzer, and tsc stays quiet.
//
// Methods are installed from the catalog in a loop (below) and typed by `OpMethods`, which is
// derived from signatures.ts: see that file for why adding an op is one entry plus one line.

import { USER_OPS } from "../ops/catalog";
import { applyOp } from "../ops/numeric";
import type { Algebra, OpAttrs } from "../ops/types";
import type { OpFunctions, OpMethods, Operand } from "./signatures";
import { appendNode, tapeState } from "./tape";

/** A dimension in a type or a constructor: a size, or a symbolic name bound at run time. */
export type Dim = number | string;
/** A shape tuple, e.g. `[1, "D"]`; `[]` is a scalar. */
export type Shape = readonly Dim[];
/** What `toArray` returns and `tensor` accepts: a number, or nested arrays of them. */
export type NestedArray = number | NestedArray[];

export class Tensor<S extends Shape = Shape> {
  /** The concrete size of each axis. */
  readonly shape: number[];
  /** The elements, row-major. */
  readonly data: Float64Array;

  constructor(shape: readonly number[], data: Float64Array) {
    let n = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`invalid tensor shape [${shape.join(",")}]`);
      n *= d;
    }
    if (n !== data.length) {
      throw new Error(`shape [${shape.join(",")}] has ${n} elements but the data has ${data.length}`);
    }
    this.shape = shape.slice();
    this.data = data;
  }

  /** `a.T`: the transpose of a rank-2 tensor. */
  get T(): Tensor {
    return this.transpose();
  }

  /** The value of a one-element tensor (a scalar `[]`, or `[1,1]`, …). */
  item(): number {
    if (this.data.length !== 1) {
      throw new Error(`item() needs a tensor with one element, but [${this.shape.join(",")}] has ${this.data.length}`);
    }
    return this.data[0]!;
  }

  /** Nested arrays following the shape; a scalar gives a number. */
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return this.data[offset]!;
      let stride = 1;
      for (let i = axis + 1; i < this.shape.length; i++) stride *= this.shape[i]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[axis]!; i++) out.push(build(axis + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** `Tensor[2,3] [[1, 2, 3], [4, 5, 6]]`; large tensors are elided after 200 elements. */
  toString(): string {
    const head = `Tensor[${this.shape.join(",")}]`;
    if (this.data.length > 200) {
      const first = Array.from(this.data.subarray(0, 6), formatNumber).join(", ");
      return `${head} [${first}, … ${this.data.length - 6} more]`;
    }
    return `${head} ${formatNested(this.toArray())}`;
  }

  /** So that console.log shows the values rather than a Float64Array dump. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

// The methods installed below, merged into the class's type (declaration merging needs the
// class's exact type parameters, hence the unused S).
export interface Tensor<S extends Shape = Shape> extends OpMethods {}

function formatNumber(x: number): string {
  return String(Number(x.toPrecision(6)));
}

function formatNested(x: NestedArray): string {
  return typeof x === "number" ? formatNumber(x) : `[${x.map(formatNested).join(", ")}]`;
}

/** A number operand becomes a scalar `[]` tensor (so a tape's inputs are always tensors). */
export function asTensor(x: Operand): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return new Tensor([], new Float64Array([x]));
  throw new TypeError(`chainrule: expected a Tensor or a number, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return "an array (wrap it with tensor(…))";
  return x === null ? "null" : typeof x;
}

/** Applies a catalog op to tensors: the catalog's shape check and kernel, then the tape hook. */
export function run(name: string, inputs: Tensor[], attrs: OpAttrs = {}): Tensor {
  const r = applyOp(name, inputs, attrs);
  const output = new Tensor(r.shape, r.data);
  if (tapeState.active !== null) appendNode({ op: name, inputs, output, attrs });
  return output;
}

function axisAttrs(axis: number | undefined): OpAttrs {
  return axis === undefined ? {} : { axis };
}

/** The function forms (`matmul(a, b)`), filled from the catalog below. */
export const functions = {} as OpFunctions;

// Install one method and one function per user op of the catalog. The calling convention follows
// the op's kind; the types come from signatures.ts.
for (const op of USER_OPS) {
  const name = op.name;
  let method: (this: Tensor, arg?: Operand) => Tensor;
  let fn: (a: Operand, b?: Operand) => Tensor;
  switch (op.kind) {
    case "unary":
      method = function (this: Tensor) { return run(name, [this]); };
      fn = (a) => run(name, [asTensor(a)]);
      break;
    case "binary":
      method = function (this: Tensor, b?: Operand) { return run(name, [this, asTensor(b!)]); };
      fn = (a, b) => run(name, [asTensor(a), asTensor(b!)]);
      break;
    case "reduce":
      method = function (this: Tensor, axis?: Operand) { return run(name, [this], axisAttrs(axis as number | undefined)); };
      fn = (a, axis) => run(name, [asTensor(a)], axisAttrs(axis as number | undefined));
      break;
    default:
      throw new Error(`chainrule: user op ${name} has kind ${op.kind}, which the runtime cannot call`);
  }
  if (name in Tensor.prototype) throw new Error(`chainrule: op ${name} would shadow Tensor.prototype.${name}`);
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true });
  (functions as unknown as Record<string, unknown>)[name] = fn;
}

/**
 * The catalog over runtime tensors, recording like user code: a reverse-mode AD can run the
 * catalog's VJPs through it (`makeOps(tensorAlgebra)`), internal ops included.
 */
export const tensorAlgebra: Algebra<Tensor> = {
  apply: (name, args, attrs) => run(name, args.slice(), attrs),
  constant: (x) => asTensor(x),
  shapeOf: (x) => x.shape,
};
