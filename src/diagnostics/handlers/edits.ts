// Edit builders shared by the handlers' fixes: transposing an operand, renaming an op in the
// form the file wrote it, swapping operands. Each yields edits that keep the text valid TypeScript.

import { ts } from "ts-morph";
import type { OpSite } from "../../analysis/sites";
import type { FixCandidate, HandlerContext, RawEdit } from "./types";

/** Can `.T` / `.method()` be appended to this expression without parentheses? */
export function isPostfixSafe(e: ts.Expression): boolean {
  return (
    ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e) ||
    ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || e.kind === ts.SyntaxKind.ThisKeyword
  );
}

export function transposeEdits(e: ts.Expression, sf: ts.SourceFile): RawEdit[] {
  if (isPostfixSafe(e)) return [{ start: e.end, end: e.end, newText: ".T" }];
  return [
    { start: e.getStart(sf), end: e.getStart(sf), newText: "(" },
    { start: e.end, end: e.end, newText: ").T" },
  ];
}

export function transposeCandidates(site: OpSite, ctx: HandlerContext): FixCandidate[] {
  const out: FixCandidate[] = [];
  const names = ["left", "right"];
  site.operands.forEach((node, i) => {
    const s = site.shapes[i];
    // A number or a non-matrix cannot be transposed; verification would reject it anyway.
    if (!node || !s || s.length !== 2 || i > 1) return;
    const text = node.getText(ctx.sf).replace(/\s+/g, " ");
    const shown = text.length > 32 ? `(${text.slice(0, 29)}…)` : isPostfixSafe(node) ? text : `(${text})`;
    out.push({ title: `Transpose the ${names[i]} operand (${shown}ᵀ)`, family: "transpose", edits: transposeEdits(node, ctx.sf) });
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
  const local = ctx.lookup.chainruleLocal(target);
  if (local) return { title, family: "swap-op", edits: [{ start, end, newText: local }] };
  // The bare name must be free in the file to be imported under it.
  if (ctx.lookup.chainrule(target) !== undefined || ctx.lookup.fn(target) || ctx.lookup.moduleVar(target)) return undefined;
  return { title, family: "swap-op", edits: [{ start, end, newText: target }], addImport: target };
}

export function swapOperandsCandidate(site: OpSite, ctx: HandlerContext): FixCandidate | undefined {
  const [a, b] = site.operands;
  if (!a || !b) return undefined;
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
  const local = ctx.lookup.chainruleLocal("Tensor");
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
