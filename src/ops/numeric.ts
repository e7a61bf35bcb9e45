// The catalog evaluated on concrete float64 data: the algebra the runtime, the reverse-mode AD
// of the gradient checker and the catalog's own self-test run VJPs over.

import { ShapeError } from "../shape/problems";
import { opOrThrow } from "./catalog";
import { scalar } from "./kernels";
import type { Algebra, OpAttrs, TensorData } from "./types";

/** Run one op: check shapes with its rule (throwing the analyzer's message), then its kernel. */
export function applyOp(name: string, args: readonly TensorData[], attrs: OpAttrs = {}): TensorData {
  const op = opOrThrow(name);
  const r = op.shape(args.map((a) => a.shape), attrs);
  if (!r.ok) throw new ShapeError(r.problem);
  return op.forward(args, attrs);
}

export const numericAlgebra: Algebra<TensorData> = {
  apply: applyOp,
  constant: scalar,
  shapeOf: (x) => x.shape,
};
