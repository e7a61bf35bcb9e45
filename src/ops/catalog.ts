// The op catalog: the single source of truth for every op. Adding an op means adding one entry
// to one of the family files below; everything else (analyzer, runtime, typings, template,
// grammar, checker, hovers, fixes, docs/ops.md) reads it from here or is generated from it
// (`npm run gen`, docs/ARCHITECTURE.md "Adding an op").

import { COMPARE } from "./compare";
import { ELEMENTWISE } from "./elementwise";
import { INTERNAL } from "./internal";
import { LAYOUT } from "./layout";
import { LINALG } from "./linalg";
import { REDUCE } from "./reduce";
import type { Algebra, AttrsArg, OpAttrs, OpDef, Ops } from "./types";

const ALL: readonly OpDef[] = [...ELEMENTWISE, ...COMPARE, ...LINALG, ...REDUCE, ...LAYOUT, ...INTERNAL];

export const CATALOG: ReadonlyMap<string, OpDef> = new Map(ALL.map((op) => [op.name, op]));

/** Ops users write (everything but the internal helpers VJPs use). */
export const USER_OPS: readonly OpDef[] = ALL.filter((op) => op.kind !== "internal");

export function getOp(name: string): OpDef | undefined {
  return CATALOG.get(name);
}

export function opOrThrow(name: string): OpDef {
  const op = CATALOG.get(name);
  if (!op) throw new Error(`chainrule: no op named ${name} in the catalog`);
  return op;
}

function isAttrs(x: unknown): x is AttrsArg {
  return typeof x === "object" && x !== null && (x as { __attrs?: unknown }).__attrs === true;
}

/** The catalog's ops as functions over an algebra: what VJPs are written in. */
export function makeOps<T>(alg: Algebra<T>): Ops<T> {
  const ops: Record<string, unknown> = {
    attrs: (a: OpAttrs): AttrsArg => ({ ...a, __attrs: true }),
    shapeOf: (x: T) => alg.shapeOf(x),
  };
  for (const op of ALL) {
    ops[op.name] = (...raw: Array<T | number | AttrsArg>) => {
      let attrs: OpAttrs = {};
      const last = raw[raw.length - 1];
      if (isAttrs(last)) {
        raw = raw.slice(0, -1);
        const { __attrs: _, ...rest } = last;
        attrs = rest;
      }
      const args = raw.map((x) => (typeof x === "number" ? alg.constant(x) : (x as T)));
      return alg.apply(op.name, args, attrs);
    };
  }
  return ops as Ops<T>;
}
