// A template's whole static analysis as plain data in file offsets: parse, infer shapes, and word
// every syntax error and shape problem, so the analyzer's TypeScript-side adapter only has to find
// the parts' text and start offsets.

import type { ShapeProblemCode } from "../shape/problems";
import { formatShape, Shape } from "../shape/shape";
import { operatorSpan, ParsedTemplate, TemplateErrorKind, TemplateSpan, templateSpanToOffsets } from "./ast";
import { inferTemplateShapes, TemplateShapes } from "./evaluate";
import { parseTemplate } from "./parser";

export interface TemplateDiagnostic {
  readonly code: "template-syntax" | ShapeProblemCode;
  readonly severity: "error" | "warning";
  readonly message: string;
  /** File offsets, half-open; never empty (an error at the end covers the closing backtick). */
  readonly start: number;
  readonly end: number;
  /** For syntax errors: which one, e.g. to offer "insert ⊙" for `implicit-multiplication`. */
  readonly syntax?: TemplateErrorKind;
  /** For implicit multiplication: where an operator would be inserted. */
  readonly insertAt?: number;
  /** For shape problems: the operator token or function name, where an operator fix edits. */
  readonly opStart?: number;
  readonly opEnd?: number;
}

/** One op node of the template, for hovers and inlay hints. */
export interface TemplateOpInfo {
  readonly op: string;
  /** As written: `@`, `⊙`, `*`, `ᵀ`, `.T`, `σ`, `sigmoid`, … */
  readonly token: string;
  readonly start: number;
  readonly end: number;
  readonly opStart: number;
  readonly opEnd: number;
  readonly shape: Shape | null;
  readonly operands: ReadonlyArray<Shape | null>;
}

export interface TemplateFileAnalysis {
  readonly parsed: ParsedTemplate;
  readonly shapes: TemplateShapes;
  readonly shape: Shape | null;
  /** One short provenance line for hovers, e.g. "t`…` → [1,D]". */
  readonly prov: string;
  readonly diagnostics: readonly TemplateDiagnostic[];
  readonly ops: readonly TemplateOpInfo[];
}

/**
 * Analyse one template. `parts` are the file texts of its literal parts (between the backtick,
 * `${`, `}` and the closing backtick), `partStarts` where each starts in the file, `operandShapes`
 * the interpolations' inferred shapes in source order (null when unknown).
 */
export function analyzeTemplate(
  parts: readonly string[],
  partStarts: readonly number[],
  operandShapes: ReadonlyArray<Shape | null>,
): TemplateFileAnalysis {
  const parsed = parseTemplate(parts);
  const shapes = inferTemplateShapes(parsed.root, operandShapes);
  const offsets = (s: TemplateSpan) => {
    const r = templateSpanToOffsets(s, partStarts);
    return r.end > r.start ? r : { start: r.start, end: r.start + 1 };
  };
  const diagnostics: TemplateDiagnostic[] = parsed.errors.map((e) => ({
    code: "template-syntax",
    severity: "error",
    message: e.message,
    ...offsets(e.span),
    syntax: e.kind,
    ...(e.insertAt ? { insertAt: partStarts[e.insertAt.part]! + e.insertAt.offset } : {}),
  }));
  for (const p of shapes.problems) {
    const op = offsets(p.opSpan);
    diagnostics.push({
      code: p.problem.code,
      severity: p.severity,
      message: p.problem.message,
      ...offsets(p.span),
      opStart: op.start,
      opEnd: op.end,
    });
  }
  const ops: TemplateOpInfo[] = [];
  for (const n of shapes.nodes) {
    if (!n?.op) continue;
    const node = n.node;
    const token = node.kind === "binary" || node.kind === "unary" || node.kind === "power" ? node.token : node.kind === "call" ? node.name : n.op;
    const op = offsets(operatorSpan(node));
    ops.push({ op: n.op, token, ...offsets(node.span), opStart: op.start, opEnd: op.end, shape: n.shape, operands: n.operands ?? [] });
  }
  const prov = parsed.errors.length ? "t`…` (does not parse)" : `t\`…\` → ${formatShape(shapes.shape)}`;
  return { parsed, shapes, shape: parsed.errors.length ? null : shapes.shape, prov, diagnostics, ops };
}
