// What inlay hints show: `: [1,H]` after each tensor declaration whose shape is inferred, and
// after each tensor operand `${…}` of a math template. Decided here; the server only converts.

import type { Position, ShapeInfo } from "../analysis/api";
import { formatShape } from "../shape/shape";

export interface ShapeHint {
  /** Where the label goes: after the declared name, or after a template operand's `}`. */
  position: Position;
  label: string;
  /** Where the shape came from, on hover of the hint. */
  tooltip?: string;
}

/**
 * Hints for the shapes Workspace.shapesIn lists. Variables whose shape is written in their own
 * annotation never reach here: the hint would repeat what is on screen. Template operands get
 * theirs whatever their origin: in a formula the annotation is out of sight.
 */
export function shapeHints(infos: readonly ShapeInfo[]): ShapeHint[] {
  const hints: ShapeHint[] = [];
  for (const info of infos) {
    if (info.shape === null) continue;
    const label = `: ${formatShape(info.shape)}`;
    const from = info.provenance ? `, from ${info.provenance}` : "";
    if (info.interpolation) {
      hints.push({ position: info.range.end, label, tooltip: `\${${info.name ?? "…"}}${label}${from}` });
      continue;
    }
    // Unannotated parameters with a default (`x = zeros([1, "D"])`) get one too; `const a = x` of an annotated x does.
    if (info.kind !== "variable" && info.kind !== "parameter") continue;
    hints.push({ position: info.range.end, label, ...(info.provenance ? { tooltip: `${info.name ?? "value"}${label}${from}` } : {}) });
  }
  return hints;
}
