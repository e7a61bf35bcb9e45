// Static gradient pairing: for each `@gradient F [P]` function, resolve F (same file or imported),
// check P is a parameter of F, that F returns a scalar and that the gradient returns P's shape
// (each entry's shape for the object form). Produces GradientPairing records and diagnostics.

import { gradientOfNonscalar } from "../diagnostics/handlers/gradient-of-nonscalar";
import { gradientShapeMismatch } from "../diagnostics/handlers/gradient-shape-mismatch";
import { gradientUnresolved } from "../diagnostics/handlers/gradient-unresolved";
import type { GradientDraft } from "../diagnostics/handlers/gradient-types";
import type { GradientPairing } from "./api";
import type { Shape } from "../shape/shape";
import type { FileState, ResolvedFn } from "./file-state";
import type { FnMeta } from "./unit";
import { shapeOf } from "./values";

/** A pairing before conversion to line/character: offsets absolute in the gradient's file. */
/** A GradientPairing before offsets become line/character: the range is the name's offsets. */
export interface RawPairing extends Omit<GradientPairing, "range"> {
  nameStart: number;
  nameEnd: number;
}

/** The shape parameter p must have: its annotation in F, else in the gradient function. */
function paramShape(p: string, of: ResolvedFn | undefined, own: FnMeta): { shape: Shape | null; where?: { state?: FileState; start: number; end: number } } {
  const inF = of?.meta.params.find((q) => q.name === p);
  const fShape = inF ? shapeOf(inF.value) : null;
  if (of && inF && fShape && inF.typeStart !== undefined) {
    return { shape: fShape, where: { state: of.state, start: of.unit.pos + inF.typeStart, end: of.unit.pos + inF.typeEnd! } };
  }
  const mine = own.params.find((q) => q.name === p);
  return { shape: (mine && shapeOf(mine.value)) ?? fShape };
}

export function checkGradients(state: FileState): { pairings: RawPairing[]; diags: GradientDraft[] } {
  const pairings: RawPairing[] = [];
  const diags: GradientDraft[] = [];
  state.units.forEach((unit, idx) => {
    const r = state.result(idx);
    if (!r) return;
    for (const meta of r.meta.values()) {
      const base = unit.pos;
      for (const p of meta.tags.problems) {
        if (/^@gradient/.test(p.message)) diags.push(gradientUnresolved(p.message, base + p.start, base + p.end));
      }
      const g = meta.tags.gradient;
      if (!g) continue;
      const tagStart = base + g.start;
      const tagEnd = base + g.end;
      const of = state.resolveFn(g.of, 0);
      const wrt = g.wrt ? [g.wrt] : meta.returns.k === "obj" ? [...meta.returns.props.keys()] : [];
      const pairing: RawPairing = {
        gradient: meta.name, nameStart: base + meta.nameStart, nameEnd: base + meta.nameEnd, of: g.of, wrt,
        dims: { ...(of?.meta.tags.dims ?? {}), ...meta.tags.dims },
        samples: { ...(of?.meta.tags.samples ?? {}), ...meta.tags.samples },
        resolved: false,
      };
      pairings.push(pairing);
      if (!of) {
        diags.push(gradientUnresolved(`@gradient ${g.of}: no function ${g.of} in this file or its imports`, tagStart, tagEnd));
        continue;
      }
      pairing.ofFile = of.state.file;
      const fParams = new Set(of.meta.params.map((p) => p.name));
      const fShape = shapeOf(of.meta.returns);
      if (of.meta.returns.k === "tensor" && fShape && fShape.length !== 0) {
        diags.push(gradientOfNonscalar(g.of, fShape, tagStart, tagEnd, { state: of.state, start: of.unit.pos + of.meta.nameStart, end: of.unit.pos + of.meta.nameEnd }));
      }
      if (g.wrt) {
        if (!fParams.has(g.wrt)) {
          diags.push(gradientUnresolved(`@gradient ${g.of} ${g.wrt}: ${g.of} has no parameter ${g.wrt} (it has ${[...fParams].join(", ") || "none"})`, tagStart, tagEnd));
          continue;
        }
        pairing.resolved = true;
        const expected = paramShape(g.wrt, of, meta);
        const got = shapeOf(meta.returns);
        const range: [number, number] = meta.returnRanges.length === 1 ? meta.returnRanges[0]! : [meta.nameStart, meta.nameEnd];
        const d = gradientShapeMismatch(meta.name, g.of, g.wrt, expected.shape, meta.returns.k === "tensor" ? got : null, base + range[0], base + range[1], expected.where);
        if (d) diags.push(d);
        continue;
      }
      // Object form: every key must be a parameter of F, and each value must have its shape.
      let ok = true;
      if (meta.returns.k === "obj") {
        for (const [key, v] of meta.returns.props) {
          const where = meta.objectProps.get(key);
          const [s, e] = where ? [base + where[0], base + where[1]] : [base + meta.nameStart, base + meta.nameEnd];
          if (!fParams.has(key)) {
            ok = false;
            diags.push(gradientUnresolved(`@gradient ${g.of}: ${key} is not a parameter of ${g.of} (it has ${[...fParams].join(", ") || "none"})`, s, e));
            continue;
          }
          const expected = paramShape(key, of, meta);
          const d = gradientShapeMismatch(meta.name, g.of, key, expected.shape, v.k === "tensor" ? v.shape : null, s, e, expected.where);
          if (d) diags.push(d);
        }
      }
      pairing.resolved = ok;
    }
  });
  return { pairings, diags };
}
