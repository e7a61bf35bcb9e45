// Reads shapes out of type annotations: `Tensor<[1, "D"]>`, `Scalar`, type aliases (generic ones
// too, `Row<"H">`), object type literals of tensors, and type parameters used as dims.

import { ts } from "ts-morph";
import type { Dim, Shape } from "../shape/shape";
import type { Lookup } from "./lookup";
import { tensor, UNKNOWN, Value } from "./values";

export interface TypeCtx {
  readonly lookup: Lookup;
  /** Type parameters in scope and the dim each stands for. */
  readonly dims: ReadonlyMap<string, Dim>;
}

const MAX_ALIAS_DEPTH = 16;

/** The chainrule export a type name refers to (`Tensor`, `Scalar`), honouring aliases and namespaces. */
function chainruleTypeName(name: ts.EntityName, lookup: Lookup): string | undefined {
  if (ts.isIdentifier(name)) return lookup.chainrule(name.text);
  if (ts.isIdentifier(name.left) && lookup.isNamespace(name.left.text)) return name.right.text;
  return undefined;
}

function dimOf(node: ts.TypeNode, ctx: TypeCtx): Dim {
  if (ts.isNamedTupleMember(node)) return dimOf(node.type, ctx);
  if (ts.isParenthesizedTypeNode(node)) return dimOf(node.type, ctx);
  if (ts.isLiteralTypeNode(node)) {
    const lit = node.literal;
    if (ts.isNumericLiteral(lit)) return Number(lit.text);
    if (ts.isStringLiteral(lit) || ts.isNoSubstitutionTemplateLiteral(lit)) return lit.text;
    return null;
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && !node.typeArguments) {
    const d = ctx.dims.get(node.typeName.text);
    if (d !== undefined) return d;
  }
  return null;
}

/** `[1, "D"]` as a shape; a non-tuple (`S`, `number[]`) gives an unknown shape. */
export function tupleShape(node: ts.TypeNode | undefined, ctx: TypeCtx): Shape | null {
  if (!node) return null;
  if (ts.isParenthesizedTypeNode(node)) return tupleShape(node.type, ctx);
  if (ts.isTupleTypeNode(node)) {
    if (node.elements.some((e) => ts.isRestTypeNode(e) || ts.isOptionalTypeNode(e))) return null;
    return node.elements.map((e) => dimOf(e, ctx));
  }
  return null;
}

export function typeValue(node: ts.TypeNode | undefined, ctx: TypeCtx, depth = 0): Value {
  if (!node || depth > MAX_ALIAS_DEPTH) return UNKNOWN;
  if (ts.isParenthesizedTypeNode(node)) return typeValue(node.type, ctx, depth);
  if (ts.isTypeLiteralNode(node)) {
    const props = new Map<string, Value>();
    for (const m of node.members) {
      if (ts.isPropertySignature(m) && m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) {
        props.set(m.name.text, typeValue(m.type, ctx, depth + 1));
      }
    }
    return { k: "obj", props };
  }
  if (!ts.isTypeReferenceNode(node)) return UNKNOWN;
  const cr = chainruleTypeName(node.typeName, ctx.lookup);
  if (cr === "Tensor") return tensor(tupleShape(node.typeArguments?.[0], ctx), "annotation");
  if (cr === "Scalar") return tensor([], "annotation");
  if (!ts.isIdentifier(node.typeName)) return UNKNOWN;
  const alias = ctx.lookup.alias(node.typeName.text);
  if (!alias) return UNKNOWN;
  // A generic alias binds its type parameters to the arguments' dims, as a call binds arguments.
  const dims = new Map<string, Dim>();
  const params = alias.decl.typeParameters ?? [];
  params.forEach((p, i) => {
    const arg = node.typeArguments?.[i] ?? p.default;
    dims.set(p.name.text, arg ? dimOf(arg, ctx) : null);
  });
  return typeValue(alias.decl.type, { lookup: alias.lookup, dims }, depth + 1);
}
