// Annotations of tuples, arrays and object literals of tensors (`const pair: [Tensor<[1, "H"]>,
// Tensor<[1, "D"]>] = [x, h]`, a return type `{ h: Tensor<[1, "H"]> }`). CLI.md: annotation-mismatch
// is "an annotated variable or return type disagrees with the inferred shape"; only a tensor
// annotation was compared, so a tensor in the wrong place of a tuple or object went unreported
// (TypeScript accepts it: Tensor's shape parameter is phantom). This finds the first tensor whose
// annotated and inferred shapes clash, with its path (`[0]`, `.h`) and, when the annotation is
// written out in place (a tuple, array or object type literal, not an alias), the type node of
// that element, which the fix rewrites.

import { ts } from "ts-morph";
import type { Shape } from "../shape/shape";
import { isTensor, type Value } from "./values";

export interface ContainerClash {
  path: string;
  declared: Shape;
  inferred: Shape;
  typeNode?: ts.TypeNode;
}

function bare(t: ts.TypeNode | undefined): ts.TypeNode | undefined {
  let u = t;
  while (u && (ts.isParenthesizedTypeNode(u) || (ts.isTypeOperatorNode(u) && u.operator === ts.SyntaxKind.ReadonlyKeyword))) u = u.type;
  return u;
}

/** The element type of `T[]`, `Array<T>`, `ReadonlyArray<T>`, `readonly T[]`, as written. */
function elementType(t: ts.TypeNode | undefined): ts.TypeNode | undefined {
  const u = bare(t);
  if (!u) return undefined;
  if (ts.isArrayTypeNode(u)) return u.elementType;
  if (ts.isTypeReferenceNode(u) && ts.isIdentifier(u.typeName) && (u.typeName.text === "Array" || u.typeName.text === "ReadonlyArray")) return u.typeArguments?.[0];
  return undefined;
}

function tupleElement(t: ts.TypeNode | undefined, i: number): ts.TypeNode | undefined {
  const u = bare(t);
  if (!u || !ts.isTupleTypeNode(u)) return undefined;
  const el = u.elements[i];
  return el && ts.isNamedTupleMember(el) ? el.type : el;
}

function memberType(t: ts.TypeNode | undefined, key: string): ts.TypeNode | undefined {
  const u = bare(t);
  if (!u || !ts.isTypeLiteralNode(u)) return undefined;
  for (const m of u.members) {
    if (ts.isPropertySignature(m) && m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) && m.name.text === key) return m.type;
  }
  return undefined;
}

/**
 * The first tensor inside a container annotation that the value contradicts; undefined when none
 * does, when either side is a plain tensor (compared by the caller as before), or when unknown.
 */
export function containerClash(
  declared: Value, inferred: Value, typeNode: ts.TypeNode | undefined, compatible: (a: Shape, b: Shape) => boolean,
): ContainerClash | undefined {
  if (isTensor(declared) || isTensor(inferred)) return undefined;
  return clash(declared, inferred, typeNode, compatible, "");
}

function clash(d: Value, v: Value, t: ts.TypeNode | undefined, compatible: (a: Shape, b: Shape) => boolean, path: string): ContainerClash | undefined {
  if (isTensor(d) && isTensor(v)) {
    if (d.num || v.num || !d.shape || !v.shape || compatible(d.shape, v.shape)) return undefined;
    return { path, declared: d.shape, inferred: v.shape, ...(t ? { typeNode: t } : {}) };
  }
  if (d.k === "arr" && v.k === "arr") {
    if (d.items.length !== v.items.length) return undefined;
    for (let i = 0; i < d.items.length; i++) {
      const c = clash(d.items[i]!, v.items[i]!, tupleElement(t, i), compatible, `${path}[${i}]`);
      if (c) return c;
    }
    return undefined;
  }
  if (d.k === "list" && v.k === "arr") {
    for (let i = 0; i < v.items.length; i++) {
      const c = clash(d.elem, v.items[i]!, elementType(t), compatible, `${path}[${i}]`);
      if (c) return c;
    }
    return undefined;
  }
  if (d.k === "list" && v.k === "list") return clash(d.elem, v.elem, elementType(t), compatible, `${path}[…]`);
  if (d.k === "obj" && v.k === "obj" && d.cls === undefined) {
    for (const [key, w] of d.props) {
      const got = v.props.get(key);
      const c = got && clash(w, got, memberType(t, key), compatible, `${path}.${key}`);
      if (c) return c;
    }
  }
  return undefined;
}
