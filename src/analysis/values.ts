// What inference computes for an expression: a tensor (shape possibly unknown), an object or
// array of values (for destructuring and the object form of @gradient), or nothing known.

import { Dim, formatShape, Shape } from "../shape/shape";

export type Value =
  | { readonly k: "tensor"; readonly shape: Shape | null; readonly prov: string; readonly num?: true }
  | { readonly k: "obj"; readonly props: ReadonlyMap<string, Value> }
  | { readonly k: "arr"; readonly items: readonly Value[] }
  | { readonly k: "unknown" };

export const UNKNOWN: Value = { k: "unknown" };

export function tensor(shape: Shape | null, prov: string): Value {
  return { k: "tensor", shape, prov };
}

/** A plain number operand: a scalar `[]` (DSL.md, "a number literal operand is a scalar"). */
export function numberValue(prov: string): Value {
  return { k: "tensor", shape: [], prov, num: true };
}

/** The shape an op sees for an operand: unknown unless the value is a tensor. */
export function shapeOf(v: Value): Shape | null {
  return v.k === "tensor" ? v.shape : null;
}

function joinDims(a: Dim, b: Dim): Dim {
  return a === b ? a : null;
}

export function joinShapes(a: Shape | null, b: Shape | null): Shape | null {
  if (a === null || b === null || a.length !== b.length) return null;
  return a.map((d, i) => joinDims(d, b[i]!));
}

/** Where two control-flow paths meet: equal shapes survive, disagreeing dims become unknown. */
export function join(a: Value, b: Value): Value {
  if (a === b) return a;
  if (a.k === "tensor" && b.k === "tensor") {
    const shape = joinShapes(a.shape, b.shape);
    const prov = a.prov === b.prov ? a.prov : "joined from branches";
    return { k: "tensor", shape, prov };
  }
  if (a.k === "obj" && b.k === "obj") {
    const props = new Map<string, Value>();
    for (const [key, v] of a.props) {
      const w = b.props.get(key);
      if (w) props.set(key, join(v, w));
    }
    return { k: "obj", props };
  }
  if (a.k === "arr" && b.k === "arr" && a.items.length === b.items.length) {
    return { k: "arr", items: a.items.map((v, i) => join(v, b.items[i]!)) };
  }
  return UNKNOWN;
}

/** A stable string for cache keys: two values with the same key infer the same downstream. */
export function valueKey(v: Value): string {
  switch (v.k) {
    case "tensor":
      return "T" + formatShape(v.shape);
    case "obj":
      return "{" + [...v.props].map(([key, w]) => `${key}:${valueKey(w)}`).join(",") + "}";
    case "arr":
      return "(" + v.items.map(valueKey).join(",") + ")";
    default:
      return "?";
  }
}
