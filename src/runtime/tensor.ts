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
// Methods and functions are installed from the catalog in a loop (below), reading each op's
// arguments as its surface declares (call.ts); their types, `OpMethods` and `OpFunctions`, are
// generated from the same surfaces into ops.generated.ts (`npm run gen`).

import { USER_OPS } from "../ops/catalog";
import { copyShape } from "../ops/kernels";
import { applyOp } from "../ops/numeric";
import type { Algebra, OpAttrs } from "../ops/types";
import { readCall } from "./call";
import type { OpFunctions, OpMethods } from "./ops.generated";
import { replayRun, replayState } from "./replay";
import { appendNode, tapeState } from "./tape";

/** A dimension in a type or a constructor: a size, or a symbolic name bound at run time. */
export type Dim = number | string;
/** A shape tuple, e.g. `[1, "D"]`; `[]` is a scalar. */
export type Shape = readonly Dim[];
/** What `toArray` returns and `tensor` accepts: a number, or nested arrays of them. */
export type NestedArray = number | NestedArray[];
/** What an op accepts as an operand: a tensor, or a number standing for a scalar `[]`. */
export type Operand = Tensor | number;

export class Tensor<S extends Shape = Shape> {
  /** The concrete size of each axis. */
  readonly shape: number[];
  /** The elements, row-major. */
  readonly data: Float64Array;

  constructor(shape: readonly number[], data: Float64Array) {
    let n = 1;
    // Indexed loops, not for-of and slice: they run for every op, and the checker's locked realm
    // slows those down (kernels.ts copyShape).
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i]!;
      if (!Number.isInteger(d) || d < 0) throw new Error(`invalid tensor shape [${shape.join(",")}]`);
      n *= d;
    }
    if (n !== data.length) {
      throw new Error(`shape [${shape.join(",")}] has ${n} elements but the data has ${data.length}`);
    }
    this.shape = copyShape(shape);
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

/** Applies a catalog op to tensors: the catalog's shape check and kernel (or a probe's replay), then the tape hook. */
export function run(name: string, inputs: Tensor[], attrs: OpAttrs = {}): Tensor {
  const r = replayState.active === null ? applyOp(name, inputs, attrs) : replayRun(name, inputs, attrs);
  const output = new Tensor(r.shape, r.data);
  if (tapeState.active !== null) appendNode({ op: name, inputs, output, attrs });
  return output;
}

/** The function forms (`matmul(a, b)`), filled from the catalog below. */
export const functions = {} as OpFunctions;

// Install one method and one function per user op of the catalog; arguments are read as the op's
// surface declares (operands, a list, attributes), the same for every op.
for (const op of USER_OPS) {
  const name = op.name;
  const call = (receiver: Tensor | undefined, args: readonly unknown[]): Tensor => {
    const { operands, attrs } = readCall(op, receiver, args);
    for (let i = 0; i < operands.length; i++) operands[i] = asTensor(operands[i] as Operand);
    return run(name, operands as Tensor[], attrs);
  };
  const method = function (this: Tensor, ...args: unknown[]) {
    return call(this, args);
  };
  if (name in Tensor.prototype) throw new Error(`chainrule: op ${name} would shadow Tensor.prototype.${name}`);
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true });
  (functions as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => call(undefined, args);
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
