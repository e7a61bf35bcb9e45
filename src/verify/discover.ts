// Finds the checks in a file without running anything. The analyzer pairs each `@gradient` function
// with the F it differentiates (same file or imported, under any name) and reads F's parameters and
// their declared shapes (`Workspace.gradientTargets`); this module turns that into CheckSpecs: it
// words what cannot run, binds the dims and chooses how each input is drawn.

import { ts } from "ts-morph";
import type { GradientTarget } from "../analysis/api";
import { Workspace } from "../analysis/workspace";
import type { SampleKind } from "../gradient/tags";
import { dimNames, evaluateDim, isDimExpression } from "../shape/dim";
import type { CheckSpec, Mode, ParamSpec } from "./types";

type FnNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

interface FnInfo {
  name: string;
  node: FnNode;
  nameNode: ts.Node;
  sf: ts.SourceFile;
  file: string;
}

/** A planned check. `problem` set means it cannot run (unresolved pair, unknown shape): an error result. */
export interface PlannedCheck {
  spec: CheckSpec;
  /** Absolute path of the file holding the gradient function (what gets bundled). */
  absFile: string;
  problem?: string;
}

/**
 * Top-level functions: declarations and `const F = (…) => …` / `function` expressions. Discovery
 * no longer needs it; the language server uses it to find the function around the cursor.
 */
export function topLevelFunctions(sf: ts.SourceFile, file: string): FnInfo[] {
  const out: FnInfo[] = [];
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name && st.body) {
      out.push({ name: st.name.text, node: st, nameNode: st.name, sf, file });
    } else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const init = d.initializer;
        if (ts.isIdentifier(d.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
          out.push({ name: d.name.text, node: init, nameNode: d.name, sf, file });
        }
      }
    }
  }
  return out;
}

/**
 * Bind every symbolic dim: `@dims` first, then distinct small sizes 2, 3, 4… in order of appearance,
 * skipping any size already used by a bound dim or a literal dim, so no two dims are ever equal
 * and a transposition cannot hide behind a square shape. A dim expression ("H+K") binds the names
 * in it; once they are bound, its value is reserved too, so later names avoid it.
 */
export function bindDims(dims: readonly string[], bound: Record<string, number>, literals: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  const used = new Set<number>([...Object.values(bound), ...literals]);
  let next = 2;
  for (const d of dims) {
    for (const n of dimNames(d)) {
      if (n in out) continue;
      if (bound[n] !== undefined) {
        out[n] = bound[n]!;
        continue;
      }
      while (used.has(next)) next++;
      out[n] = next;
      used.add(next);
    }
    if (isDimExpression(d)) used.add(evaluateDim(d, (n) => out[n]));
  }
  for (const [k, v] of Object.entries(bound)) if (!(k in out)) out[k] = v;
  return out;
}

export interface DiscoverOptions {
  seed: number;
  mode: Mode;
  /** How `file` appears in reports. */
  display: string;
  /**
   * The analyzer to ask (one per verify run, so files imported by several are read once). It
   * reads the disk by default: the checker bundles saved files, so it must pair saved files.
   */
  workspace?: Workspace;
}

/** Why a pairing cannot run, in words; undefined when it can. */
function problemOf(t: GradientTarget, display: string): string | undefined {
  if (t.tagProblems[0]) return t.tagProblems[0];
  if (!t.ofParams) {
    return t.ofFile
      ? `@gradient ${t.of}: could not read the parameters of ${t.of} in ${t.ofFile}`
      : `@gradient ${t.of}: no function ${t.of} in ${display} or its imports`;
  }
  const fParams = t.ofParams.map((p) => p.name);
  if (t.params.join(",") !== fParams.join(",")) {
    return `${t.gradient} takes (${t.params.join(", ")}) but ${t.of} takes (${fParams.join(", ")}): a gradient takes F's parameters, same names, same order`;
  }
  const missing = t.wrt.find((p) => !fParams.includes(p));
  if (missing) return `${t.of} has no parameter ${missing} (it takes ${fParams.join(", ")})`;
  const unknown = t.ofParams.find((p) => p.shape === null);
  if (unknown) {
    return `cannot tell the shape of ${t.of}'s parameter ${unknown.name}: neither ${t.of} nor ${t.gradient} declares all of its dims; annotate it as Tensor<[…]>, Scalar or number`;
  }
  return undefined;
}

/** Every check in one file, in source order. */
export function discoverChecks(absFile: string, opts: DiscoverOptions): PlannedCheck[] {
  const ws = opts.workspace ?? new Workspace();
  return ws.gradientTargets(absFile).map((t): PlannedCheck => {
    const spec: CheckSpec = {
      file: opts.display, line: t.range.start.line + 1, column: t.range.start.character + 1,
      gradient: t.gradient, of: t.of, wrt: t.wrt, objectForm: t.objectForm, params: [], dims: {}, seed: opts.seed, mode: opts.mode,
    };
    const problem = problemOf(t, opts.display);
    if (problem || !t.ofParams) return { spec, absFile, problem: problem ?? "internal error: no parameters" };
    // Dims in order of appearance (parameters, then constructor calls), so sizes are reproducible;
    // literal sizes above 1 are reserved so that no symbolic dim equals one of them.
    const names: string[] = [];
    const literals: number[] = [];
    for (const p of t.ofParams) {
      for (const d of p.shape ?? []) {
        if (typeof d === "string") names.push(d);
        else if (typeof d === "number" && d > 1) literals.push(d);
      }
    }
    spec.dims = bindDims([...names, ...t.bodyDims], t.dims, literals);
    const samples: Record<string, SampleKind> = {};
    for (const p of t.labelParams) samples[p] = "onehot";
    Object.assign(samples, t.samples);
    spec.params = t.ofParams.map((p): ParamSpec => ({
      name: p.name,
      shape: (p.shape ?? []).map((d) => (typeof d === "number" ? d : evaluateDim(d!, (n) => spec.dims[n]))),
      kind: p.number ? "number" : "tensor",
      sample: samples[p.name] ?? "normal",
    }));
    const negative = spec.params.find((p) => p.shape.some((n) => n < 0));
    if (negative) {
      const sizes = Object.entries(spec.dims).map(([k, v]) => `${k}=${v}`).join(" ");
      return { spec, absFile, problem: `${negative.name} would have the shape [${negative.shape.join(",")}] with ${sizes}: bind sizes that make every dim a size with @dims` };
    }
    return { spec, absFile };
  });
}
