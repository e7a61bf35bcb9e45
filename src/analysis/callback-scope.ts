// Callbacks written inline in an array method (`xs.forEach((x) => { s = s.add(x); })`).
//
// Inferring a function literal where it is written is a definition pass: its parameters are
// unknown, so an assignment inside it to a variable of the enclosing function (`s = …`) would
// leave that variable unknown before the callback is even called with the element shapes, and
// every op on it inside the real (inlined) call would then go unchecked: a broadcast that a
// `for (const x of xs)` loop reports was missed in the same body under `forEach`. So the
// definition pass leaves the enclosing variables as they were, the call with the element shapes
// assigns them, and because the array method may run the callback any number of times (zero
// included), the call is one pass of a loop body: a variable it changes the shape of is reported
// (loop-shape-changes) and unknown afterwards, as after a `for` loop (DSL.md "Where shapes come
// from" 9), so `xs.forEach` and `for (const x of xs)` get the same findings and the same fixes.

import { ts } from "ts-morph";
import type { Scope, Var } from "./scope";
import type { Value } from "./values";

/** Is this argument a function written in place (an arrow or a function expression)? */
export function isInlineCallback(arg: ts.Expression | undefined): boolean {
  let e = arg;
  while (e && ts.isParenthesizedExpression(e)) e = e.expression;
  return !!e && (ts.isArrowFunction(e) || ts.isFunctionExpression(e));
}

/** Runs a callback's definition pass without letting it change the enclosing variables. */
export function definitionPass<T>(scope: Scope, define: () => T): T {
  const before = scope.snapshot();
  try {
    return define();
  } finally {
    scope.restore(before);
  }
}

/**
 * Runs one call of an iteration callback as one pass of a loop body; `carried` then reports a
 * variable whose shape the call changes (loop-shape-changes) and joins the values before and after.
 */
export function iterationCall<T>(scope: Scope, call: () => T, carried: (before: ReadonlyMap<Var, Value>, after: ReadonlyMap<Var, Value>) => void): T {
  const before = scope.snapshot();
  const result = call();
  carried(before, scope.snapshot());
  return result;
}
