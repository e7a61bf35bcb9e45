// Symbolic reverse mode over a function's forward graph: from the scalar root back to the inputs,
// one step per op, each the op's catalog VJP (upstream gradient · Jacobian) evaluated over SExpr.
// Every step is computed twice: once in terms of the upstream symbol (∂h, what the step shows),
// once with the upstream's whole expression substituted (what the gradient is).

import { getOp, makeOps } from "../ops/catalog";
import type { Ops } from "../ops/types";
import { shapeEquals } from "../shape/shape";
import { dependents, GNode, topoOrder } from "./graph";
import { constE, gradOf, ref, SExpr, sameExpr, simplifyingAlgebra } from "./sexpr";

/** One operand's share of the gradient from one op: `to` gets `step` from `from`'s upstream. */
export interface Contribution {
  /** The op whose VJP gave it (for a fused step, the crossEntropy). */
  readonly from: GNode;
  /** The op the step goes back through (for a fused step, the softmax). */
  readonly via: GNode;
  readonly to: GNode;
  /** In terms of the upstream symbol, as the step shows it. */
  readonly step: SExpr;
  /** With every upstream substituted: the value of this share. */
  readonly full: SExpr;
  readonly upstream: SExpr;
  /** The gradient passes unchanged (∂(a + b)/∂a = I with no broadcast). */
  readonly identity: boolean;
  /** softmax then crossEntropy collapsed to ŷ − y. */
  readonly fused: boolean;
}

export interface Assumption {
  /** The label whose rows must sum to 1. */
  readonly label: GNode;
  readonly softmax: GNode;
  /** The node whose gradient the assumption gives (the softmax's input). */
  readonly target: GNode;
}

export interface Derivation {
  readonly root: GNode;
  /** Every node reachable from the root, operands first. */
  readonly order: readonly GNode[];
  readonly wrt: readonly GNode[];
  /** In the order the backward pass makes them. */
  readonly contributions: readonly Contribution[];
  /** The symbol later steps call each node's gradient by (an alias when it passed unchanged). */
  readonly symbol: ReadonlyMap<GNode, SExpr>;
  /** Each node's whole gradient. */
  readonly full: ReadonlyMap<GNode, SExpr>;
  /** Per input in `wrt`: its whole gradient (0 when F does not depend on it). */
  readonly gradients: ReadonlyMap<GNode, SExpr>;
  readonly assumptions: readonly Assumption[];
  /** How many op operands each node is (a value used twice is named once). */
  readonly consumers: ReadonlyMap<GNode, number>;
}

export interface DeriveOptions {
  /**
   * Write softmax + crossEntropy exactly, ŷ ⊙ Σy − y, instead of ŷ − y: for emitted code whose
   * label is not known to sum to 1 when it is verified.
   */
  exactSoftmax?: boolean;
}

function lastAxis(n: GNode): boolean {
  const axis = n.attrs.axis;
  return axis === undefined || axis === -1 || (n.shape !== null && axis === n.shape.length - 1);
}

export function derive(root: GNode, wrt: readonly GNode[], options: DeriveOptions = {}): Derivation {
  const order = topoOrder(root);
  const wrtSet = new Set(wrt);
  const dep = dependents(order, wrtSet);
  const consumers = new Map<GNode, number>();
  for (const n of order) for (const a of n.args) consumers.set(a, (consumers.get(a) ?? 0) + 1);

  const stepAlg = simplifyingAlgebra({ transposes: false });
  const fullAlg = simplifyingAlgebra({ transposes: true });
  const stepOps = makeOps(stepAlg);
  const fullOps = makeOps(fullAlg);
  const parts = new Map<GNode, Contribution[]>();
  const contributions: Contribution[] = [];
  const symbol = new Map<GNode, SExpr>();
  const full = new Map<GNode, SExpr>();
  const assumptions: Assumption[] = [];
  const fusedAway = new Set<GNode>();

  const give = (c: Contribution) => {
    contributions.push(c);
    const list = parts.get(c.to) ?? [];
    list.push(c);
    parts.set(c.to, list);
  };
  const wanted = (a: GNode) => dep.has(a) && (a.kind === "op" || wrtSet.has(a));

  for (const n of [...order].reverse()) {
    if (n.kind !== "op" || !dep.has(n) || fusedAway.has(n)) continue;
    let upStep: SExpr;
    let upFull: SExpr;
    if (n === root) {
      upStep = upFull = constE(1, n.shape);
    } else {
      const ps = parts.get(n);
      if (!ps) continue; // no path back to the root
      upFull = ps.map((p) => p.full).reduce((a, b) => fullAlg.apply("add", [a, b], {}));
      // An unnamed value that received its gradient unchanged is called by its upstream's name.
      upStep = ps.length === 1 && ps[0]!.identity && n.name === undefined ? ps[0]!.upstream : gradOf(n);
    }
    symbol.set(n, upStep);
    full.set(n, upFull);

    const pushVjp = (node: GNode, indices: number[]): void => {
      const def = getOp(node.op!)!;
      const args = node.args.map(ref);
      const out = ref(node);
      const steps = def.vjp(stepOps, upStep, args, out, node.attrs);
      const fulls = def.vjp(fullOps, upFull, args, out, node.attrs);
      for (const i of indices) {
        const a = node.args[i]!;
        if (!wanted(a)) continue;
        const step = steps[i]!;
        give({
          from: node, via: node, to: a, step, full: fulls[i]!, upstream: upStep, fused: false,
          identity: sameExpr(step, upStep) && shapeEquals(step.shape, upStep.shape),
        });
      }
    };

    const fusion = fusedSoftmax(n, consumers) ?? writtenOutCrossEntropy(n, upFull);
    if (fusion) {
      const { softmax, logits, label } = fusion;
      if (wanted(logits)) {
        const diff = (ops: Ops<SExpr>) =>
          options.exactSoftmax
            ? ops.sub!(ops.mul!(ref(softmax), ops.sum!(ref(label), ops.attrs({ axis: -1 }))), ref(label))
            : ops.sub!(ref(softmax), ref(label));
        give({
          from: n, via: softmax, to: logits, upstream: upStep, identity: false, fused: true,
          // crossEntropy's own upstream scales the collapsed pair; a written-out one is ∂ŷ itself.
          step: fusion.scaled ? stepOps.mul!(upStep, diff(stepOps)) : diff(stepOps),
          full: fusion.scaled ? fullOps.mul!(upFull, diff(fullOps)) : diff(fullOps),
        });
        if (!options.exactSoftmax) assumptions.push({ label, softmax, target: logits });
      }
      fusedAway.add(softmax);
      if (n.op === "crossEntropy" && wanted(label)) pushVjp(n, [1]);
      continue;
    }
    pushVjp(n, n.args.map((_, i) => i));
  }

  const gradients = new Map<GNode, SExpr>();
  for (const w of wrt) {
    const ps = parts.get(w);
    gradients.set(w, ps ? ps.map((p) => p.full).reduce((a, b) => fullAlg.apply("add", [a, b], {})) : constE(0, w.shape));
  }
  return { root, order, wrt, contributions, symbol, full, gradients, assumptions, consumers };
}

/**
 * crossEntropy(softmax(θ), y) where the softmax feeds nothing else: the two Jacobians multiply to
 * ŷ − y when each row of y sums to 1 (the seed's ∂J/∂θ). Returns the parts, or undefined.
 */
interface Fusion {
  softmax: GNode;
  logits: GNode;
  label: GNode;
  /** The step is the upstream gradient times ŷ − y (crossEntropy's), not ŷ − y alone. */
  scaled: boolean;
}

function fusedSoftmax(n: GNode, consumers: ReadonlyMap<GNode, number>): Fusion | undefined {
  if (n.op !== "crossEntropy") return undefined;
  const [p, label] = n.args as [GNode, GNode];
  if (p.kind !== "op" || p.op !== "softmax" || consumers.get(p) !== 1 || !lastAxis(p)) return undefined;
  return { softmax: p, logits: p.args[0]!, label, scaled: true };
}

/**
 * A softmax whose upstream gradient is −y / ŷ: cross-entropy written out (−Σ y ⊙ log ŷ, as a
 * template does). The same collapse to ŷ − y applies.
 */
function writtenOutCrossEntropy(n: GNode, upstream: SExpr): Fusion | undefined {
  if (n.op !== "softmax" || !lastAxis(n)) return undefined;
  const isOut = (e: SExpr | undefined) => e?.k === "ref" && e.node === n;
  let label: SExpr | undefined;
  if (upstream.k === "op" && upstream.op === "div" && isOut(upstream.args[1])) {
    const num = upstream.args[0]!;
    if (num.k === "op" && num.op === "neg") label = num.args[0];
  } else if (upstream.k === "op" && upstream.op === "neg") {
    const q = upstream.args[0]!;
    if (q.k === "op" && q.op === "div" && isOut(q.args[1])) label = q.args[0];
  }
  if (label?.k !== "ref" || !shapeEquals(label.shape, n.shape)) return undefined;
  return { softmax: n, logits: n.args[0]!, label: label.node, scaled: false };
}
