// What a shape rule says when operands do not fit. The analyzer turns a ShapeProblem into a
// diagnostic; the runtime throws it as a ShapeError. Both therefore word it identically.

import type { Dim, Shape } from "./shape";

/** The diagnostic codes a shape rule can produce (a subset of the registry's codes). */
export type ShapeProblemCode = "matmul-mismatch" | "elementwise-mismatch" | "broadcast-expands" | "rank-mismatch" | "shape-mismatch";

export interface ShapeProblem {
  code: ShapeProblemCode;
  message: string;
  /** The clashing dims, when the problem is a pair of dims. */
  dims?: readonly [Dim, Dim];
  /** Which operand positions carry the clashing dims (index into the op's operands). */
  operands?: readonly number[];
  /** The axis the clashing dims are on, when the rule knows it (a concat offers it as the fix). */
  axis?: number;
}

export type ShapeResult =
  | { ok: true; shape: Shape | null; warning?: ShapeProblem }
  | { ok: false; problem: ShapeProblem };

export function ok(shape: Shape | null, warning?: ShapeProblem): ShapeResult {
  return warning ? { ok: true, shape, warning } : { ok: true, shape };
}

export function fail(problem: ShapeProblem): ShapeResult {
  return { ok: false, problem };
}

/** Thrown by the runtime; carries the same code and message the analyzer reports. */
export class ShapeError extends Error {
  readonly code: ShapeProblemCode;
  constructor(problem: ShapeProblem) {
    super(problem.message);
    this.name = "ShapeError";
    this.code = problem.code;
  }
}
