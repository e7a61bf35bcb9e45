// `explain --emit`: the derivation as a `@gradient` function in the file's style, with F's own
// parameters, its forward intermediates recomputed as consts named after F's, and the gradient
// returned (the object form for several parameters). The code is checked before it is handed
// out: appended to the file it must analyse with no diagnostic, or emit says why it cannot.

import { ts } from "ts-morph";
import { getOp } from "../ops/catalog";
import { labelParams } from "../analysis/gradient-targets";
import { Workspace } from "../analysis/workspace";
import { readTags } from "../gradient/tags";
import { CodeNames, CodeStyle, isConstantExpr, methodCode, templateBody } from "./code";
import { derive, Derivation } from "./derive";
import { Explained, sharedGradients } from "./explain";
import { ExplainError, GNode } from "./graph";
import { definition } from "./render";
import type { SExpr } from "./sexpr";
import type { ExplainHost, FileCtx } from "./values";

export interface Emitted {
  /** The function, preceded by an import line when it calls chainrule exports the file lacks. */
  code: string;
  /** The function alone (a code action inserts it and edits the existing import instead). */
  fnText: string;
  name: string;
  /** chainrule exports the code calls that the file does not import yet. */
  imports: string[];
}

type FnNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/** Templates when the file writes chainrule's t`…`, with its tokens (`⊙` or `*`, `ᵀ` or `.T`, `σ`). */
export function fileStyle(ctx: FileCtx): CodeStyle {
  const t = ctx.state.lookup.chainruleLocal("t");
  const bodies: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(n) && ts.isIdentifier(n.tag) && n.tag.text === t) bodies.push(n.template.getText(ctx.sf));
    ts.forEachChild(n, visit);
  };
  if (t) visit(ctx.sf);
  const all = bodies.join("\n");
  return {
    templates: bodies.length > 0,
    mulToken: !all.includes("⊙") && all.includes("*") ? "*" : "⊙",
    transposeToken: !all.includes("ᵀ") && all.includes(".T") ? ".T" : "ᵀ",
    sigma: all.includes("σ") || !all.includes("sigmoid"),
  };
}

/** Whether the label of a softmax + crossEntropy sums to 1 when `verify` draws it (one-hot or probability). */
function labelSumsToOne(label: GNode, fn: FnNode, sf: ts.SourceFile): boolean {
  if (label.kind !== "input" || label.text === undefined) return false;
  const tagged = readTags(fn, sf).samples[label.text];
  if (tagged) return tagged === "onehot" || tagged === "probability";
  return labelParams(fn).includes(label.text);
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const IDENT = /^[A-Za-z_$][\w$]*$/;

export function emitGradient(ws: ExplainHost, ex: Explained): Emitted {
  const { traced } = ex;
  const fn = traced.fn;
  if (fn.self || !(ts.isFunctionDeclaration(fn.node) || ts.isArrowFunction(fn.node) || ts.isFunctionExpression(fn.node))) {
    throw new ExplainError(`emit writes @gradient functions of plain functions; ${traced.name} is a method`, traced.span);
  }
  const node = fn.node;
  const ctx = fn.ctx;
  let d: Derivation = ex.derivation;
  // ŷ − y holds only for labels that sum to 1; code that verify checks on other labels is exact.
  if (d.assumptions.some((a) => !labelSumsToOne(a.label, node, ctx.sf))) d = derive(traced.root, d.wrt, { exactSoftmax: true });
  const grads = d.wrt.map((w) => d.gradients.get(w)!);
  // Constants (1 / N·K) are cheaper written in place than named.
  const shared = new Map([...sharedGradients(d, grads)].filter(([e]) => !isConstantExpr(e)));
  const style = fileStyle(ctx);
  const taken = new Set<string>(traced.inputs.map((n) => n.text!));
  const imports: string[] = [];
  const lookup = ctx.state.lookup;
  const reserve = (base: string) => {
    let name = IDENT.test(base) ? base : "v";
    for (let k = 2; taken.has(name) || lookup.chainrule(name) !== undefined || lookup.isNamespace(name); k++) name = `${base}${k}`;
    taken.add(name);
    return name;
  };

  // Forward values the gradient needs: F's named ones, and any other it would write twice.
  const consts = new Map<GNode, string>();
  const sharedNames = new Map<SExpr, string>();
  const names: CodeNames = {
    name: (n) => (n.kind === "input" ? n.text : consts.get(n)),
    shared: (e) => sharedNames.get(e),
    local: (name) => lookup.chainruleLocal(name),
    like: (shape) => {
      if (!shape) return undefined;
      const p = traced.inputs.find((n) => !n.number && n.shape && n.shape.length === shape.length && n.shape.every((d, i) => d !== null && d === shape[i]));
      return p?.text;
    },
    fn: (name) => {
      const local = lookup.chainruleLocal(name);
      if (local) return local;
      const ns = [...ctx.state.namespaces][0];
      if (ns) return `${ns}.${name}`;
      if (!imports.includes(name)) imports.push(name);
      return name;
    },
    dim: (dim) => {
      for (const p of traced.inputs) {
        const i = p.shape?.indexOf(dim) ?? -1;
        if (i >= 0 && !p.number) return `${p.text}.shape[${i}]`;
      }
      throw new ExplainError(`emit: no parameter of ${traced.name} has the dim ${dim}, so the code cannot read its size`);
    },
  };
  chooseConsts(d, grads, shared, ex, consts, reserve);
  for (const [e, owner] of shared) sharedNames.set(e, reserve(ex.naming.gradCode(owner)));

  const print = (e: SExpr) => (style.templates && !(e.k === "ref" && names.name(e.node) !== undefined) ? `t\`${templateBody(e, names, style)}\`` : methodCode(e, names));
  const indent = "  ";
  const body: string[] = [];
  for (const n of d.order) if (consts.has(n)) body.push(`${indent}const ${consts.get(n)} = ${print(definition(n))};`);
  for (const [e] of shared) {
    const name = sharedNames.get(e)!;
    sharedNames.delete(e);
    body.push(`${indent}const ${name} = ${print(e)};`);
    sharedNames.set(e, name);
  }
  if (d.wrt.length === 1) body.push(`${indent}return ${print(grads[0]!)};`);
  else body.push(`${indent}return {`, ...d.wrt.map((w, i) => `${indent}${indent}${w.text}: ${print(grads[i]!)},`), `${indent}};`);

  const name = uniqueTopLevel(ctx, d.wrt.length === 1 ? `d${capital(traced.name)}_d${d.wrt[0]!.text}` : `grad${capital(traced.name)}`);
  const fnText = signature(node, ctx, name, d.wrt.length === 1 ? `${traced.name} ${d.wrt[0]!.text}` : traced.name, body);
  const importLine = imports.length ? `import { ${imports.join(", ")} } from "chainrule";\n\n` : "";
  checkEmitted(ws, ctx, importLine + fnText);
  return { code: importLine + fnText, fnText, name, imports };
}

/**
 * Which forward values become consts, and their names (F's own where it has one): F's named values
 * the gradient uses, and any other value the code would otherwise write twice. Counted from the
 * gradients down: a value used by a const is written once, inside that const's formula.
 */
function chooseConsts(d: Derivation, grads: readonly SExpr[], shared: ReadonlyMap<SExpr, GNode>, ex: Explained, consts: Map<GNode, string>, reserve: (b: string) => string): void {
  const occurrences = new Map<GNode, number>();
  // An expression object is written once wherever the DAG reaches it again (shared ones are consts).
  const seen = new Set<SExpr>();
  const walk = (e: SExpr, top: boolean): void => {
    if (!top && shared.has(e)) return;
    if (e.k === "op") {
      if (seen.has(e)) return;
      seen.add(e);
    }
    // Without a gt op, 𝟙[a > 0] is written relu(a) / a: a appears twice.
    if (e.k === "op") (e.op === "step" && !getOp("gt") ? [...e.args, ...e.args] : e.args).forEach((a) => walk(a, false));
    if (e.k === "ref" && e.node.kind === "op") occurrences.set(e.node, (occurrences.get(e.node) ?? 0) + 1);
  };
  for (const g of grads) walk(g, true);
  for (const e of shared.keys()) walk(e, true);
  const isConst = new Set<GNode>();
  for (const n of [...d.order].reverse()) {
    if (n.kind !== "op") continue;
    const k = occurrences.get(n) ?? 0;
    if (k === 0) continue;
    const named = n.name !== undefined || k >= 2;
    if (named) isConst.add(n);
    // Written in place, n's operands appear as often as n does; as a const, once.
    for (const a of n.args) if (a.kind === "op") occurrences.set(a, (occurrences.get(a) ?? 0) + (named ? 1 : k));
  }
  for (const n of d.order) if (isConst.has(n)) consts.set(n, reserve(ex.naming.code(n) ?? n.name ?? "t"));
}

/** `base`, or base2, base3… when the file already declares it. */
function uniqueTopLevel(ctx: FileCtx, base: string): string {
  const declared = new Set<string>();
  for (const st of ctx.sf.statements) {
    if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) declared.add(st.name.text);
    if (ts.isVariableStatement(st)) for (const dcl of st.declarationList.declarations) declared.add(dcl.name.getText(ctx.sf));
    if (ts.isImportDeclaration(st)) st.importClause?.getText(ctx.sf).match(/[A-Za-z_$][\w$]*/g)?.forEach((w) => declared.add(w));
  }
  let name = base;
  for (let k = 2; declared.has(name); k++) name = `${base}${k}`;
  return name;
}

/** F's signature under the new name, its parameter lines re-aligned, with the tag above and the body. */
function signature(node: FnNode, ctx: FileCtx, name: string, tag: string, body: string[]): string {
  const sf = ctx.sf;
  const stmt = ts.isFunctionDeclaration(node) ? node : node.parent?.parent?.parent;
  const exported = stmt && ts.canHaveModifiers(stmt) && ts.getModifiers(stmt)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const typeParams = node.typeParameters ? `<${node.typeParameters.map((p) => p.getText(sf)).join(", ")}>` : "";
  const head = ts.isFunctionDeclaration(node) ? `${exported ? "export " : ""}function ${name}${typeParams}(` : `${exported ? "export " : ""}const ${name} = ${typeParams}(`;
  const ps = node.parameters;
  let params = "";
  if (ps.length) {
    const open = sf.getLineAndCharacterOfPosition(ps.pos).character;
    params = sf.text.slice(ps[0]!.getStart(sf), ps[ps.length - 1]!.end).replace(/\n([ \t]*)/g, (_m, ws: string) => `\n${ws.length === open ? " ".repeat(head.length) : ws}`);
  }
  const close = ts.isFunctionDeclaration(node) ? ") {" : ") => {";
  return [`/** @gradient ${tag} */`, `${head}${params}${close}`, ...body, ts.isFunctionDeclaration(node) ? "}" : "};", ""].join("\n");
}

/** Appends the code to the file in a scratch analyzer: any diagnostic in it (or a syntax error) is a bug, said plainly. */
function checkEmitted(base: ExplainHost, ctx: FileCtx, code: string): void {
  const original = ctx.state.text;
  const appended = `${original.replace(/\s*$/, "")}\n\n${code}`;
  const startLine = appended.slice(0, appended.length - code.length).split("\n").length - 1;
  // The same files as the explanation saw (open documents included), with this one extended.
  const ws = new Workspace({ readFile: (p) => (p === ctx.state.file ? appended : base.fileState(p)?.text) });
  const problems = ws.analyze(ctx.state.file).diagnostics.filter((x) => x.range.start.line >= startLine);
  const syntax = ts.createSourceFile("emitted.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS) as unknown as { parseDiagnostics: unknown[] };
  if (syntax.parseDiagnostics.length) throw new ExplainError("emit produced code that does not parse (a chainrule bug)");
  if (problems.length) throw new ExplainError(`emit produced code that does not check: ${problems[0]!.message} (a chainrule bug)`);
}

