// Finds the checks in a file without running anything: every `@gradient` function, the function F
// it differentiates (same file or a relative import), F's parameters with their declared shapes,
// the dims to bind and how each input is drawn. Pure syntax through the compiler API, so it is fast
// and never executes user code.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ts } from "ts-morph";
import { readTags, type SampleKind } from "../gradient/tags";
import { readDeclType, type DeclDim } from "./annotations";
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

export function parseFile(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** Top-level functions: declarations and `const F = (…) => …` / `function` expressions. */
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

function resolveRelative(fromFile: string, spec: string): string | null {
  const base = path.resolve(path.dirname(fromFile), spec);
  const stem = base.replace(/\.(m|c)?js$/, "");
  for (const c of [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, path.join(base, "index.ts")]) {
    if (/\.(m|c)?tsx?$/.test(c) && existsSync(c)) return c;
  }
  return null;
}

/** F by name: declared in the file, or imported by name from a relative module. */
function resolveFunction(name: string, sf: ts.SourceFile, file: string): FnInfo | null {
  const local = topLevelFunctions(sf, file).find((f) => f.name === name);
  if (local) return local;
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const bindings = st.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    const el = bindings.elements.find((e) => e.name.text === name);
    if (!el || !st.moduleSpecifier.text.startsWith(".")) continue;
    const target = resolveRelative(file, st.moduleSpecifier.text);
    if (!target) return null;
    const exported = el.propertyName?.text ?? name;
    return topLevelFunctions(parseFile(target), target).find((f) => f.name === exported) ?? null;
  }
  return null;
}

function paramNames(fn: FnInfo): string[] {
  return fn.node.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : p.name.getText(fn.sf)));
}

/** Keys of the object literal(s) the object-form gradient returns, in source order. */
function returnedKeys(fn: FnInfo): string[] {
  const keys: string[] = [];
  const add = (e: ts.Expression | undefined) => {
    while (e && ts.isParenthesizedExpression(e)) e = e.expression;
    if (!e || !ts.isObjectLiteralExpression(e)) return;
    for (const p of e.properties) {
      const n = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
      if (n && !keys.includes(n)) keys.push(n);
    }
  };
  const body = fn.node.body;
  if (body && !ts.isBlock(body)) add(body);
  const visit = (n: ts.Node): void => {
    if (ts.isReturnStatement(n)) add(n.expression);
    // Returns of nested functions are not this function's.
    if (!ts.isFunctionLike(n)) ts.forEachChild(n, visit);
  };
  if (body && ts.isBlock(body)) ts.forEachChild(body, visit);
  return keys;
}

function calleeName(c: ts.CallExpression): string | undefined {
  const e = c.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/**
 * Parameters that flow, through local variables, into the label (second) argument of crossEntropy:
 * they default to one-hot, so the seed network verifies with no tags.
 */
export function labelParams(fn: FnInfo): Set<string> {
  const params = new Set(paramNames(fn));
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
  if (fn.node.body) visit(fn.node.body);
  const out = new Set<string>();
  const seen = new Set<string>();
  const flow = (e: ts.Node): void => {
    if (ts.isIdentifier(e)) {
      if (seen.has(e.text)) return;
      seen.add(e.text);
      if (params.has(e.text)) out.add(e.text);
      const init = locals.get(e.text);
      if (init) flow(init);
      return;
    }
    ts.forEachChild(e, flow);
  };
  labels.forEach(flow);
  return out;
}

/** Symbolic dims named in constructor calls in a body (`zeros([1, "D"])`, `eye("N")`). */
function constructorDims(fn: FnInfo, out: string[]): void {
  const ctors = new Set(["zeros", "ones", "randn", "eye", "full"]);
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ctors.has(calleeName(n) ?? "")) {
      for (const a of n.arguments) {
        if (ts.isStringLiteral(a) && !out.includes(a.text)) out.push(a.text);
        if (ts.isArrayLiteralExpression(a)) {
          for (const el of a.elements) if (ts.isStringLiteral(el) && !out.includes(el.text)) out.push(el.text);
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  if (fn.node.body) visit(fn.node.body);
}

/**
 * Bind every symbolic dim: `@dims` first, then distinct small sizes 2, 3, 4… in order of appearance,
 * skipping any size already used by a bound dim or a literal dim, so no two dims are ever equal
 * and a transposition cannot hide behind a square shape.
 */
export function bindDims(names: readonly string[], bound: Record<string, number>, literals: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  const used = new Set<number>([...Object.values(bound), ...literals]);
  let next = 2;
  for (const n of names) {
    if (n in out) continue;
    if (bound[n] !== undefined) {
      out[n] = bound[n]!;
      continue;
    }
    while (used.has(next)) next++;
    out[n] = next;
    used.add(next);
  }
  for (const [k, v] of Object.entries(bound)) if (!(k in out)) out[k] = v;
  return out;
}

export interface DiscoverOptions {
  seed: number;
  mode: Mode;
  /** How `file` appears in reports. */
  display: string;
}

/** Every check in one file, in source order. */
export function discoverChecks(absFile: string, opts: DiscoverOptions): PlannedCheck[] {
  const sf = parseFile(absFile);
  const out: PlannedCheck[] = [];
  for (const g of topLevelFunctions(sf, absFile)) {
    const gTags = readTags(g.node, sf);
    if (!gTags.gradient) continue;
    const pos = sf.getLineAndCharacterOfPosition(g.nameNode.getStart(sf));
    const spec: CheckSpec = {
      file: opts.display, line: pos.line + 1, column: pos.character + 1,
      gradient: g.name, of: gTags.gradient.of, wrt: gTags.gradient.wrt ? [gTags.gradient.wrt] : [],
      objectForm: gTags.gradient.wrt === undefined, params: [], dims: {}, seed: opts.seed, mode: opts.mode,
    };
    const planned: PlannedCheck = { spec, absFile };
    out.push(planned);
    const tagProblem = gTags.problems[0];
    if (tagProblem) {
      planned.problem = tagProblem.message;
      continue;
    }
    const f = resolveFunction(spec.of, sf, absFile);
    if (!f) {
      planned.problem = `@gradient ${spec.of}: no function ${spec.of} in ${opts.display} or its relative imports`;
      continue;
    }
    const fTags = readTags(f.node, f.sf);
    const fParams = paramNames(f);
    const gParams = paramNames(g);
    if (gParams.join(",") !== fParams.join(",")) {
      planned.problem = `${g.name} takes (${gParams.join(", ")}) but ${f.name} takes (${fParams.join(", ")}): a gradient takes F's parameters, same names, same order`;
      continue;
    }
    if (spec.objectForm) spec.wrt = returnedKeys(g);
    const missing = spec.wrt.find((p) => !fParams.includes(p));
    if (missing) {
      planned.problem = `${f.name} has no parameter ${missing} (it takes ${fParams.join(", ")})`;
      continue;
    }
    // Shapes: F's annotation, else the gradient's.
    const decls = f.node.parameters.map((p, i) => {
      const d = readDeclType(p.type, f.sf);
      return d.kind === "unknown" ? readDeclType(g.node.parameters[i]!.type, sf) : d;
    });
    const unknown = decls.findIndex((d) => d.kind === "unknown");
    if (unknown >= 0) {
      const d = decls[unknown]!;
      planned.problem = `cannot tell the shape of ${f.name}'s parameter ${fParams[unknown]}: ${d.kind === "unknown" ? d.why : ""}; annotate it as Tensor<[…]>, Scalar or number`;
      continue;
    }
    const names: string[] = [];
    const literals: number[] = [];
    for (const d of decls) {
      if (d.kind !== "tensor") continue;
      for (const x of d.shape) {
        if (typeof x === "string") names.push(x);
        else if (x > 1) literals.push(x);
      }
    }
    constructorDims(f, names);
    constructorDims(g, names);
    spec.dims = bindDims(names, { ...fTags.dims, ...gTags.dims }, literals);
    const samples: Record<string, SampleKind> = {};
    for (const p of [...labelParams(f), ...labelParams(g)]) samples[p] = "onehot";
    Object.assign(samples, fTags.samples, gTags.samples);
    spec.params = decls.map((d, i): ParamSpec => {
      const name = fParams[i]!;
      const shape = d.kind === "tensor" ? d.shape.map((x: DeclDim) => (typeof x === "number" ? x : spec.dims[x]!)) : [];
      return { name, shape, kind: d.kind === "number" ? "number" : "tensor", sample: samples[name] ?? "normal" };
    });
  }
  return out;
}
