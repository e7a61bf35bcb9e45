// What inference computes for an expression: a tensor (shape possibly unknown) or a plain number
// (a scalar `[]` operand), an object or class instance, a tuple or a homogeneous array, a
// callable, or nothing known. Values that leave a unit (signatures, module variables) never hold
// syntax nodes: `escape` strips the callables that do.

import { Dim, formatShape, Shape } from "../shape/shape";
import type { ts } from "ts-morph";
import type { Scope } from "./scope";

export interface TensorValue {
  readonly k: "tensor";
  readonly shape: Shape | null;
  readonly prov: string;
  /** A plain JS number (DSL.md: a number operand is a scalar `[]`), not a Tensor. */
  readonly num?: true;
  /** For numbers: the value, when it is known statically (`0.5`, `const AXIS = 1`). */
  readonly value?: number;
  /** For numbers: the dim it equals (`x.shape[0]` is the dim N of `x: [N,D]`), for constructor shapes. */
  readonly dim?: Dim;
  /** The catalog op that produced the tensor, when one did: the diagonal-Jacobian note reads it. */
  readonly op?: string;
}

/** A function value inside one unit: a local arrow/function (closure) or a method of the class being analysed. */
export interface LocalFn {
  readonly node: ts.SignatureDeclaration & { readonly body?: ts.ConciseBody };
  readonly name: string;
  /** The scope it was defined in (JS closures see the variables as they are when called). */
  readonly scope: Scope;
  /** `this` inside it, for methods and arrows in methods. */
  readonly self?: Value;
}

export type Value =
  | TensorValue
  /**
   * An object literal or a class instance (`cls`: the class's key, `file#Name`, for its methods;
   * `targs`: a generic class's type parameters as this instance binds them, `Linear<"D", "H">`).
   */
  | { readonly k: "obj"; readonly props: ReadonlyMap<string, Value>; readonly cls?: string; readonly other?: Value; readonly targs?: ReadonlyMap<string, Dim> }
  /**
   * A tuple: each position its own value. `dims`: for an array literal, the dim each element
   * writes literally (`[1, "H"]`: 1 and H; null where not literal), so that a shape kept in a
   * variable (`const shape = [1, "H"] as const; zeros(shape)`) keeps its dim names, which a string
   * element's value (unknown) does not carry.
   */
  | { readonly k: "arr"; readonly items: readonly Value[]; readonly dims?: readonly Dim[] }
  /** A homogeneous array (`Tensor<S>[]`, after `push`). */
  | { readonly k: "list"; readonly elem: Value }
  /**
   * A callable: a function of another unit by its global id (`file#name`), or a local one.
   * `from`: the closure that function `id` returns (at `path` in its return value) when called with
   * `args` (`const layer = makeLayer(W, b)`), called through `Lookup.instantiate`'s `then`.
   * `opaque`: a local callable that left its unit (`escape`), which a caller of the function that
   * returned it turns into a `from`.
   */
  | { readonly k: "fn"; readonly id?: string; readonly local?: LocalFn; readonly from?: ClosureRef; readonly opaque?: true }
  | { readonly k: "unknown" };

export const UNKNOWN: Value = { k: "unknown" };

/** Where a returned closure sits: the call that made it and its place in the return value. */
export interface ClosureRef {
  readonly args: readonly Value[];
  readonly self?: Value;
  readonly path: ReadonlyArray<string | number>;
  /** Held by a module variable (`id` names it), not returned by a call. */
  readonly module?: true;
}

/** A local callable once it leaves its unit: plain data, callable only through the call that returned it. */
const OPAQUE_FN: Value = { k: "fn", opaque: true };

export function tensor(shape: Shape | null, prov: string, op?: string): Value {
  return op === undefined ? { k: "tensor", shape, prov } : { k: "tensor", shape, prov, op };
}

/** A plain number operand: a scalar `[]` (DSL.md, "a number literal operand is a scalar"). */
export function numberValue(prov: string, value?: number, dim?: Dim): Value {
  const v: { k: "tensor"; shape: Shape; prov: string; num: true; value?: number; dim?: Dim } = { k: "tensor", shape: [], prov, num: true };
  if (value !== undefined && Number.isFinite(value)) v.value = value;
  if (dim !== undefined && dim !== null) v.dim = dim;
  else if (v.value !== undefined && Number.isInteger(v.value) && v.value >= 0) v.dim = v.value;
  return v;
}

export function isNumber(v: Value): v is TensorValue & { num: true } {
  return v.k === "tensor" && v.num === true;
}

export function isTensor(v: Value): v is TensorValue {
  return v.k === "tensor" && !v.num;
}

/** The shape an op sees for an operand: unknown unless the value is a tensor. */
export function shapeOf(v: Value): Shape | null {
  return v.k === "tensor" ? v.shape : null;
}

/** What one element of an array-like value is (a tuple's items joined). */
export function elementOf(v: Value): Value {
  if (v.k === "list") return v.elem;
  if (v.k === "arr") return v.items.length ? v.items.reduce(join) : UNKNOWN;
  return UNKNOWN;
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
    if (a.num && b.num) return a.value === b.value && a.dim === b.dim ? a : numberValue("number");
    const shape = joinShapes(a.shape, b.shape);
    const prov = a.prov === b.prov ? a.prov : "joined from branches";
    return a.op !== undefined && a.op === b.op ? { k: "tensor", shape, prov, op: a.op } : { k: "tensor", shape, prov };
  }
  if (a.k === "obj" && b.k === "obj") {
    const props = new Map<string, Value>();
    for (const [key, v] of a.props) {
      const w = b.props.get(key);
      if (w) props.set(key, join(v, w));
    }
    const other = a.other && b.other ? join(a.other, b.other) : undefined;
    const targs = a.targs && b.targs && targsKey(a.targs) === targsKey(b.targs) ? a.targs : undefined;
    return { k: "obj", props, ...(a.cls !== undefined && a.cls === b.cls ? { cls: a.cls } : {}), ...(other ? { other } : {}), ...(targs ? { targs } : {}) };
  }
  if (a.k === "arr" && b.k === "arr" && a.items.length === b.items.length) {
    return { k: "arr", items: a.items.map((v, i) => join(v, b.items[i]!)) };
  }
  // A tuple grown by `push` becomes an array of its elements' join; an empty one takes the other's.
  if ((a.k === "arr" || a.k === "list") && (b.k === "arr" || b.k === "list")) {
    if (a.k === "arr" && a.items.length === 0) return b.k === "list" ? b : { k: "list", elem: elementOf(b) };
    if (b.k === "arr" && b.items.length === 0) return a.k === "list" ? a : { k: "list", elem: elementOf(a) };
    return { k: "list", elem: join(elementOf(a), elementOf(b)) };
  }
  if (a.k === "fn" && b.k === "fn" && ((a.id !== undefined && valueKey(a) === valueKey(b)) || (a.local !== undefined && a.local === b.local))) return a;
  return UNKNOWN;
}

/** Whether a value is fully known as far as shapes go (what a caller can rely on without the body). */
export function fullyKnown(v: Value): boolean {
  switch (v.k) {
    case "tensor":
      return v.shape !== null && v.shape.every((d) => d !== null);
    case "obj":
      return [...v.props.values()].every(fullyKnown);
    case "arr":
      return v.items.every(fullyKnown);
    case "list":
      return fullyKnown(v.elem);
    case "fn":
      return true;
    default:
      return false;
  }
}

/** The value as it may leave its unit (module variables, signatures): no local callables. */
export function escape(v: Value): Value {
  switch (v.k) {
    case "fn":
      return v.local ? OPAQUE_FN : v;
    case "obj": {
      let changed = false;
      const props = new Map<string, Value>();
      for (const [key, w] of v.props) {
        const e = escape(w);
        if (e !== w) changed = true;
        props.set(key, e);
      }
      const other = v.other ? escape(v.other) : undefined;
      if (!changed && other === v.other) return v;
      return { k: "obj", props, ...(v.cls !== undefined ? { cls: v.cls } : {}), ...(other ? { other } : {}), ...(v.targs ? { targs: v.targs } : {}) };
    }
    case "arr": {
      const items = v.items.map(escape);
      return items.every((x, i) => x === v.items[i]) ? v : { k: "arr", items };
    }
    case "list": {
      const elem = escape(v.elem);
      return elem === v.elem ? v : { k: "list", elem };
    }
    default:
      return v;
  }
}

/** A stable string for cache keys: two values with the same key infer the same downstream. */
export function valueKey(v: Value): string {
  switch (v.k) {
    case "tensor":
      return v.num ? `N${v.value ?? ""}${v.dim !== undefined ? ":" + String(v.dim) : ""}` : "T" + formatShape(v.shape);
    case "obj":
      return (v.cls ?? "") + (v.targs ? `<${targsKey(v.targs)}>` : "") + "{" + [...v.props].map(([key, w]) => `${key}:${valueKey(w)}`).join(",") + (v.other ? `,*:${valueKey(v.other)}` : "") + "}";
    case "arr":
      return "(" + v.items.map(valueKey).join(",") + ")";
    case "list":
      return "[" + valueKey(v.elem) + "]";
    case "fn":
      return "F" + (v.id ?? (v.local ? `local:${v.local.name}@${v.local.node.pos}` : v.opaque ? "opaque" : "")) +
        (v.from ? `${v.from.module ? "" : `(${v.from.args.map(valueKey).join(",")})`}${v.from.self ? valueKey(v.from.self) : ""}.${v.from.path.join(".")}` : "");
    default:
      return "?";
  }
}

function targsKey(t: ReadonlyMap<string, Dim>): string {
  return [...t].map(([n, d]) => `${n}=${String(d)}`).join(",");
}

/** `v` with type-parameter dims replaced as `dims` binds them (a generic class's instance). */
export function substituteValue(v: Value, dims: ReadonlyMap<string, Dim>): Value {
  if (dims.size === 0) return v;
  const dim = (d: Dim): Dim => (typeof d === "string" && dims.has(d) ? dims.get(d)! : d);
  switch (v.k) {
    case "tensor":
      return v.shape && !v.num ? { ...v, shape: v.shape.map(dim) } : v;
    case "obj":
      return { ...v, props: new Map([...v.props].map(([n, w]) => [n, substituteValue(w, dims)])), ...(v.other ? { other: substituteValue(v.other, dims) } : {}) };
    case "arr":
      return { k: "arr", items: v.items.map((w) => substituteValue(w, dims)) };
    case "list":
      return { k: "list", elem: substituteValue(v.elem, dims) };
    default:
      return v;
  }
}
