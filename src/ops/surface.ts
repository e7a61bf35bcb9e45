// Pure readings of an op's calling surface that tools share: which call arguments are operands, a
// list of operands, or attributes (the analyzer's argument split), which method names are
// distinctive enough to mean a tensor op on an unknown receiver, and attributes as messages show them.

import { formatShape } from "../shape/shape";
import { USER_OPS } from "./catalog";
import type { AttrName, OpAttrs, OpDef } from "./types";

export interface ArgSplit<E> {
  /**
   * The operand arguments in operand order, `undefined` where one is missing; for the method form
   * the receiver (operand 0) is not among them. Empty for a list op.
   */
  readonly operands: ReadonlyArray<E | undefined>;
  /** A list op's list argument (`[a, b]` in `concat([a, b], 1)`), when given. */
  readonly list?: E;
  /** Attribute arguments by name, those given. */
  readonly attrs: Partial<Record<AttrName, E>>;
  /** Arguments past the surface (ignored by the runtime, as JS functions do). */
  readonly extra: readonly E[];
}

/** Where an op's attributes start among the call's arguments. */
function attrsStart(op: OpDef, method: boolean): number {
  return op.surface.list ? 1 : op.surface.operands.length - (method ? 1 : 0);
}

/** The argument split of a call of `op`, function form or (with `method`) method form. */
export function splitCallArgs<E>(op: OpDef, args: readonly E[], method: boolean): ArgSplit<E> {
  // Plain loops and no spreads: this runs for every op call the analyzer sees.
  const s = op.surface;
  const at = attrsStart(op, method);
  const attrs: Partial<Record<AttrName, E>> = {};
  for (let i = 0; i < s.attrs.length; i++) {
    const a = args[at + i];
    if (a !== undefined) attrs[s.attrs[i]!.name] = a;
  }
  const operands: Array<E | undefined> = [];
  if (!s.list) for (let i = 0; i < at; i++) operands.push(args[i]);
  const extra = args.slice(at + s.attrs.length);
  return s.list && args[0] !== undefined ? { operands, list: args[0], attrs, extra } : { operands, attrs, extra };
}

/** The index among the call's arguments at which attribute `name` is written (present or not). */
export function attrArgIndex(op: OpDef, name: AttrName, method: boolean): number | undefined {
  const i = op.surface.attrs.findIndex((p) => p.name === name);
  return i < 0 ? undefined : attrsStart(op, method) + i;
}

/** Method names that mean a tensor op even on a receiver of unknown type (`x.matmul(y)`, not `Math.max`). */
export const DISTINCTIVE_METHODS: ReadonlySet<string> = new Set(USER_OPS.filter((op) => op.surface.distinctive).map((op) => op.name));

/** ` axis 1`, ` shape [B*T,H]`, ` from 0 to H`, ` ^ 2`: attributes as hovers and labels append them. */
export function formatAttrs(attrs: OpAttrs): string {
  let s = "";
  if (attrs.axis !== undefined) s += ` axis ${attrs.axis}`;
  if (attrs.axes !== undefined) s += ` axes [${attrs.axes.join(",")}]`;
  if (attrs.shape !== undefined) s += ` to ${formatShape(attrs.shape)}`;
  if (attrs.start !== undefined) s += ` from ${attrs.start} to ${attrs.end ?? "the end"}`;
  if (attrs.exponent !== undefined) s += ` ^ ${attrs.exponent}`;
  return s;
}
