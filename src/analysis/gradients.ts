// Static gradient pairing: for each `@gradient F [P]` function, resolve F (same file or imported),
// check P is a parameter of F, that F returns a scalar and that the gradient returns P's shape
// (each entry's shape for the object form). Produces GradientPairing records and the sites of the
// gradient-* diagnostics (their handlers word them).

import type { GradientNonscalarSite, GradientShapeSite, GradientUnresolvedSite, Spot } from "../diagnostics/sites";
import type { GradientPairing } from "./api";
import { shapeCompatible, type Shape } from "../shape/shape";
import type { FileState, ResolvedFn } from "./file-state";
import type { FnMeta } from "./unit";
import { shapeOf } from "./values";

/** A GradientPairing before offsets become line/character: the range is the name's offsets. */
export interface RawPairing extends Omit<GradientPairing, "range" | "tagRange"> {
  nameStart: number;
  nameEnd: number;
  tagStart: number;
  tagEnd: number;
}

/** The shape parameter p must have: its annotation in F, else in the gradient function. */
function paramShape(p: string, of: ResolvedFn | undefined, own: FnMeta, here: FileState): { shape: Shape | null; where?: Spot } {
  const inF = of?.meta.params.find((q) => q.name === p);
  const fShape = inF ? shapeOf(inF.value) : null;
  if (of && inF && fShape && inF.typeStart !== undefined) {
    return { shape: fShape, where: { ...(of.state !== here ? { file: of.state.file } : {}), start: of.unit.pos + inF.typeStart, end: of.unit.pos + inF.typeEnd! } };
  }
  const mine = own.params.find((q) => q.name === p);
  return { shape: (mine && shapeOf(mine.value)) ?? fShape };
}

type GradientSite = GradientUnresolvedSite | GradientNonscalarSite | GradientShapeSite;

/** A gradient-shape-mismatch site when both shapes are known and cannot be equal. */
function shapeSite(gradient: string, of: string, param: string, expected: Shape | null, got: Shape | null, start: number, end: number, where?: Spot): GradientShapeSite | undefined {
  if (!expected || !got || shapeCompatible(expected, got)) return undefined;
  return { kind: "gradient-shape-mismatch", start, end, gradient, of, param, expected, got, ...(where ? { where } : {}) };
}

export function checkGradients(state: FileState): { pairings: RawPairing[]; sites: GradientSite[] } {
  const pairings: RawPairing[] = [];
  const diags: GradientSite[] = [];
  state.units.forEach((unit, idx) => {
    const r = state.result(idx);
    if (!r) return;
    for (const meta of r.meta.values()) {
      const base = unit.pos;
      for (const p of meta.tags.problems) {
        if (p.tag === "gradient") diags.push({ kind: "gradient-unresolved", start: base + p.start, end: base + p.end, of: "", missing: { what: "tag", problem: p.message } });
      }
      const g = meta.tags.gradient;
      if (!g) continue;
      const tagStart = base + g.start;
      const tagEnd = base + g.end;
      const of = state.resolveFn(g.of, 0);
      const wrt = g.wrt ? [g.wrt] : meta.returns.k === "obj" ? [...meta.returns.props.keys()] : [];
      const pairing: RawPairing = {
        gradient: meta.name, nameStart: base + meta.nameStart, nameEnd: base + meta.nameEnd, tagStart, tagEnd, of: g.of, wrt,
        dims: { ...(of?.meta.tags.dims ?? {}), ...meta.tags.dims },
        samples: { ...(of?.meta.tags.samples ?? {}), ...meta.tags.samples },
        resolved: false,
      };
      pairings.push(pairing);
      if (!of) {
        diags.push({ kind: "gradient-unresolved", start: tagStart, end: tagEnd, of: g.of, missing: { what: "function" } });
        continue;
      }
      pairing.ofFile = of.state.file;
      const fParams = new Set(of.meta.params.map((p) => p.name));
      const fShape = shapeOf(of.meta.returns);
      if (of.meta.returns.k === "tensor" && fShape && fShape.length !== 0) {
        const decl: Spot = { ...(of.state !== state ? { file: of.state.file } : {}), start: of.unit.pos + of.meta.nameStart, end: of.unit.pos + of.meta.nameEnd };
        diags.push({ kind: "gradient-of-nonscalar", start: tagStart, end: tagEnd, of: g.of, returns: fShape, decl });
      }
      if (g.wrt) {
        if (!fParams.has(g.wrt)) {
          diags.push({ kind: "gradient-unresolved", start: tagStart, end: tagEnd, of: g.of, missing: { what: "parameter", name: g.wrt, params: [...fParams] } });
          continue;
        }
        pairing.resolved = true;
        const expected = paramShape(g.wrt, of, meta, state);
        const got = shapeOf(meta.returns);
        const range: [number, number] = meta.returnRanges.length === 1 ? meta.returnRanges[0]! : [meta.nameStart, meta.nameEnd];
        const d = shapeSite(meta.name, g.of, g.wrt, expected.shape, meta.returns.k === "tensor" ? got : null, base + range[0], base + range[1], expected.where);
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
            diags.push({ kind: "gradient-unresolved", start: s, end: e, of: g.of, missing: { what: "key", name: key, params: [...fParams] } });
            continue;
          }
          const expected = paramShape(key, of, meta, state);
          const d = shapeSite(meta.name, g.of, key, expected.shape, v.k === "tensor" ? v.shape : null, s, e, expected.where);
          if (d) diags.push(d);
        }
      }
      pairing.resolved = ok;
    }
  });
  return { pairings, sites: diags };
}
