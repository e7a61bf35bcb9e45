// The seam where the math-template analyzer (a later issue) plugs in. Until one is registered,
// `` t`…` `` expressions infer as tensors of unknown shape; their interpolations are still analysed.

import type { ts } from "ts-morph";
import type { Shape } from "../shape/shape";
import type { TemplateSite } from "../diagnostics/sites";

/** One op of a template, for hovers (offsets absolute in the file). */
export interface TemplateOpEntry {
  op: string;
  start: number;
  end: number;
  opStart: number;
  opEnd: number;
  shape: Shape | null;
  operands: ReadonlyArray<Shape | null>;
}

export interface TemplateAnalysis {
  shape: Shape | null;
  /** One short provenance line for hovers. */
  prov?: string;
  /** Offsets are absolute in `sf`. */
  problems: Array<Omit<TemplateSite, "kind">>;
  ops?: TemplateOpEntry[];
}

/** Given the template node and the inferred shapes of its interpolations, in source order. */
export type TemplateAnalyzer = (node: ts.TaggedTemplateExpression, sf: ts.SourceFile, operands: ReadonlyArray<Shape | null>) => TemplateAnalysis;

let current: TemplateAnalyzer | undefined;

export function setTemplateAnalyzer(f: TemplateAnalyzer | undefined): void {
  current = f;
}

export function templateAnalyzer(): TemplateAnalyzer | undefined {
  return current;
}
