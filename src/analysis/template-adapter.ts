// Plugs the math-template module (src/template) into inference: finds each literal part's text
// and file offset in the TypeScript AST, runs analyzeTemplate, and hands back shapes, worded
// problems (with operator and operand spans, for fixes) and operator entries for hovers.

import { ts } from "ts-morph";
import { analyzeTemplate, templateSpanToOffsets } from "../template";
import type { TemplateAnalysis, TemplateAnalyzer } from "./template-hook";

/** Postfix ᵀ can follow these without parentheses. */
const ATOMIC = new Set(["operand", "number", "call", "paren", "unary"]);

export const templateAnalyzerImpl: TemplateAnalyzer = (node, sf, operandShapes): TemplateAnalysis => {
  const tpl = node.template;
  const text = sf.text;
  let parts: string[];
  let partStarts: number[];
  if (ts.isNoSubstitutionTemplateLiteral(tpl)) {
    const start = tpl.getStart(sf) + 1;
    partStarts = [start];
    parts = [text.slice(start, Math.max(start, tpl.end - 1))];
  } else {
    const literals: ts.Node[] = [tpl.head, ...tpl.templateSpans.map((s) => s.literal)];
    partStarts = literals.map((l) => l.getStart(sf) + 1);
    parts = literals.map((l, i) => {
      const last = i === literals.length - 1;
      // An unterminated template has no closing backtick to drop.
      const closes = last ? (text[l.end - 1] === "`" ? 1 : 0) : 2;
      return text.slice(partStarts[i]!, Math.max(partStarts[i]!, l.end - closes));
    });
  }
  const a = analyzeTemplate(parts, partStarts, operandShapes);
  const offsets = (s: Parameters<typeof templateSpanToOffsets>[0]) => templateSpanToOffsets(s, partStarts);
  const problems: TemplateAnalysis["problems"] = a.diagnostics
    .filter((d) => d.code === "template-syntax")
    .map((d) => ({ code: d.code, message: d.message, start: d.start, end: d.end }));
  for (const p of a.shapes.problems) {
    const op = offsets(p.opSpan);
    const n = p.node;
    const token = n.kind === "binary" || n.kind === "unary" ? n.token : n.kind === "call" ? n.name : undefined;
    const children = n.kind === "binary" ? [n.left, n.right] : [];
    problems.push({
      code: p.problem.code, message: p.problem.message,
      // The diagnostic sits on the operator character itself (`@`, `⊙`, `ᵀ`, a function name):
      // inside a one-line formula that is what the reader must change; the operands are in the message.
      start: op.start, end: Math.max(op.end, op.start + 1), opStart: op.start, opEnd: op.end,
      ...(token ? { token } : {}),
      operands: p.operandSpans.map((s, i) => ({
        ...offsets(s),
        atomic: children[i] ? ATOMIC.has(children[i]!.kind) : false,
        ...(children[i]?.kind === "unary" && children[i]!.op === "transpose" ? { transposeToken: offsets(children[i]!.opSpan) } : {}),
        shape: (children[i] && a.shapes.nodes[children[i]!.id]?.shape) ?? null,
        ...(children[i] && a.shapes.nodes[children[i]!.id]?.op ? { op: a.shapes.nodes[children[i]!.id]!.op! } : {}),
      })),
    });
  }
  return {
    shape: a.shape, prov: a.prov, problems,
    ops: a.ops.map((o) => ({ op: o.op, start: o.start, end: o.end, opStart: o.opStart, opEnd: o.opEnd, shape: o.shape, operands: o.operands })),
  };
};
