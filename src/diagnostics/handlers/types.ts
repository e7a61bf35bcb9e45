// What a diagnostic handler produces from a site: a worded diagnostic with candidate fixes. The
// analyzer verifies each candidate (src/analysis/fixes.ts) before offering it; handlers only
// propose. Offsets are into the text the site was inferred over.

import type { ts } from "ts-morph";
import type { DiagnosticCode, Severity } from "../registry";
import type { Lookup } from "../../analysis/lookup";

export interface RawEdit {
  start: number;
  end: number;
  newText: string;
}

export interface FixCandidate {
  title: string;
  /** Which family of fix, for ordering ("⊙↔matmul before transposes"). */
  family: "swap-op" | "transpose" | "swap-operands" | "annotation";
  edits: RawEdit[];
  /** A chainrule export the fix needs imported (added to the file's import as a second edit). */
  addImport?: string;
}

export interface DiagnosticDraft {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  related: Array<{ start: number; end: number; message: string }>;
  candidates: FixCandidate[];
}

export interface HandlerContext {
  sf: ts.SourceFile;
  lookup: Lookup;
}
