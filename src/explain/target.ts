// Finds the function to explain, as `@gradient F` finds F (a declaration, `const F = (…) => …`,
// imported, or `Class.method`), gives each parameter an input node of its declared shape, and
// interprets the body into the forward graph.

import { ts } from "ts-morph";
import { typeValue } from "../analysis/annotations";
import { isNumberType } from "../analysis/gradient-targets";
import { shapeOf } from "../analysis/values";
import type { Shape } from "../shape/shape";
import { ExplainError, ExplainUsageError, Graph, GNode } from "./graph";
import { Interpreter } from "./interpret";
import { Callable, type ExplainHost, FileCtx, FunctionNode, IValue, tensorValue } from "./values";

export interface Traced {
  /** The function's name as asked for (`loss`, `Net.loss`). */
  readonly name: string;
  readonly file: string;
  /** The function's name in the source. */
  readonly span: { file: string; start: number; end: number };
  readonly graph: Graph;
  readonly interpreter: Interpreter;
  readonly fn: Callable;
  /** Parameters in order (then the fields of `this`, for a method). */
  readonly inputs: readonly GNode[];
  readonly root: GNode;
}

export function fileCtx(ws: ExplainHost, file: string): FileCtx {
  const state = ws.fileState(file);
  if (!state) throw new ExplainUsageError(`cannot read ${file}`);
  if (!state.isDsl || !state.sf) throw new ExplainError(`${file} does not import from "chainrule": there is no DSL code to explain`);
  return { state, sf: state.sf };
}

function nameNode(n: FunctionNode): ts.Node {
  if ("name" in n && n.name) return n.name;
  if (n.parent && ts.isVariableDeclaration(n.parent)) return n.parent.name;
  return n;
}

/** The function `name` names in `ctx` (or a method, `Class.method`, or a method name alone if unique). */
export function findFunction(it: Interpreter, ctx: FileCtx, name: string): Callable {
  const dot = name.indexOf(".");
  if (dot < 0) {
    const fn = it.moduleFunction(name, ctx);
    if (fn) return fn;
  }
  const [clsName, method] = dot < 0 ? [undefined, name] : [name.slice(0, dot), name.slice(dot + 1)];
  const classes = ctx.sf.statements.filter((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && !!s.name && (clsName === undefined || s.name.text === clsName));
  const found = classes.flatMap((c) => {
    const info = it.moduleClass(c.name!.text, ctx)!;
    const self = it.fieldInstance(info);
    const m = it.method(self, method);
    return m ? [m] : [];
  });
  if (found.length === 1) return found[0]!;
  const available = ctx.sf.statements.flatMap((s) => {
    if (ts.isFunctionDeclaration(s) && s.name) return [s.name.text];
    if (ts.isVariableStatement(s)) return s.declarationList.declarations.filter((d) => ts.isIdentifier(d.name) && d.initializer && (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))).map((d) => d.name.getText(ctx.sf));
    return [];
  });
  const why = found.length > 1 ? `several classes have a method ${method}: write Class.${method}` : `no function ${name} in ${ctx.state.file}`;
  throw new ExplainUsageError(`${why}${available.length ? ` (functions: ${available.join(", ")})` : ""}`);
}

/** The function's parameters as input nodes: tensors by their annotation, numbers as numbers. */
/**
 * The function's parameters as input nodes: tensors by their annotation (else by `known`, the
 * shapes a caller has from elsewhere, such as a check's), numbers as numbers.
 */
function parameterInputs(it: Interpreter, fn: Callable, known: Readonly<Record<string, Shape>> = {}): GNode[] {
  const { ctx, node } = fn;
  const dims = new Map((node.typeParameters ?? []).map((p) => [p.name.text, p.name.text]));
  return node.parameters.map((p) => {
    if (!ts.isIdentifier(p.name)) it.fail("a destructured parameter of the explained function", ctx, p);
    const number = isNumberType(p.type, ctx.state.lookup);
    const declared = p.type ? shapeOf(typeValue(p.type, { lookup: ctx.state.lookup, dims })) : null;
    const shape = number ? [] : (declared ?? known[p.name.text] ?? null);
    return it.graph.input(p.name.text, shape, { diff: !number, number, src: it.span(ctx, p.name) });
  });
}

export function traceTarget(ws: ExplainHost, req: { file: string; fn: string; params?: readonly string[]; shapes?: Readonly<Record<string, Shape>> }): Traced {
  const graph = new Graph();
  const it = new Interpreter(graph);
  const ctx = fileCtx(ws, req.file);
  const fn = findFunction(it, ctx, req.fn);
  const params = parameterInputs(it, fn, req.shapes);
  const fields = fn.self?.k === "inst" ? [...fn.self.fields.values()].flatMap((v) => (v.k === "t" && v.node.kind === "input" ? [v.node] : [])) : [];
  // Bad usage is reported before a construct the body cannot follow.
  const known = [...params, ...fields];
  for (const p of req.params ?? []) {
    const n = known.find((x) => x.text === p);
    if (!n) throw new ExplainUsageError(`${req.fn} has no parameter ${p} (it takes ${known.map((x) => x.text).join(", ") || "none"})`);
    if (!n.diff) throw new ExplainUsageError(`${p} is a number, not a tensor: chainrule differentiates by tensor parameters`);
  }
  const n = nameNode(fn.node);
  const span = { file: fn.ctx.state.file, start: n.getStart(fn.ctx.sf), end: n.end };
  const out = it.call(fn, params.map(tensorValue));
  const root = rootNode(out, req.fn, span);
  return { name: req.fn, file: fn.ctx.state.file, span, graph, interpreter: it, fn, inputs: [...params, ...fields], root };
}

function rootNode(v: IValue, name: string, span: Traced["span"]): GNode {
  if (v.k === "t") return v.node;
  throw new ExplainError(`${name} returns ${v.k === "void" ? "nothing" : "something that is not a tensor"}: a gradient needs a scalar function`, span);
}
