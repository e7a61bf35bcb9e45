// The analyzer's side of an op call's arguments: the catalog's split (src/ops/surface.ts) applied
// to TypeScript syntax, and attribute values read from literal syntax only — numbers, `-1`, string
// dims (normalised as dim expressions), array literals of those. An attribute written any other way
// makes the result unknown, never an error.

import { ts } from "ts-morph";
import { normalizeDim } from "../shape/dim";
import { splitCallArgs } from "../ops/surface";
import type { AttrDim, AttrName, OpAttrs, OpDef } from "../ops/types";

export interface OpCallArgs {
  /** Operand arguments (after the receiver, for a method), undefined where missing. */
  readonly operands: ReadonlyArray<ts.Expression | undefined>;
  /** A list op's list argument. */
  readonly list?: ts.Expression;
  /** The attributes written as literals. */
  readonly attrs: OpAttrs;
  /** Attribute arguments that are not literals (the result is then unknown), and arguments past the surface. */
  readonly unread: readonly ts.Expression[];
  /** Whether some attribute is given but not as a literal. */
  readonly nonLiteral: boolean;
  /** The attribute arguments by name, for fixes that edit one. */
  readonly attrNodes: Partial<Record<AttrName, ts.Expression>>;
}

function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
  return e;
}

/** A number literal, possibly negated. */
export function literalNumber(e: ts.Expression | undefined): number | undefined {
  if (!e) return undefined;
  e = unwrap(e);
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
  return undefined;
}

/** A dim written literally: a number, or a string normalised as a dim expression ("K+H" → "H+K"). */
export function literalAttrDim(e: ts.Expression | undefined): AttrDim | undefined {
  if (!e) return undefined;
  const n = literalNumber(e);
  if (n !== undefined) return n;
  const u = unwrap(e);
  if (ts.isStringLiteral(u) || ts.isNoSubstitutionTemplateLiteral(u)) return normalizeDim(u.text) as AttrDim;
  return undefined;
}

function literalArray<T>(e: ts.Expression, item: (x: ts.Expression) => T | undefined): T[] | undefined {
  const u = unwrap(e);
  if (!ts.isArrayLiteralExpression(u)) return undefined;
  const out: T[] = [];
  for (const el of u.elements) {
    const v = ts.isSpreadElement(el) ? undefined : item(el);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

const integer = (e: ts.Expression) => {
  const n = literalNumber(e);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
};

const LITERAL: { readonly [K in AttrName]-?: (e: ts.Expression) => OpAttrs[K] | undefined } = {
  axis: literalNumber,
  axes: (e) => literalArray(e, integer),
  shape: (e) => literalArray(e, literalAttrDim),
  start: literalAttrDim,
  end: literalAttrDim,
  exponent: literalNumber,
};

/** The arguments of a call of `op` (function form, or method form without its receiver). */
export function readOpCall(op: OpDef, args: readonly ts.Expression[], method: boolean): OpCallArgs {
  const split = splitCallArgs(op, args, method);
  const attrs: Record<string, unknown> = {};
  const unread: ts.Expression[] = split.extra.slice();
  let nonLiteral = false;
  for (const name in split.attrs) {
    const node = split.attrs[name as AttrName]!;
    const v = LITERAL[name as AttrName](node);
    if (v === undefined) {
      nonLiteral = true;
      unread.push(node);
    } else attrs[name] = v;
  }
  const list = split.list;
  return list
    ? { operands: split.operands, list, attrs: attrs as OpAttrs, unread, nonLiteral, attrNodes: split.attrs }
    : { operands: split.operands, attrs: attrs as OpAttrs, unread, nonLiteral, attrNodes: split.attrs };
}
