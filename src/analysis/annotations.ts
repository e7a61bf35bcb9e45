// Reads values out of type annotations: `Tensor<[1, "D"]>`, `Scalar`, `number`, arrays and
// tuples of them, object types and interfaces, class instances, type aliases (generic ones too,
// `Row<"H">`), and type parameters used as dims (`N`) or as whole shapes (`Tensor<S>`).

import { ts } from "ts-morph";
import { normalizeDim } from "../shape/dim";
import type { Dim, Shape } from "../shape/shape";
import type { ClassSig, Lookup } from "./lookup";
import { numberValue, substituteValue, tensor, UNKNOWN, Value } from "./values";

export interface TypeCtx {
  readonly lookup: Lookup;
  /** Type parameters in scope and the dim each stands for. */
  readonly dims: ReadonlyMap<string, Dim>;
  /** Type parameters that stand for a whole shape (`<S extends Shape>`), bound per call or unknown. */
  readonly shapes?: ReadonlyMap<string, Shape | null>;
}

/** Deeper alias chains than this are reported (DSL files do not nest types like that). */
export const MAX_TYPE_DEPTH = 64;

/** Thrown when an annotation nests deeper than MAX_TYPE_DEPTH; the unit reports it. */
export class TypeTooDeep extends Error {}

/** The chainrule export a type name refers to (`Tensor`, `Scalar`), honouring aliases and namespaces. */
function chainruleTypeName(name: ts.EntityName, lookup: Lookup): string | undefined {
  if (ts.isIdentifier(name)) return lookup.chainrule(name.text);
  if (ts.isIdentifier(name.left) && lookup.isNamespace(name.left.text)) return name.right.text;
  return undefined;
}

function entityText(name: ts.EntityName): string {
  return ts.isIdentifier(name) ? name.text : `${entityText(name.left)}.${name.right.text}`;
}

export function dimOf(node: ts.TypeNode, ctx: TypeCtx): Dim {
  if (ts.isNamedTupleMember(node)) return dimOf(node.type, ctx);
  if (ts.isParenthesizedTypeNode(node)) return dimOf(node.type, ctx);
  if (ts.isLiteralTypeNode(node)) {
    const lit = node.literal;
    if (ts.isNumericLiteral(lit)) return Number(lit.text);
    if (ts.isStringLiteral(lit) || ts.isNoSubstitutionTemplateLiteral(lit)) return normalizeDim(lit.text);
    return null;
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && !node.typeArguments) {
    const d = ctx.dims.get(node.typeName.text);
    if (d !== undefined) return d;
  }
  return null;
}

/** `[1, "D"]` as a shape; `S` a whole-shape type parameter as bound; anything else unknown. */
export function tupleShape(node: ts.TypeNode | undefined, ctx: TypeCtx): Shape | null {
  if (!node) return null;
  if (ts.isParenthesizedTypeNode(node)) return tupleShape(node.type, ctx);
  if (ts.isTupleTypeNode(node)) {
    if (node.elements.some((e) => ts.isRestTypeNode(e) || ts.isOptionalTypeNode(e))) return null;
    return node.elements.map((e) => dimOf(e, ctx));
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && !node.typeArguments) {
    return ctx.shapes?.get(node.typeName.text) ?? null;
  }
  return null;
}

function members(ms: ts.NodeArray<ts.TypeElement>, ctx: TypeCtx, depth: number): Value {
  const props = new Map<string, Value>();
  let other: Value | undefined;
  for (const m of ms) {
    if (ts.isPropertySignature(m) && m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) {
      props.set(m.name.text, typeValue(m.type, ctx, depth + 1));
    } else if (ts.isIndexSignatureDeclaration(m)) {
      other = typeValue(m.type, ctx, depth + 1);
    }
  }
  return { k: "obj", props, ...(other && other.k !== "unknown" ? { other } : {}) };
}

const ARRAYS = new Set(["Array", "ReadonlyArray"]);

export function typeValue(node: ts.TypeNode | undefined, ctx: TypeCtx, depth = 0): Value {
  if (!node) return UNKNOWN;
  if (depth > MAX_TYPE_DEPTH) throw new TypeTooDeep();
  if (ts.isParenthesizedTypeNode(node)) return typeValue(node.type, ctx, depth + 1);
  if (node.kind === ts.SyntaxKind.NumberKeyword) return numberValue("annotation");
  if (ts.isTypeLiteralNode(node)) return members(node.members, ctx, depth);
  if (ts.isArrayTypeNode(node)) return { k: "list", elem: typeValue(node.elementType, ctx, depth + 1) };
  if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) return typeValue(node.type, ctx, depth + 1);
  if (ts.isTupleTypeNode(node)) {
    if (node.elements.some((e) => ts.isRestTypeNode(e) || ts.isOptionalTypeNode(e))) return UNKNOWN;
    return { k: "arr", items: node.elements.map((e) => typeValue(ts.isNamedTupleMember(e) ? e.type : e, ctx, depth + 1)) };
  }
  if (ts.isUnionTypeNode(node)) {
    // `T | undefined` and `T | null` (optional fields, caches filled later) are T.
    const real = node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword));
    return real.length === 1 ? typeValue(real[0], ctx, depth + 1) : UNKNOWN;
  }
  if (!ts.isTypeReferenceNode(node)) return UNKNOWN;
  const cr = chainruleTypeName(node.typeName, ctx.lookup);
  if (cr === "Tensor") return tensor(tupleShape(node.typeArguments?.[0], ctx), "annotation");
  if (cr === "Scalar") return tensor([], "annotation");
  if (cr !== undefined) return UNKNOWN;
  const name = entityText(node.typeName);
  const args = node.typeArguments;
  if (ts.isIdentifier(node.typeName) && ARRAYS.has(name) && args?.length === 1) return { k: "list", elem: typeValue(args[0], ctx, depth + 1) };
  if (name === "ReturnType" && args?.length === 1 && ts.isTypeQueryNode(args[0]!)) {
    // `ReturnType<typeof backward>`: what that function returns.
    const q = args[0].exprName;
    return ctx.lookup.fn(ts.isIdentifier(q) ? q.text : entityText(q))?.returns ?? UNKNOWN;
  }
  if (name === "Record" && args?.length === 2) {
    const elem = typeValue(args[1], ctx, depth + 1);
    return elem.k === "unknown" ? UNKNOWN : { k: "obj", props: new Map(), other: elem };
  }
  if (!ts.isIdentifier(node.typeName) || !ctx.dims.has(name)) {
    const alias = ctx.lookup.alias(name);
    if (alias) return aliasValue(alias, node, ctx, depth);
    const cls = ctx.lookup.cls(name);
    if (cls) return instanceOf(cls, classArgs(cls, args, ctx));
  }
  return UNKNOWN;
}

/** A generic alias binds its type parameters to the arguments' dims, as a call binds arguments. */
function aliasValue(alias: NonNullable<ReturnType<Lookup["alias"]>>, node: ts.TypeReferenceNode, ctx: TypeCtx, depth: number): Value {
  const dims = new Map<string, Dim>();
  const shapes = new Map<string, Shape | null>();
  const params = alias.decl.typeParameters ?? [];
  params.forEach((p, i) => {
    const arg = node.typeArguments?.[i] ?? p.default;
    dims.set(p.name.text, arg ? dimOf(arg, ctx) : null);
    const s = arg ? tupleShape(arg, ctx) : null;
    if (s) shapes.set(p.name.text, s);
  });
  const inner: TypeCtx = { lookup: alias.lookup, dims, shapes };
  const decl = alias.decl;
  return ts.isTypeAliasDeclaration(decl) ? typeValue(decl.type, inner, depth + 1) : members(decl.members, inner, depth);
}

/** Whether a type parameter is constrained to (or defaults to) a shape rather than a dim. */
export function isShapeParam(p: ts.TypeParameterDeclaration): boolean {
  const c = p.constraint ?? p.default;
  return c !== undefined && isShapeType(c);
}

function isShapeType(c: ts.TypeNode): boolean {
  if (ts.isTupleTypeNode(c) || ts.isArrayTypeNode(c)) return true;
  if (ts.isTypeOperatorNode(c) || ts.isParenthesizedTypeNode(c)) return isShapeType(c.type);
  return ts.isTypeReferenceNode(c) && ts.isIdentifier(c.typeName) && ["Shape", "Array", "ReadonlyArray"].includes(c.typeName.text);
}

/** `Linear<"D", "H">`: the dims a generic class's type arguments give its type parameters. */
function classArgs(cls: ClassSig, args: ts.NodeArray<ts.TypeNode> | undefined, ctx: TypeCtx): Map<string, Dim> {
  const m = new Map<string, Dim>();
  cls.typeParams.forEach((tp, i) => {
    const a = args?.[i];
    if (a) m.set(tp, dimOf(a, ctx));
  });
  return m;
}

/** An instance of a class, its fields written in the dims its type arguments bind. */
export function instanceOf(cls: ClassSig, targs: ReadonlyMap<string, Dim>, fields: ReadonlyMap<string, Value> = cls.fields): Value {
  if (!cls.typeParams.length) return { k: "obj", props: fields, cls: cls.key };
  const bound = new Map([...targs].filter(([, d]) => d !== null));
  const props = new Map([...fields].map(([n, v]) => [n, substituteValue(v, bound)]));
  return { k: "obj", props, cls: cls.key, ...(bound.size ? { targs: bound } : {}) };
}
