// The second reference an analytic gradient is held against: reverse-mode AD that replays F's
// recorded tape through the catalog's VJPs (when it disagrees with finite differences, F is
// non-smooth at the sample or a VJP is wrong). It runs in the parent, on the tape the worker
// copied out as plain data, through this process's own catalog.

import { getOp } from "../ops/catalog";
import { applyOp, numericAlgebra } from "../ops/numeric";
import { makeOps } from "../ops/catalog";
import type { OpAttrs, TensorData } from "../ops/types";

/** One recorded op, as the runtime's tape holds it (tensors are anything with shape and data). */
export interface TapeNodeLike {
  op: string;
  inputs: TensorData[];
  output: TensorData;
  attrs: OpAttrs;
}

/**
 * Reverse-mode AD over a tape: seed the output with 1, walk the nodes backwards, and accumulate
 * each op's VJP into its inputs, keyed by tensor identity. Inputs never reached get zeros.
 */
export function backprop(nodes: readonly TapeNodeLike[], output: TensorData, wrt: readonly TensorData[]): Float64Array[] {
  const ops = makeOps(numericAlgebra);
  const grads = new Map<TensorData, TensorData>();
  grads.set(output, { shape: output.shape, data: new Float64Array(output.data.length).fill(1) });
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    const g = grads.get(node.output);
    if (!g) continue;
    const op = getOp(node.op);
    if (!op) throw new Error(`op ${node.op} on the tape is not in the catalog`);
    const parts = op.vjp(ops, g, node.inputs, node.output, node.attrs);
    node.inputs.forEach((input, i) => {
      const part = parts[i];
      if (!part) return;
      const prev = grads.get(input);
      grads.set(input, prev ? applyOp("add", [prev, part]) : part);
    });
  }
  return wrt.map((w) => {
    const g = grads.get(w);
    return g ? Float64Array.from(g.data) : new Float64Array(w.data.length);
  });
}
