// Edit builders shared by the handlers' fixes: transposing an operand, renaming an op in the
// form the file wrote it, swapping operands. Each yields edits that keep the text valid TypeScript.

import { ts } from "ts-morph";
import type { OpSite } from "../sites";
import type { FixCandidate, HandlerContext, RawEdit } from "./types";

/** Can `.T` / `.method()` be appended to this expression without parentheses? */
export function isPostfixSafe(e: ts.Expression): boolean {
  return (
    ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e) ||
    ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || e.kind === ts.SyntaxKind.ThisKeyword
  );
}

/** `x.T` transposed again is `x`: the fix removes the `.T` rather than stacking another. */
function transposedAlready(e: ts.Expression): ts.PropertyAccessExpression | undefined {
  return ts.isPropertyAccessExpression(e) && e.name.text === "T" ? e : undefined;
}

/**
 * `k.transpose([0, 2, 1])` (a batch of matrices with its last two axes already swapped, written
 * as a method with literal axes) transposed again is `k`: as for `x.T`, the fix removes the call
 * rather than stacking `.transpose([0, 2, 1]).transpose([0, 2, 1])`.
 */
function batchTransposedAlready(e: ts.Expression, rank: number): ts.CallExpression | undefined {
  if (rank < 3 || !ts.isCallExpression(e) || e.arguments.length !== 1) return undefined;
  const callee = e.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== "transpose") return undefined;
  const axes = e.arguments[0]!;
  if (!ts.isArrayLiteralExpression(axes) || axes.elements.length !== rank) return undefined;
  const want = transposeSuffix(rank).slice(".transpose(".length, -1);
  return axes.getText().replace(/\s+/g, "") === want.replace(/\s+/g, "") ? e : undefined;
}

/** An operand as a transpose fix's title names it: one line, cut at 32 characters, parenthesized unless a postfix can follow it. */
export function operandLabel(text: string, postfixSafe: boolean): string {
  const line = text.replace(/\s+/g, " ");
  return line.length > 32 ? `(${line.slice(0, 29)}…)` : postfixSafe ? line : `(${line})`;
}

/** What "Remove the transpose" leaves, as its title names it: one line, at most 32 characters. */
export function untransposedLabel(text: string): string {
  return text.replace(/\s+/g, " ").slice(0, 32);
}

/** `.T` for a matrix; for a batch of matrices (rank ≥ 3), the transpose of its last two axes. */
function transposeSuffix(rank: number): string {
  if (rank === 2) return ".T";
  const axes = Array.from({ length: rank }, (_, i) => (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2));
  return `.transpose([${axes.join(", ")}])`;
}

export function transposeEdits(e: ts.Expression, sf: ts.SourceFile, rank = 2): RawEdit[] {
  const t = rank === 2 ? transposedAlready(e) : undefined;
  if (t) return [{ start: t.expression.end, end: t.end, newText: "" }];
  const bt = batchTransposedAlready(e, rank);
  if (bt) return [{ start: (bt.expression as ts.PropertyAccessExpression).expression.end, end: bt.end, newText: "" }];
  const suffix = transposeSuffix(rank);
  if (isPostfixSafe(e)) return [{ start: e.end, end: e.end, newText: suffix }];
  return [
    { start: e.getStart(sf), end: e.getStart(sf), newText: "(" },
    { start: e.end, end: e.end, newText: `)${suffix}` },
  ];
}

/**
 * A transpose of each matrix operand. The operand that is out of place goes first: of two that
 * would both check, not the one with a declared shape (an annotated parameter, a declared field),
 * so `W2.sub(dW2)` transposes the gradient, not the weights.
 */
export function transposeCandidates(site: OpSite, ctx: HandlerContext): FixCandidate[] {
  const out: FixCandidate[] = [];
  const names = ["left", "right"];
  site.operands.forEach((node, i) => {
    const s = site.shapes[i];
    // A number or a non-matrix cannot be transposed; verification would reject it anyway. A batch
    // of matrices (batched matmul) transposes its last two axes.
    if (!node || !s || i > 1 || !(s.length === 2 || (s.length > 2 && site.op === "matmul"))) return;
    const t = transposedAlready(node);
    const bt = batchTransposedAlready(node, s.length);
    // What the fix leaves when the operand is a transpose already: the transposed expression.
    const undone = t && s.length === 2 ? t.expression : bt ? (bt.expression as ts.PropertyAccessExpression).expression : undefined;
    const shown = operandLabel(node.getText(ctx.sf), isPostfixSafe(node));
    const title = undone
      ? `Remove the transpose of the ${names[i]} operand (${untransposedLabel(undone.getText(ctx.sf))})`
      : s.length === 2
        ? `Transpose the ${names[i]} operand (${shown}ᵀ)`
        : `Transpose the last two axes of the ${names[i]} operand (${shown}${transposeSuffix(s.length)})`;
    // Undoing `x.T` of a declared x first; when one operand can be undone, transposing the other
    // also ranks after ⊙↔matmul (0), as transposes do (CLI.md).
    const restorable = site.restores?.some((r, k) => r && k < 2 && site.shapes[k]?.length === 2) ?? false;
    const priority = site.anchored[i] === 2 ? 0.5 : site.anchored[i] === 1 ? 0.3 : restorable && !(undone && site.restores?.[i]) ? 0.25 : 0;
    out.push({ title, family: "transpose", edits: transposeEdits(node, ctx.sf, s.length), priority });
  });
  return out;
}

/** `a.matmul(b)` → `a.mul(b)`, `matmul(a, b)` → `mul(a, b)` (importing mul if needed), `cr.matmul` → `cr.mul`. */
export function renameOpCandidate(site: OpSite, target: string, title: string, ctx: HandlerContext): FixCandidate | undefined {
  const start = site.name.getStart(ctx.sf);
  const end = site.name.end;
  if (site.form === "method") return { title, family: "swap-op", edits: [{ start, end, newText: target }] };
  if (site.form !== "function") return undefined;
  const callee = (site.node as ts.CallExpression).expression;
  if (ts.isPropertyAccessExpression(callee)) return { title, family: "swap-op", edits: [{ start, end, newText: target }] };
  const local = ctx.names.chainruleLocal(target);
  if (local) return { title, family: "swap-op", edits: [{ start, end, newText: local }] };
  // The bare name must be free in the file to be imported under it.
  if (ctx.names.chainrule(target) !== undefined || ctx.names.taken(target)) return undefined;
  return { title, family: "swap-op", edits: [{ start, end, newText: target }], addImport: target };
}

export function swapOperandsCandidate(site: OpSite, ctx: HandlerContext): FixCandidate | undefined {
  const [a, b] = site.operands;
  if (!a || !b) return undefined;
  // Swapping cannot help an operand of rank < 2 (it stays one on the other side), and in the
  // method form a number argument would become the receiver: `W.matmul(2)` → `(2).matmul(W)`,
  // which TypeScript rejects (number has no matmul) and which the analyzer, seeing no tensor
  // receiver, would wrongly count as checking (CLI.md: a fix must check and give valid TypeScript).
  if (site.shapes.some((s) => !s || s.length < 2)) return undefined;
  const at = a.getText(ctx.sf);
  const bt = b.getText(ctx.sf);
  // In the method form the right operand becomes the receiver, which must take a postfix call.
  const bAsFirst = site.form === "method" && !isPostfixSafe(b) ? `(${bt})` : bt;
  return {
    title: "Swap the operands",
    family: "swap-operands",
    edits: [
      { start: a.getStart(ctx.sf), end: a.end, newText: bAsFirst },
      { start: b.getStart(ctx.sf), end: b.end, newText: at },
    ],
  };
}

/** `[1,H]`-style shapes are written back as `Tensor<[1, "H"]>` with the file's name for Tensor. */
export function tensorTypeText(shape: readonly (string | number | null)[], ctx: HandlerContext): string | undefined {
  if (shape.some((d) => d === null)) return undefined;
  const local = ctx.names.chainruleLocal("Tensor");
  let name = local;
  if (!name) {
    for (const st of ctx.sf.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text === "chainrule") {
        const nb = st.importClause?.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) name = `${nb.name.text}.Tensor`;
      }
    }
  }
  if (!name) return undefined;
  return `${name}<[${shape.map((d) => (typeof d === "string" ? JSON.stringify(d) : String(d))).join(", ")}]>`;
}
