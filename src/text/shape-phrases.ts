// The words chainrule uses about shapes wherever they appear (diagnostics, hovers, the CLI): the
// seed's answer (an element-wise function's Jacobian is diagonal, so the product is ⊙), when it
// applies, and the hint for a symbolic dim that meets a number. One place, one trigger condition.

import { getOp } from "../ops/catalog";
import { Dim, formatShape, Shape, shapeEquals } from "../shape/shape";

/** The seed's answer in one line. */
export const DIAGONAL_RULE = "g · diag(s′) = g ⊙ s′";

/** Appended to a matmul-mismatch in the seed's case (see diagonalCase). */
export const DIAGONAL_JACOBIAN_NOTE =
  "the right operand has the shape of the left, as the derivative of an element-wise function does: " +
  `an element-wise function's Jacobian is diagonal, so the product with it is element-wise (⊙): ${DIAGONAL_RULE}`;

/** The derivative of an element-wise function (its Jacobian is diagonal): what ⊙ multiplies by. */
export function isElementwiseResult(op: string | undefined): boolean {
  return op !== undefined && getOp(op)?.jacobian === "diagonal";
}

/**
 * The seed's case, the one trigger of the diagonal-Jacobian note in messages and hovers: a matrix
 * product of same-shape matrices where the right one is the result of an element-wise op, or a row
 * gradient times a row of its own shape (`[1,H] @ [1,H]`). Not attention's `Q @ K` of two `[T,d]`
 * inputs, where the missing piece is a transpose.
 */
export function diagonalCase(a: Shape | null | undefined, b: Shape | null | undefined, rightOp: string | undefined): boolean {
  return !!a && !!b && a.length === 2 && shapeEquals(a, b) && (isElementwiseResult(rightOp) || a[0] === 1);
}

/** The hover's version of the note, for a matmul in the seed's case. */
export function diagonalHover(a: Shape): string {
  return `Both operands are ${formatShape(a)}: if the right one is an element-wise derivative (like σ′ = h ⊙ (1 − h)), ` +
    `its Jacobian is diagonal and ${DIAGONAL_RULE}: use ⊙ (\`mul\`).`;
}

/**
 * `D` against `784`: a symbolic dim never equals a number statically (DSL.md), which is surprising
 * the first time; say both ways out.
 */
export function symbolicVsNumber(a: Dim | undefined, b: Dim | undefined): string {
  const [sym, num] = typeof a === "string" && typeof b === "number" ? [a, b] : typeof b === "string" && typeof a === "number" ? [b, a] : [];
  if (sym === undefined || num === undefined || num === 1) return "";
  return `; ${sym} is a symbolic dim and ${num} a number, which never match statically: write ${num} in the annotation, or keep ${sym} and bind it with \`@dims ${sym}=${num}\` on the function`;
}
