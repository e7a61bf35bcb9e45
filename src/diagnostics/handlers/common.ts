// What the handlers share: related information pointing at the annotations that gave the clashing
// dims, and shape tests for fix ranking. Words about shapes are src/text/shape-phrases.ts.

import type { OpSite } from "../sites";
import type { Dim, Shape } from "../../shape/shape";
import { formatDim } from "../../shape/shape";
import type { DiagnosticDraft } from "./types";

export function originsRelated(site: OpSite): DiagnosticDraft["related"] {
  return site.origins.map((o) => ({ start: o.start, end: o.end, message: `${o.dim} comes from ${o.what}` }));
}

/** The first pair of dims that clash between two shapes of the same rank. */
export function firstClash(a: Shape | null, b: Shape | null): [Dim, Dim] | undefined {
  if (!a || !b || a.length !== b.length) return undefined;
  for (let i = 0; i < a.length; i++) if (a[i] !== null && b[i] !== null && a[i] !== b[i]) return [a[i]!, b[i]!];
  return undefined;
}

export function isScalar(s: Shape | null | undefined): boolean {
  return !!s && (s.length === 0 || s.every((d) => d === 1));
}

/** An element-wise op of these operand shapes stretches a non-scalar operand. */
export function broadcastsOperand(a: Shape | null | undefined, b: Shape | null | undefined): boolean {
  if (!a || !b || isScalar(a) || isScalar(b)) return false;
  return a.length !== b.length || a.some((d, i) => d !== b[i]);
}

export { formatDim };

