// The raw findings of inference, still attached to syntax nodes: hover entries and "sites" where
// a diagnostic applies. Handlers in src/diagnostics/handlers turn sites into diagnostics and fixes.

import type { ts } from "ts-morph";
import type { Shape } from "../shape/shape";
import type { ShapeProblem } from "../shape/problems";
import type { ShapeInfo } from "./api";

/** A hover/inlay entry, with offsets into the text inference ran over. */
export interface Entry {
  start: number;
  end: number;
  kind: ShapeInfo["kind"];
  name?: string;
  shape: Shape | null;
  prov: string;
  op?: string;
  operands?: ReadonlyArray<Shape | null>;
  /** A const/let/parameter declaration (what inlay hints show), and whether it was annotated. */
  decl?: boolean;
  annotated?: boolean;
  /** The `${…}` operand of a math template (what its inlay hint follows). */
  interpolation?: boolean;
}

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
  /** The diagnostic's range, per CLI.md: receiver start to method name end, or the whole call. */
  start: number;
  end: number;
  origins: DimOrigin[];
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
}

/** A problem reported by a plugged-in template analyzer, already worded. */
export interface TemplateSite {
  kind: "template";
  code: "template-syntax" | "matmul-mismatch" | "elementwise-mismatch" | "broadcast-expands" | "rank-mismatch";
  message: string;
  start: number;
  end: number;
  /** For shape problems at an operator: the token as written (`@`, `⊙`, `*`, …) and where it is. */
  token?: string;
  opStart?: number;
  opEnd?: number;
  /** The operator's operands: where they are, whether `ᵀ` can follow without parentheses, their shapes. */
  operands?: ReadonlyArray<{ start: number; end: number; atomic: boolean; shape: Shape | null }>;
}

export type Site = OpSite | AnnotationSite | TemplateSite;
