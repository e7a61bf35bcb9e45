// In-memory explanations for tests: DSL sources (one file or several) → explainFunction's result,
// and the numbers to check a derivation against (finite differences of the forward graph).

import type { Workspace } from "../../src/analysis/workspace";
import { Evaluator } from "../../src/explain/evaluate";
import { Explained, explainFunction } from "../../src/explain/explain";
import type { GNode } from "../../src/explain/graph";
import type { TensorData } from "../../src/ops/types";
import { Rng, sampleData } from "../../src/verify/sample";
import { workspaceFor } from "./fixture";
import { USER_OPS } from "../../src/ops/catalog";

export const MAIN = "/fixture/main.ts";

/** Every chainrule export a test source may use: every op of the catalog, and the constructors. */
export const IMPORTS = `import { Tensor, Scalar, t, zeros, ones, ${USER_OPS.map((o) => o.name).join(", ")} } from "chainrule";`;

export function sources(main: string, others: Record<string, string> = {}): Map<string, string> {
  return new Map([[MAIN, main], ...Object.entries(others).map(([p, t]) => [`/fixture/${p}`, t] as [string, string])]);
}

export function explainIn(files: Map<string, string>, fn: string, params: string[] = []): { ws: Workspace; ex: Explained } {
  const ws = workspaceFor(files);
  return { ws, ex: explainFunction(ws, { file: MAIN, fn, params }) };
}

/** Inputs for every parameter, positive (so log and div are defined), drawn reproducibly. */
export function inputsFor(ex: Explained, dims: Record<string, number>, seed = 7): Map<GNode, TensorData> {
  const rng = new Rng(seed);
  const out = new Map<GNode, TensorData>();
  for (const n of ex.traced.inputs) {
    const shape = (n.shape ?? []).map((d) => (typeof d === "number" ? d : dims[d as string]!));
    out.set(n, { shape, data: sampleData(rng, "positive", shape) });
  }
  return out;
}

/** ∂F/∂input by central differences of the forward graph, evaluated with the catalog's kernels. */
export function finiteDifferences(ex: Explained, inputs: Map<GNode, TensorData>, dims: Record<string, number>, input: GNode): Float64Array {
  const x = inputs.get(input)!;
  const out = new Float64Array(x.data.length);
  const f = () => new Evaluator(inputs, dims).value(ex.traced.root).data[0]!;
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i]!;
    x.data[i] = v + 1e-6;
    const up = f();
    x.data[i] = v - 1e-6;
    const down = f();
    x.data[i] = v;
    out[i] = (up - down) / 2e-6;
  }
  return out;
}
