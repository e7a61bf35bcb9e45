// What a diagnostic handler is and produces: one handler per code (handlers/index.ts checks the set
// is exhaustive), turning a site of its code into a worded diagnostic with candidate fixes. The
// analyzer verifies each candidate (src/analysis/fixes.ts) before offering it; handlers only
// propose. Offsets are into the text the site was inferred over.

import type { ts } from "ts-morph";
import type { DiagnosticCode, Severity } from "../registry";
import type {
  AnnotationSite, GradientNonscalarSite, GradientShapeSite, GradientUnresolvedSite, LimitSite, LoopSite, OpSite, SyntaxSite,
  TemplateSite, UnreadableSite,
} from "../sites";

export interface RawEdit {
  start: number;
  end: number;
  newText: string;
}

export interface FixCandidate {
  title: string;
  /** Which family of fix, for ordering ("⊙↔matmul before transposes"). */
  family: "swap-op" | "transpose" | "swap-operands" | "annotation";
  /** Overrides the family's rank among fixes that check (lower first); set by handlers that know better. */
  priority?: number;
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
  /** Offsets in the diagnostic's own text, or absolute in `file` when given (a callee in another file). */
  related: Array<{ start: number; end: number; message: string; file?: string }>;
  candidates: FixCandidate[];
}

/** What the names in the file are, as far as fixes that rename or import one need to know. */
export interface Names {
  /** The chainrule export a local name is imported as, if any. */
  chainrule(local: string): string | undefined;
  /** The local name a chainrule export is imported under, if any. */
  chainruleLocal(exported: string): string | undefined;
  /** Whether a name is taken by something else in the file (a function, a module variable). */
  taken(name: string): boolean;
}

export interface HandlerContext {
  sf: ts.SourceFile;
  names: Names;
}

/** A draft without what the registry owns (the code is the handler's, the severity the registry's). */
export type Worded = Omit<DiagnosticDraft, "code" | "severity">;

type ShapeCodeSite = OpSite | TemplateSite;

/** The sites each code's handler words. */
export interface SiteOf {
  "matmul-mismatch": ShapeCodeSite;
  "elementwise-mismatch": ShapeCodeSite;
  "broadcast-expands": ShapeCodeSite;
  "rank-mismatch": ShapeCodeSite;
  "shape-mismatch": ShapeCodeSite;
  "annotation-mismatch": AnnotationSite;
  "template-syntax": TemplateSite;
  "loop-shape-changes": LoopSite;
  "analysis-limit": LimitSite;
  "gradient-unresolved": GradientUnresolvedSite;
  "gradient-of-nonscalar": GradientNonscalarSite;
  "gradient-shape-mismatch": GradientShapeSite;
  "syntax-error": SyntaxSite;
  "file-unreadable": UnreadableSite;
}

/** One diagnostic code's handler: its message and fix candidates for a site of that code. */
export interface Handler<C extends DiagnosticCode> {
  readonly code: C;
  diagnose(site: SiteOf[C], ctx: HandlerContext): Worded;
}
