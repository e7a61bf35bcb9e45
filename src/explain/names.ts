// Who gets a name in the derivation. The function's own variables keep theirs (`yhat` shows as ŷ);
// an unnamed value gets t1, t2, … only when the derivation must refer to it: its gradient is a step
// of its own, it is used twice (a shared sub-expression is named once), or the formulas mention it
// more than once. Everything else is written in place as its formula.

import type { Contribution, Derivation } from "./derive";
import type { GNode } from "./graph";
import { isMatrixTranspose, type RenderNames } from "./render";
import { ref, SExpr } from "./sexpr";

export interface Naming extends RenderNames {
  /** The identifier code uses for a named value. */
  code(n: GNode): string | undefined;
  /** `dh` for ∂h. */
  gradCode(n: GNode): string;
  /** Named op nodes, operands first: the forward steps. */
  readonly forward: readonly GNode[];
}

const GREEK: Record<string, string> = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", zeta: "ζ", eta: "η", theta: "θ", kappa: "κ",
  lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", rho: "ρ", tau: "τ", phi: "φ", chi: "χ", psi: "ψ", omega: "ω",
  Delta: "Δ", Theta: "Θ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
};

/** How a variable reads in math: `yhat` → ŷ, `theta` → θ; other names as written. */
export function prettyName(code: string): string {
  const hat = /^([A-Za-z])_?[hH]at$/.exec(code);
  if (hat) return `${hat[1]}\u0302`.normalize("NFC");
  return GREEK[code] ?? code;
}

export function nameNodes(d: Derivation, shown: readonly Contribution[], fnName: string, formulas: readonly SExpr[]): Naming {
  const codeNames = new Map<GNode, string>();
  const taken = new Set<string>();
  const give = (n: GNode, base: string) => {
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}${k}`;
    taken.add(name);
    codeNames.set(n, name);
  };
  const ops = d.order.filter((n) => n.kind === "op");
  for (const n of d.order) if (n.kind === "input" && n.text !== undefined && /^[A-Za-z_$][\w$]*$/.test(n.text)) taken.add(n.text);
  taken.add(fnName);
  for (const n of ops) if (n.name !== undefined) give(n, n.name);
  if (!codeNames.has(d.root)) {
    taken.delete(fnName);
    give(d.root, fnName);
  }

  const needs = new Set<GNode>();
  for (const n of ops) if ((d.consumers.get(n) ?? 0) >= 2) needs.add(n);
  for (const c of shown) {
    if (c.to.kind === "op") needs.add(c.to);
    if (c.upstream.k === "grad") needs.add(c.upstream.node);
  }
  // Written in place, an unnamed value repeats wherever a formula mentions it: name it if twice.
  const counts = new Map<GNode, number>();
  // An expression object met again is a shared one, written once (under its own name): not recounted.
  const seen = new Set<SExpr>();
  const count = (e: SExpr): void => {
    if (e.k === "op") {
      if (seen.has(e)) return;
      seen.add(e);
      e.args.forEach(count);
    }
    if (e.k !== "ref" || e.node.kind !== "op" || codeNames.has(e.node) || needs.has(e.node)) return;
    counts.set(e.node, (counts.get(e.node) ?? 0) + 1);
    e.node.args.forEach((a) => count(ref(a)));
  };
  for (const c of shown) count(c.step);
  formulas.forEach(count);
  for (const [n, k] of counts) if (k >= 2) needs.add(n);

  // The transpose of a named value reads as Wᵀ in math and W.T in code: it needs no name of its own.
  const derived = new Map<GNode, string>();
  const baseName = (n: GNode) => (n.kind === "input" ? n.text : codeNames.get(n));
  for (const n of ops) {
    const a = n.args[0];
    if (n.op === "transpose" && isMatrixTranspose(n.attrs) && !codeNames.has(n) && a && baseName(a) !== undefined && /^[A-Za-z_$][\w$]*$/.test(baseName(a)!)) derived.set(n, baseName(a)!);
  }
  let t = 0;
  for (const n of ops) {
    if (codeNames.has(n) || derived.has(n) || !needs.has(n)) continue;
    let name: string;
    do name = `t${++t}`;
    while (taken.has(name));
    taken.add(name);
    codeNames.set(n, name);
  }

  const display = (n: GNode): string | undefined => {
    if (n.kind === "input") return n.text === undefined ? undefined : /^[A-Za-z_$][\w$]*$/.test(n.text) ? prettyName(n.text) : n.text;
    if (n.kind !== "op") return undefined;
    const base = derived.get(n);
    if (base !== undefined) return `${prettyName(base)}ᵀ`;
    const c = codeNames.get(n);
    return c === undefined ? undefined : prettyName(c);
  };
  const code = (n: GNode) => (n.kind === "input" ? n.text : codeNames.get(n));
  return {
    name: display,
    code,
    grad: (n) => `∂${display(n) ?? "?"}`,
    gradCode: (n) => `d${code(n) ?? (derived.has(n) ? `${derived.get(n)}T` : "_")}`,
    forward: ops.filter((n) => codeNames.has(n)),
  };
}
