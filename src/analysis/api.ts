// The analyzer's public result types: plain data, positions as LSP-style 0-based lines and UTF-16
// characters, no LSP or vscode types. server/ converts these to LSP by hand; the CLI prints them.

import type { Shape } from "../shape/shape";
import type { DiagnosticCode, Severity } from "../diagnostics/registry";
import type { SampleKind } from "../gradient/tags";

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  title: string;
  isPreferred: boolean;
  /** Applying all edits of one fix (as an LSP WorkspaceEdit would) gives valid TypeScript. */
  edits: TextEdit[];
}

export interface RelatedInfo {
  /** Absolute path of the file, when it is not the diagnostic's own. */
  file?: string;
  range: Range;
  message: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  range: Range;
  fixes: Fix[];
  /** E.g. where a clashing dim came from. */
  related: RelatedInfo[];
}

/** What hover and inlay hints show for one expression, variable or parameter. */
export interface ShapeInfo {
  range: Range;
  kind: "variable" | "parameter" | "expression" | "operator";
  /** Variable or parameter name, the op name for an operator, or the interpolated expression's text. */
  name?: string;
  shape: Shape | null;
  /** Where the shape came from, one short line ("annotation", "matmul [1,D] @ [D,H]", …). */
  provenance: string;
  /** For an operator: the catalog op, so hovers can show its rule and Jacobian. */
  op?: string;
  /** For an operator: its operands' shapes. */
  operands?: ReadonlyArray<Shape | null>;
  /** For an operator: the catalog op each operand came from, when one did (the diagonal-Jacobian note reads it). */
  operandOps?: ReadonlyArray<string | undefined>;
  /**
   * Set on an operand `${…}` of a math template t`…` (kind "expression"): the range covers `${…}`
   * from `$` to `}`, so an inlay hint goes after the `}`.
   */
  interpolation?: boolean;
}

/** A `@gradient F P` pairing found in the file, resolved as far as it goes. */
export interface GradientPairing {
  /** The gradient function's name and the range of its name. */
  gradient: string;
  range: Range;
  /** The range of its `@gradient F P` tag. */
  tagRange: Range;
  of: string;
  /** Parameters the gradient is taken with respect to (one for `@gradient F P`, the object keys otherwise). */
  wrt: string[];
  /** Dims bound by `@dims` on either function. */
  dims: Record<string, number>;
  /** `@sample` choices on either function, by parameter. */
  samples: Record<string, SampleKind>;
  /** Path of the file that declares F, when resolved. */
  ofFile?: string;
  resolved: boolean;
}

/** One of F's parameters as the gradient checker needs it (`GradientTarget.ofParams`). */
export interface GradientParam {
  name: string;
  /**
   * Its declared shape: F's annotation, else the gradient's parameter of the same name. `null` when
   * neither declares every dim; `[]` for a plain `number`.
   */
  shape: Shape | null;
  /** Annotated as plain `number` (through aliases): passed as a number, not a tensor. */
  number: boolean;
}

/**
 * A pairing with what the numeric gradient checker needs beyond the editor's view
 * (`Workspace.gradientTargets`): syntax and annotations only, nothing is run.
 */
export interface GradientTarget extends GradientPairing {
  /** `@gradient F` (no P): the gradient returns an object of partial derivatives. */
  objectForm: boolean;
  /** The gradient function's own parameter names, in order (it must take F's). */
  params: string[];
  /** F's parameters in order; absent when F did not resolve. */
  ofParams?: GradientParam[];
  /** Problems in the gradient function's own tags (`@dims D=0`), worded. */
  tagProblems: string[];
  /** Parameters that flow into the label argument of crossEntropy in F or the gradient. */
  labelParams: string[];
  /** Symbolic dims named in constructor calls (`zeros([1, "D"])`) in F's body, then the gradient's. */
  bodyDims: string[];
}

export interface FileAnalysis {
  /** Absolute path. */
  file: string;
  /** False for files that do not import from "chainrule": they get nothing and cost nothing. */
  isDsl: boolean;
  diagnostics: Diagnostic[];
  gradients: GradientPairing[];
}

/** Cooperative cancellation: the core checks it between functions. */
export interface CancellationToken {
  readonly isCancellationRequested: boolean;
}

export class CancelledError extends Error {
  constructor() {
    super("analysis cancelled");
    this.name = "CancelledError";
  }
}
