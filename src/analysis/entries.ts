// What inference records for hovers and inlay hints: one entry per tensor-valued name,
// expression and operator, with offsets into the text inference ran over.

import type { Shape } from "../shape/shape";
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
  operandOps?: ReadonlyArray<string | undefined>;
  /** A const/let/parameter declaration (what inlay hints show), and whether it was annotated. */
  decl?: boolean;
  annotated?: boolean;
  /** The `${…}` operand of a math template (what its inlay hint follows). */
  interpolation?: boolean;
  /** An assignment to an existing `let` (its inlay hint shows the new shape). */
  reassigned?: boolean;
}

