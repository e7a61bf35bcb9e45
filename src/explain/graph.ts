// The forward computation graph of a scalar function as the derivation writer sees it: inputs
// (parameters, class fields, outside constants), constants, dims, and applications of catalog ops,
// each with its shape (from the op's own shape rule) and where it is written in the source.

import { getOp } from "../ops/catalog";
import { attrsKey, type OpAttrs } from "../ops/types";
import type { Shape } from "../shape/shape";

/** Where a node is written: file offsets, half-open. `op*` is the operator's part (CLI.md v2 ranges). */
export interface SourceSpan {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  /** Method form: method name to closing parenthesis (CLI.md v2); else the whole call or sub-formula. */
  readonly opStart: number;
  readonly opEnd: number;
}

export type NodeKind =
  /** A parameter or field: differentiable when `diff` is set. */
  | "input"
  /** A number (or a tensor filled with it). */
  | "const"
  /** A symbolic dim used as a number (`x.shape[0]` with shape [N,…]). */
  | "dim"
  /** `Math.f(…)` of numbers: constant with respect to every tensor. */
  | "math"
  | "op";

export interface GNode {
  readonly id: number;
  readonly kind: NodeKind;
  /** Catalog op (`op`), or the `Math` function (`math`). */
  readonly op?: string;
  readonly args: readonly GNode[];
  readonly attrs: OpAttrs;
  readonly shape: Shape | null;
  /** `const`: the value; `dim`: nothing (the dim name is `text`). */
  readonly value?: number;
  /** `input`: its name; `dim`: the dim; `math`: the function. */
  readonly text?: string;
  /** Differentiable input (a tensor parameter or field), a candidate for ∂F/∂P. */
  readonly diff?: boolean;
  /** A plain TypeScript number, not a tensor (so code uses it as one). */
  readonly number?: boolean;
  /** The user's variable name for this value, when the function binds it (`const h = …`). */
  name?: string;
  /** Set once a name comes from the function's own body rather than an inlined helper's. */
  ownName?: boolean;
  src?: SourceSpan;
}

/** Why the derivation stops: the construct and where it is. Exit code 1 in the CLI. */
export class ExplainError extends Error {
  constructor(message: string, readonly span?: { file: string; start: number; end: number }) {
    super(message);
    this.name = "ExplainError";
  }
}

/** Bad usage (no such function or parameter): exit code 2 in the CLI, unlike ExplainError's 1. */
export class ExplainUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExplainUsageError";
  }
}

/** Creates nodes with their shapes; a shape problem in the function is an ExplainError. */
export class Graph {
  private next = 0;
  readonly nodes: GNode[] = [];
  /**
   * Op and constant nodes by what they compute: the same op of the same operands is one value,
   * however often it is written (`p.sub(y).mul(p.sub(y))` squares one difference), so a shared
   * sub-expression is derived, and named, once.
   */
  private readonly interned = new Map<string, GNode>();

  private add(n: Omit<GNode, "id">): GNode {
    const node = { ...n, id: this.next++ } as GNode;
    this.nodes.push(node);
    return node;
  }

  input(name: string, shape: Shape | null, opts: { diff: boolean; number?: boolean; src?: SourceSpan }): GNode {
    return this.add({
      kind: "input", args: [], attrs: {}, shape, text: name, diff: opts.diff,
      ...(opts.number ? { number: true } : {}), ...(opts.src ? { src: opts.src } : {}),
    });
  }

  constant(value: number, shape: Shape = [], number = true): GNode {
    const key = `c${value}:${JSON.stringify(shape)}:${number}`;
    return this.interned.get(key) ?? this.intern(key, this.add({ kind: "const", args: [], attrs: {}, shape, value, ...(number ? { number: true } : {}) }));
  }

  private intern(key: string, n: GNode): GNode {
    this.interned.set(key, n);
    return n;
  }

  dim(name: string): GNode {
    return this.add({ kind: "dim", args: [], attrs: {}, shape: [], text: name, number: true });
  }

  math(fn: string, args: readonly GNode[]): GNode {
    return this.add({ kind: "math", op: fn, args, attrs: {}, shape: [], text: fn, number: true });
  }

  /** Applies a catalog op, checking shapes with its rule. */
  op(name: string, args: readonly GNode[], attrs: OpAttrs, src?: SourceSpan): GNode {
    const def = getOp(name);
    if (!def) throw new ExplainError(`no op named ${name} in the catalog`, src);
    const r = def.shape(args.map((a) => a.shape), attrs);
    if (!r.ok) throw new ExplainError(`${r.problem.message}: the function does not check, so there is nothing to derive`, src);
    const key = `${name}(${args.map((a) => a.id).join(",")})${attrsKey(attrs)}`;
    const seen = this.interned.get(key);
    if (seen) return seen;
    const number = args.every((a) => a.number) ? { number: true as const } : {};
    return this.intern(key, this.add({ kind: "op", op: name, args, attrs, shape: r.shape, ...number, ...(src ? { src } : {}) }));
  }
}

/** Op nodes reachable from `root`, operands before their users (post-order, by identity). */
export function topoOrder(root: GNode): GNode[] {
  const out: GNode[] = [];
  const seen = new Set<GNode>();
  const stack: Array<[GNode, number]> = [[root, 0]];
  // Iterative post-order: a deep chain (a long unrolled helper) must not overflow the stack.
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [n, i] = top;
    if (i === 0 && seen.has(n)) {
      stack.pop();
      continue;
    }
    seen.add(n);
    if (i < n.args.length) {
      top[1]++;
      const a = n.args[i]!;
      if (!seen.has(a)) stack.push([a, 0]);
      continue;
    }
    stack.pop();
    out.push(n);
  }
  return out;
}

/** Nodes whose value depends on one of `inputs` (the inputs included). */
export function dependents(order: readonly GNode[], inputs: ReadonlySet<GNode>): Set<GNode> {
  const dep = new Set<GNode>(inputs);
  for (const n of order) if (n.args.some((a) => dep.has(a))) dep.add(n);
  return dep;
}
