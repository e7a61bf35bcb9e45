// The raw findings of inference, still attached to syntax nodes: "sites" where a diagnostic
// applies, each with the typed data its handler words (never message text to parse). The analyzer
// produces them; the handlers in ./handlers turn them into diagnostics and fix candidates. This
// layer imports nothing of src/analysis: the dependency runs one way.

import type { ts } from "ts-morph";
import type { AttrName, OpAttrs } from "../ops/types";
import type { Dim, Shape } from "../shape/shape";
import type { ShapeProblem, ShapeProblemCode } from "../shape/problems";

/** How an op was written: `a.matmul(b)`, `matmul(a, b)` / `cr.matmul(a, b)`, or `a.T`. */
export type OpForm = "method" | "function" | "property";

/** Where a clashing dim came from: an annotation the user can jump to. */
export interface DimOrigin {
  dim: string | number;
  start: number;
  end: number;
  what: string;
}

export interface OpSite {
  kind: "op";
  problem: ShapeProblem;
  op: string;
  form: OpForm;
  /** The call (or property access for `.T`). */
  node: ts.Expression;
  /** The method name, callee name (`matmul` or `cr.matmul`'s `matmul`), or `T`. */
  name: ts.Node;
  /** Operand expressions in operand order (the receiver first for the method form). */
  operands: ReadonlyArray<ts.Expression | undefined>;
  shapes: ReadonlyArray<Shape | null>;
  /** The catalog op that produced each operand, when one did (the diagonal-Jacobian note reads it). */
  operandOps: ReadonlyArray<string | undefined>;
  /**
   * How firmly each operand's layout is declared: 2 for a name with a declared shape (an annotated
   * parameter or variable, a declared field), 1 for an element-wise op on one (`x.sub(mu)`), else 0.
   * A transpose fix goes on the less anchored operand, when both would check.
   */
  anchored: readonly number[];
  /**
   * Whether each operand is a transpose already (`x.T`): removing it, when that checks, comes before
   * transposing the other operand (a stray `.T` is likelier than a missing one next to it).
   */
  restores?: readonly boolean[];
  /** The diagnostic's range, per CLI.md v2: the method name to the call's closing parenthesis, or the whole call. */
  start: number;
  end: number;
  origins: DimOrigin[];
  /** The attributes the op was called with (literal ones) and their argument nodes, for fixes that edit one. */
  attrs?: OpAttrs;
  attrNodes?: Partial<Record<AttrName, ts.Expression>>;
}

export interface AnnotationSite {
  kind: "annotation";
  /** Range of the diagnostic. */
  start: number;
  end: number;
  /** The annotation, when changing it is the fix (variables and return types, not call arguments). */
  typeNode?: ts.TypeNode;
  declared: Shape | null;
  inferred: Shape | null;
  /** What was annotated: a variable, a function's return type, or a parameter given an argument. */
  role: "variable" | "return" | "argument";
  /** The variable's name, the function's name, or `x of f` for an argument. */
  what: string;
  origin?: DimOrigin;
  /** For an argument of a generic function: the parameter's annotation as written, and the dims this call bound. */
  written?: Shape | null;
  bindings?: ReadonlyArray<readonly [string, Dim]>;
}

/** A problem reported by a plugged-in template analyzer, already worded. */
export interface TemplateSite {
  kind: "template";
  code: "template-syntax" | ShapeProblemCode;
  message: string;
  start: number;
  end: number;
  /** For shape problems at an operator: the token as written (`@`, `⊙`, `*`, …) and where it is. */
  token?: string;
  opStart?: number;
  opEnd?: number;
  /**
   * The operator's operands: where they are, whether `ᵀ` can follow without parentheses, their
   * shapes, and where the `ᵀ` / `.T` is when the operand is itself a transpose (`${W2}ᵀ`).
   */
  operands?: ReadonlyArray<{ start: number; end: number; atomic: boolean; shape: Shape | null; op?: string; transposeToken?: { start: number; end: number } }>;
}

/** One pass of a loop body changes the shape of a variable carried around the loop. */
export interface LoopSite {
  kind: "loop";
  /** The assignment inside the loop that changed it. */
  start: number;
  end: number;
  name: string;
  before: Shape;
  after: Shape;
}

/** A call whose callee, inferred with this call's arguments, has shape problems. */
export interface CallSite {
  kind: "call";
  /** The callee's name to the call's closing parenthesis. */
  start: number;
  end: number;
  callee: string;
  /** The problems inside the callee, worded, with where they are (another file, or this unit). */
  problems: ReadonlyArray<{ code: string; message: string; file?: string; start: number; end: number }>;
}

/** Code nested too deeply to analyse (the analyzer stops there rather than overflow its stack). */
export interface LimitSite {
  kind: "limit";
  start: number;
  end: number;
  message: string;
}

/** What inference reports inside a unit. */
export type Site = OpSite | AnnotationSite | TemplateSite | LoopSite | CallSite | LimitSite;

/** A place in another file (absolute offsets), or in the diagnostic's own text when `file` is absent. */
export interface Spot {
  file?: string;
  start: number;
  end: number;
}

/** `@gradient F P` that does not resolve: the tag is malformed, or F or P (or an object key) is not found. */
export interface GradientUnresolvedSite {
  kind: "gradient-unresolved";
  start: number;
  end: number;
  of: string;
  missing:
    | { what: "tag"; problem: string }
    | { what: "function" }
    | { what: "parameter" | "key"; name: string; params: readonly string[] };
}

/** `@gradient F …` where F returns a non-scalar. */
export interface GradientNonscalarSite {
  kind: "gradient-of-nonscalar";
  start: number;
  end: number;
  of: string;
  returns: Shape;
  decl: Spot;
}

/** A gradient that returns another shape than its parameter's. */
export interface GradientShapeSite {
  kind: "gradient-shape-mismatch";
  start: number;
  end: number;
  gradient: string;
  of: string;
  param: string;
  expected: Shape;
  got: Shape;
  where?: Spot;
}

/** The file's first parse error (`chainrule check` only). */
export interface SyntaxSite {
  kind: "syntax";
  start: number;
  end: number;
  message: string;
  more: number;
}

/** A file `check` or `verify` could not read. */
export interface UnreadableSite {
  kind: "unreadable";
  start: number;
  end: number;
  display: string;
  problem: string;
}

/** Every kind of site a handler words. */
export type AnySite = Site | GradientUnresolvedSite | GradientNonscalarSite | GradientShapeSite | SyntaxSite | UnreadableSite;
