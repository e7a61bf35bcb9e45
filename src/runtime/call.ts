// Reads the arguments of a method or function call into a catalog op's operands and attributes,
// as the op's surface declares them, so that every op is called the same way and adding one
// needs no code here. Attribute dims given by name (`"B*T"`) resolve through the dim binding.

import type { AttrName, AttrParam, OpAttrs, OpDef } from "../ops/types";
import { resolveDim } from "./dims";

/** What an op accepts as an operand: a tensor, or a number standing for a scalar `[]`. */
export type { Operand } from "./tensor";

function describe(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(describe).join(", ")}]`;
  if (typeof x === "string") return JSON.stringify(x);
  return x === null ? "null" : typeof x === "number" ? String(x) : typeof x;
}

function isInt(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x);
}

/** A dim attribute: a number as given (negatives allowed where the op counts from the end), a name resolved. */
function dimValue(op: string, what: string, x: unknown): number {
  if (typeof x === "number") {
    if (!Number.isInteger(x)) throw new TypeError(`chainrule: ${op}: ${what} must be an integer or a dim name, got ${x}`);
    return x;
  }
  if (typeof x === "string") return resolveDim(x);
  throw new TypeError(`chainrule: ${op}: ${what} must be an integer or a dim name, got ${describe(x)}`);
}

const READERS: { readonly [K in AttrName]-?: (op: string, x: unknown) => NonNullable<OpAttrs[K]> } = {
  axis(op, x) {
    if (!isInt(x)) throw new TypeError(`chainrule: ${op}: axis must be an integer, got ${describe(x)}`);
    return x;
  },
  axes(op, x) {
    if (!Array.isArray(x) || !x.every(isInt)) throw new TypeError(`chainrule: ${op}: axes must be an array of integers, got ${describe(x)}`);
    return x.slice();
  },
  shape(op, x) {
    if (!Array.isArray(x)) throw new TypeError(`chainrule: ${op}: shape must be an array of dims, got ${describe(x)}`);
    // Numbers pass as given (the shape rule words what is not a size); names resolve.
    return x.map((d, i) => (typeof d === "number" ? d : dimValue(op, `shape[${i}]`, d)));
  },
  start: (op, x) => dimValue(op, "start", x),
  end: (op, x) => dimValue(op, "end", x),
  exponent(op, x) {
    if (typeof x !== "number" || !Number.isFinite(x)) throw new TypeError(`chainrule: ${op}: the exponent must be a finite number, got ${describe(x)}`);
    return x;
  },
};

/** The attributes from the arguments after the operands; extra arguments are ignored, as JS functions do. */
export function readAttrs(op: OpDef, args: readonly unknown[]): OpAttrs {
  const attrs: Record<string, unknown> = {};
  op.surface.attrs.forEach((p: AttrParam, i) => {
    const x = args[i];
    if (x === undefined) {
      if (!p.optional) throw new TypeError(`chainrule: ${op.name} needs its ${p.name} argument (${signature(op)})`);
      return;
    }
    attrs[p.name] = READERS[p.name](op.name, x);
  });
  return attrs as OpAttrs;
}

/** `slice(a, axis, start, end?)`: the call as messages show it. */
export function signature(op: OpDef): string {
  const s = op.surface;
  const operands = s.list ? [`[${s.operands[0]}…]`] : s.operands;
  return `${op.name}(${[...operands, ...s.attrs.map((a) => (a.optional ? `${a.name}?` : a.name))].join(", ")})`;
}

/** What an op without attributes is run with: shared, since nothing writes to it. */
const NO_ATTRS: OpAttrs = Object.freeze({});

/**
 * Reads a call into operands and attributes. `receiver` is the tensor a method was called on (the
 * first operand); a list op's list may also be a single operand. Written without spreads or
 * slices on the common path: this runs on every op call of user code.
 */
export function readCall(op: OpDef, receiver: unknown, args: readonly unknown[]): { operands: unknown[]; attrs: OpAttrs } {
  const s = op.surface;
  const first = receiver === undefined ? 0 : 1;
  let operands: unknown[];
  let at: number;
  if (s.list) {
    const given = args[0];
    const items = given === undefined ? [] : Array.isArray(given) ? given : [given];
    operands = receiver === undefined ? items.slice() : [receiver, ...items];
    at = 1;
  } else {
    const n = s.operands.length;
    operands = new Array<unknown>(n);
    if (receiver !== undefined) operands[0] = receiver;
    for (let i = first; i < n; i++) {
      const x = args[i - first];
      if (x === undefined) throw new TypeError(`chainrule: ${op.name} takes ${n} operand${n === 1 ? "" : "s"}: ${signature(op)}`);
      operands[i] = x;
    }
    at = n - first;
  }
  if (s.attrs.length === 0) return { operands, attrs: NO_ATTRS };
  return { operands, attrs: readAttrs(op, at === 0 ? args : args.slice(at)) };
}
