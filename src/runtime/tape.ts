// The recording hook reverse-mode AD builds on: while `record` runs, every op the runtime applies
// appends a node (op name, input tensors, output tensor, attributes) to the tape.

import type { OpAttrs } from "../ops/types";
import type { Tensor } from "./tensor";

export interface TapeNode {
  op: string;
  inputs: Tensor[];
  output: Tensor;
  attrs: OpAttrs;
}

/**
 * The tapes being recorded, innermost last; null when nothing records, so that the runtime's hot
 * path pays one null check. Nested `record` calls each get their own tape and every op is appended
 * to all of them: an outer tape then still holds every op its result depends on.
 */
export const tapeState: { active: TapeNode[][] | null } = { active: null };

/** Called by the runtime after each op, only when `tapeState.active` is non-null. */
export function appendNode(node: TapeNode): void {
  for (const tape of tapeState.active!) tape.push(node);
}

/**
 * Runs fn with recording on; every op applied through the runtime appends a node. Nests safely.
 * Synchronous: ops run after an `await` inside fn happen once recording is off again.
 */
export function record<T>(fn: () => T): { result: T; nodes: TapeNode[] } {
  const nodes: TapeNode[] = [];
  const outer = tapeState.active;
  tapeState.active = outer === null ? [nodes] : [...outer, nodes];
  try {
    return { result: fn(), nodes };
  } finally {
    tapeState.active = outer;
  }
}
