// Evaluates a parsed math template over any Algebra: real tensors at run time, shapes in the
// analyzer (inferTemplateShapes below), symbols for rendering. One walk, so the three agree on
// what each node means.

import { getOp } from "../ops/catalog";
import type { Algebra, OpAttrs } from "../ops/types";
import type { ShapeProblem } from "../shape/problems";
import type { Shape } from "../shape/shape";
import { childrenOf, ErrorNode, operatorSpan, TemplateNode, TemplateSpan } from "./ast";

export interface EvaluateOptions<T> {
  /** The value of a node where the parser recovered from an error. Without it, such a node throws. */
  onError?(node: ErrorNode, children: readonly T[]): T;
  /** Sees every node's value, children first; `args` are the operands of an op node. */
  onNode?(node: TemplateNode, value: T, args: readonly T[]): void;
}

const NO_ATTRS: OpAttrs = {};

/** The catalog op a node applies, if it applies one (paren, operand, number and error do not). */
export function nodeOp(node: TemplateNode): string | undefined {
  return node.kind === "binary" || node.kind === "unary" || node.kind === "power" || node.kind === "call" ? node.op : undefined;
}

/**
 * Evaluate `root` with `operands[i]` as the value of interpolation i (numbers become
 * `alg.constant`). Throws what the algebra throws (a ShapeError at run time).
 */
export function evaluateTemplate<T>(
  root: TemplateNode,
  operands: ReadonlyArray<T | number>,
  alg: Algebra<T>,
  options: EvaluateOptions<T> = {},
): T {
  const visit = (node: TemplateNode): T => {
    let value: T;
    let args: T[] = [];
    switch (node.kind) {
      case "operand": {
        if (node.index >= operands.length) {
          throw new RangeError(`template operand ${node.index} has no value (${operands.length} given)`);
        }
        const v = operands[node.index]!;
        value = typeof v === "number" ? alg.constant(v) : v;
        break;
      }
      case "number":
        value = alg.constant(node.value);
        break;
      case "paren":
        value = visit(node.expr);
        break;
      case "binary":
        args = [visit(node.left), visit(node.right)];
        value = alg.apply(node.op, args, NO_ATTRS);
        break;
      case "unary":
        args = [visit(node.operand)];
        value = alg.apply(node.op, args, NO_ATTRS);
        break;
      case "power":
        args = [visit(node.operand)];
        value = alg.apply("pow", args, { exponent: node.exponent });
        break;
      case "call":
        args = node.args.map(visit);
        value = alg.apply(node.op, args, NO_ATTRS);
        break;
      case "error": {
        const children = node.children.map(visit);
        if (!options.onError) throw new Error("chainrule: cannot evaluate a template with syntax errors");
        value = options.onError(node, children);
        break;
      }
    }
    options.onNode?.(node, value, args);
    return value;
  };
  return visit(root);
}

/** A shape as the shape algebra carries it: unknown (null) after a problem, so errors do not cascade. */
export interface ShapeValue {
  readonly shape: Shape | null;
  readonly problem?: ShapeProblem;
  readonly warning?: ShapeProblem;
}

/** The catalog's shape rules as an algebra. */
export const shapeAlgebra: Algebra<ShapeValue> = {
  apply(name, args, attrs) {
    const op = getOp(name);
    if (!op) throw new Error(`chainrule: no op named ${name} in the catalog`);
    const r = op.shape(args.map((a) => a.shape), attrs);
    if (!r.ok) return { shape: null, problem: r.problem };
    return r.warning ? { shape: r.shape, warning: r.warning } : { shape: r.shape };
  },
  constant: () => ({ shape: [] }),
  shapeOf: (x) => x.shape,
};

/** What inference knows about one node. */
export interface NodeShape {
  readonly node: TemplateNode;
  /** Null when unknown, including after a problem at this node or below. */
  readonly shape: Shape | null;
  /** For op nodes: the catalog op and its operands' shapes (for hovers). */
  readonly op?: string;
  readonly operands?: ReadonlyArray<Shape | null>;
  readonly problem?: ShapeProblem;
  readonly warning?: ShapeProblem;
}

/** A shape problem at one node, positioned for a diagnostic. */
export interface TemplateShapeProblem {
  readonly node: TemplateNode;
  readonly severity: "error" | "warning";
  readonly problem: ShapeProblem;
  /** The node with its operands: the diagnostic's range. */
  readonly span: TemplateSpan;
  /** The operator token or the function name: where an operator fix edits. */
  readonly opSpan: TemplateSpan;
  /** Spans of the node's operands, in order (the problem's `operands` index into these). */
  readonly operandSpans: readonly TemplateSpan[];
}

export interface TemplateShapes {
  /** The template's result shape; null when unknown or when it has no tree. */
  readonly shape: Shape | null;
  /** Per node, indexed by `node.id`. */
  readonly nodes: readonly NodeShape[];
  /** Errors and warnings in evaluation order (innermost first). */
  readonly problems: readonly TemplateShapeProblem[];
}

/**
 * Run each node's catalog shape rule, with `operandShapes[i]` the shape of interpolation i
 * (null or missing: unknown; pass `[]` for a number). Error nodes are unknown. Never throws
 * for a tree the parser produced.
 */
export function inferTemplateShapes(root: TemplateNode | null, operandShapes: ReadonlyArray<Shape | null | undefined>): TemplateShapes {
  if (root === null) return { shape: null, nodes: [], problems: [] };
  const nodes: NodeShape[] = [];
  const problems: TemplateShapeProblem[] = [];
  const operands = operandShapes.map((s): ShapeValue => ({ shape: s ?? null }));
  // Missing operand shapes (the analyzer passed fewer) are unknown rather than an error.
  for (let i = operands.length; i <= maxOperandIndex(root); i++) operands.push({ shape: null });
  const result = evaluateTemplate(root, operands, shapeAlgebra, {
    onError: () => ({ shape: null }),
    onNode(node, value, args) {
      const op = nodeOp(node);
      nodes[node.id] = {
        node,
        shape: value.shape,
        ...(op ? { op, operands: args.map((a) => a.shape) } : {}),
        ...(value.problem ? { problem: value.problem } : {}),
        ...(value.warning ? { warning: value.warning } : {}),
      };
      const found = value.problem ?? value.warning;
      if (op && found) {
        problems.push({
          node,
          severity: value.problem ? "error" : "warning",
          problem: found,
          span: node.span,
          opSpan: operatorSpan(node),
          operandSpans: childrenOf(node).map((n) => n.span),
        });
      }
    },
  });
  return { shape: result.shape, nodes, problems };
}

function maxOperandIndex(root: TemplateNode): number {
  let max = -1;
  const stack: TemplateNode[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.kind === "operand") max = Math.max(max, n.index);
    stack.push(...childrenOf(n));
  }
  return max;
}
