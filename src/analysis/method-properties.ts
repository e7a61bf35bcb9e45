// Methods written as class properties holding a function: `forward = (x: Tensor<[1, "D"]>) =>
// x.matmul(this.W)` (an arrow keeps `this` bound, so it is common in classes whose methods are
// passed around as callbacks). DSL.md "Where shapes come from" 7: methods infer like functions,
// and `c.m(x)` follows the method. Such a property is a method for the analysis: its function is
// the method's node, it is a unit of its own like a method declaration, and it is not a field.

import { ts } from "ts-morph";

export type MethodProperty = ts.PropertyDeclaration & { readonly initializer: ts.ArrowFunction | ts.FunctionExpression; readonly name: ts.Identifier | ts.PrivateIdentifier };

/** Is this class member a non-static property, without a type annotation, initialised with a function literal? */
export function isMethodProperty(m: ts.ClassElement): m is MethodProperty {
  if (!ts.isPropertyDeclaration(m) || m.type || !m.initializer) return false;
  if (!(ts.isIdentifier(m.name) || ts.isPrivateIdentifier(m.name))) return false;
  if (isStatic(m)) return false;
  // Not through parentheses: the method's node is the initializer itself (MethodProperty's type).
  return ts.isArrowFunction(m.initializer) || ts.isFunctionExpression(m.initializer);
}

export function isStatic(m: ts.Node): boolean {
  return ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.StaticKeyword);
}

/**
 * Whether an instance member of `c` is also called `name`: a static method of that name would be
 * the same member unit (`C.name`) as it, so the static one is not followed.
 */
export function staticShadowed(c: ts.ClassLikeDeclaration, name: string): boolean {
  return c.members.some((o) => !isStatic(o) && o.name !== undefined && (ts.isIdentifier(o.name) || ts.isPrivateIdentifier(o.name) || ts.isStringLiteral(o.name)) && o.name.text === name);
}
