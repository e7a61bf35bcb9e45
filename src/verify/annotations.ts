// Reads a parameter's shape off its type annotation, syntactically: `Tensor<[1, "D"]>`,
// `cr.Tensor<…>`, `Scalar`, `number`, and type aliases declared in the same file (generic ones
// included). The analyzer infers far more; the checker only needs declared parameter shapes.

import { ts } from "ts-morph";

/** A declared dim: a number or a symbolic name. */
export type DeclDim = number | string;

export type DeclType =
  | { kind: "tensor"; shape: DeclDim[] }
  | { kind: "number" }
  | { kind: "unknown"; why: string };

function typeName(n: ts.EntityName): string {
  return ts.isIdentifier(n) ? n.text : n.right.text;
}

function aliasesOf(sf: ts.SourceFile): Map<string, ts.TypeAliasDeclaration> {
  const m = new Map<string, ts.TypeAliasDeclaration>();
  for (const st of sf.statements) if (ts.isTypeAliasDeclaration(st)) m.set(st.name.text, st);
  return m;
}

function readDim(node: ts.TypeNode, subst: ReadonlyMap<string, DeclDim>): DeclDim | null {
  if (ts.isLiteralTypeNode(node)) {
    if (ts.isNumericLiteral(node.literal)) return Number(node.literal.text);
    if (ts.isStringLiteral(node.literal)) return node.literal.text;
    return null;
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) return subst.get(node.typeName.text) ?? null;
  if (ts.isNamedTupleMember(node)) return readDim(node.type, subst);
  return null;
}

function read(node: ts.TypeNode, sf: ts.SourceFile, subst: ReadonlyMap<string, DeclDim>, depth: number): DeclType {
  if (depth > 20) return { kind: "unknown", why: "type aliases nest too deeply" };
  if (node.kind === ts.SyntaxKind.NumberKeyword) return { kind: "number" };
  if (ts.isParenthesizedTypeNode(node)) return read(node.type, sf, subst, depth + 1);
  if (!ts.isTypeReferenceNode(node)) return { kind: "unknown", why: `\`${node.getText(sf)}\` is not a Tensor type` };
  const name = typeName(node.typeName);
  const args = node.typeArguments ?? [];
  if (name === "Scalar") return { kind: "tensor", shape: [] };
  if (name === "Tensor") {
    const t = args[0];
    if (!t || !ts.isTupleTypeNode(t)) return { kind: "unknown", why: "Tensor without a shape tuple" };
    const shape: DeclDim[] = [];
    for (const el of t.elements) {
      const d = readDim(el, subst);
      if (d === null) return { kind: "unknown", why: `dimension \`${el.getText(sf)}\` is neither a number nor a name` };
      shape.push(d);
    }
    return { kind: "tensor", shape };
  }
  const alias = ts.isIdentifier(node.typeName) ? aliasesOf(sf).get(name) : undefined;
  if (!alias) return { kind: "unknown", why: `type \`${name}\` is not declared in this file` };
  // Bind the alias's type parameters to this use's arguments (or their defaults).
  const inner = new Map(subst);
  (alias.typeParameters ?? []).forEach((tp, i) => {
    const arg = args[i] ?? tp.default;
    const d = arg ? readDim(arg, subst) : null;
    if (d !== null) inner.set(tp.name.text, d);
    else inner.delete(tp.name.text);
  });
  return read(alias.type, sf, inner, depth + 1);
}

export function readDeclType(node: ts.TypeNode | undefined, sf: ts.SourceFile): DeclType {
  if (!node) return { kind: "unknown", why: "no type annotation" };
  return read(node, sf, new Map(), 0);
}
