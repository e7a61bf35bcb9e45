// The catalog evaluated on concrete float64 data: the algebra the runtime, the reverse-mode AD
// of the gradient checker and the catalog's own self-test run VJPs over.

import { ShapeError } from "../shape/problems";
import { opOrThrow } from "./catalog";
import { scalar } from "./kernels";
import type { Algebra, OpAttrs, TensorData } from "./types";

/** Run one op: check shapes with its rule (throwing the analyzer's message), then its kernel. */
export function applyOp(name: string, args: readonly TensorData[], attrs: OpAttrs = {}): TensorData {
  const op = opOrThrow(name);
  // A loop rather than map: map is slow in the checker's locked realm (kernels.ts copyShape).
  const shapes = new Array<readonly number[]>(args.length);
  for (let i = 0; i < args.length; i++) shapes[i] = args[i]!.shape;
  const r = op.shape(shapes, attrs);
  if (!r.ok) throw new ShapeError(r.problem);
  return op.forward(args, attrs);
}

export const numericAlgebra: Algebra<TensorData> = {
  apply: applyOp,
  constant: scalar,
  shapeOf: (x) => x.shape,
};
