// What the numeric gradient checker needs of each `@gradient` pairing, beyond what the editor
// needs: F's parameters in order with their declared shapes, the gradient's own parameter names,
// which inputs are labels, and the dims named in constructor calls. Syntax and annotations only,
// computed on request (never during `analyze`), so the checker needs no reader of its own.

import { ts } from "ts-morph";
import type { GradientPairing, GradientParam, GradientTarget } from "./api";
import type { FileState, ResolvedFn } from "./file-state";
import { unwrapFunction } from "./infer";
import type { Lookup } from "./lookup";
import { typeValue } from "./annotations";
import { isNumber, shapeOf } from "./values";

type FnNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

// Calls whose string arguments are dims the check must bind (a reshape's or slice's too).
const CONSTRUCTORS = new Set(["zeros", "ones", "randn", "eye", "reshape", "slice"]);

/** The function `name` declares in a top-level statement (`function f` or `const f = (…) => …`). */
function fnNode(stmt: ts.Statement, name: string): FnNode | undefined {
  if (ts.isFunctionDeclaration(stmt)) return stmt.name?.text === name || (!stmt.name && name === "default") ? stmt : undefined;
  if (!ts.isVariableStatement(stmt)) return undefined;
  const d = stmt.declarationList.declarations.find((x) => ts.isIdentifier(x.name) && x.name.text === name);
  return unwrapFunction(d?.initializer);
}

/** Whether a type annotation is plain `number`, through type aliases (`type Rate = number`), imported ones too: as the analyzer reads it. */
export function isNumberType(node: ts.TypeNode | undefined, lookup: Lookup): boolean {
  if (!node) return false;
  try {
    return isNumber(typeValue(node, { lookup, dims: new Map() }));
  } catch {
    return false;
  }
}

function calleeName(c: ts.CallExpression): string | undefined {
  const e = c.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/**
 * Parameters that flow, through local variables, into the label argument of crossEntropy: the
 * checker draws them one-hot by default, so the seed network verifies with no tags.
 */
export function labelParams(fn: FnNode): string[] {
  const params = new Set(fn.parameters.flatMap((p) => (ts.isIdentifier(p.name) ? [p.name.text] : [])));
  const locals = new Map<string, ts.Expression>();
  const labels: ts.Expression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) locals.set(n.name.text, n.initializer);
    if (ts.isCallExpression(n) && calleeName(n) === "crossEntropy") {
      // Function form crossEntropy(yhat, y) or cr.crossEntropy(yhat, y); method form yhat.crossEntropy(y).
      const label = n.arguments.length >= 2 ? n.arguments[1] : n.arguments[0];
      if (label) labels.push(label);
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
  const out: string[] = [];
  const seen = new Set<string>();
  const flow = (e: ts.Node): void => {
    if (ts.isIdentifier(e)) {
      if (seen.has(e.text)) return;
      seen.add(e.text);
      if (params.has(e.text)) out.push(e.text);
      const init = locals.get(e.text);
      if (init) flow(init);
      return;
    }
    ts.forEachChild(e, flow);
  };
  labels.forEach(flow);
  return out;
}

/** Symbolic dims named in constructor calls of a body (`zeros([1, "D"])`, `eye("N")`), appended in order. */
function constructorDims(fn: FnNode, out: string[]): void {
  const add = (e: ts.Node) => {
    if (ts.isStringLiteral(e) && !out.includes(e.text)) out.push(e.text);
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && CONSTRUCTORS.has(calleeName(n) ?? "")) {
      for (const a of n.arguments) {
        add(a);
        if (ts.isArrayLiteralExpression(a)) a.elements.forEach(add);
      }
    }
    ts.forEachChild(n, visit);
  };
  if (fn.body) visit(fn.body);
}

/** A function with its syntax, for the walks the analysis results do not keep. */
function withNode(r: ResolvedFn | undefined): { r: ResolvedFn; node: FnNode } | undefined {
  const node = r && fnNode(r.unit.stmt, r.meta.name);
  return r && node ? { r, node } : undefined;
}

/** One parameter's declared shape: only a shape with every dim known can be sampled. */
function declared(r: ResolvedFn, node: FnNode, name: string): { shape: GradientParam["shape"]; number: boolean } | undefined {
  const i = r.meta.params.findIndex((q) => q.name === name);
  if (i < 0) return undefined;
  const p = node.parameters[i];
  if (p && isNumberType(p.type, r.state.lookup)) return { shape: [], number: true };
  const shape = shapeOf(r.meta.params[i]!.value);
  return shape && shape.every((d) => d !== null) ? { shape, number: false } : undefined;
}

function target(state: FileState, p: GradientPairing): GradientTarget {
  const g = withNode(state.resolveFn(p.gradient, 0));
  const f = p.ofFile ? withNode(state.resolveFn(p.of, 0)) : undefined;
  const out: GradientTarget = {
    ...p,
    objectForm: g ? g.r.meta.tags.gradient?.wrt === undefined : false,
    params: g ? g.r.meta.params.map((q) => q.name) : [],
    tagProblems: g ? g.r.meta.tags.problems.map((x) => x.message) : [],
    labelParams: [],
    bodyDims: [],
  };
  if (!f) return out;
  // A shape comes from F's annotation, else from the gradient's parameter of the same name (as the
  // static pairing check does), so either function may carry the types.
  out.ofParams = f.r.meta.params.map((q): GradientParam => {
    const d = declared(f.r, f.node, q.name) ?? (g && declared(g.r, g.node, q.name));
    return { name: q.name, shape: d?.shape ?? null, number: d?.number ?? false };
  });
  out.labelParams = [...new Set([...labelParams(f.node), ...(g ? labelParams(g.node) : [])])];
  constructorDims(f.node, out.bodyDims);
  if (g) constructorDims(g.node, out.bodyDims);
  return out;
}

/** The checker's view of every pairing of a file (`pairings` from its analysis). Never throws. */
export function gradientTargets(state: FileState | undefined, pairings: readonly GradientPairing[]): GradientTarget[] {
  if (!state) return [];
  return pairings.map((p) => {
    try {
      return target(state, p);
    } catch {
      // A bug here must not take verification down: the pairing is reported, without F's parameters.
      return { ...p, objectForm: false, params: [], tagProblems: [], labelParams: [], bodyDims: [] };
    }
  });
}
