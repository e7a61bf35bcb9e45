// Explain the chain as an editor asks for it, decided here and answered as plain data (ranges as
// 0-based lines and UTF-16 characters, files as paths): the derivation hover on a `@gradient`
// function's name or tag, the Explain lenses, the JSON of `chainrule.explain`, and the choices and
// edits of "Generate ∂F/∂P". The language server only converts these to LSP (server/explain.ts).

import type { Position, Range, TextEdit } from "../analysis/api";
import type { FileState } from "../analysis/file-state";
import { importEdit } from "../analysis/import-edit";
import { shapeOf } from "../analysis/values";
import type { Workspace } from "../analysis/workspace";
import type { HoverContent } from "../ide/hover";
import { topLevelFunctions } from "../verify/discover";
import { emitGradient } from "./emit";
import { Explained, explainFunction, ExplainError, ExplainUsageError, type ExplainJson } from "./explain";
import { formatMarkdown, formatText } from "./format";

export { ExplainError, ExplainUsageError, type ExplainJson } from "./explain";

/** Explanations kept per document state: a hover that repeats asks for one already made. */
const CACHE_SIZE = 32;

type Outcome = Explained | ExplainError | ExplainUsageError;

interface Cached {
  key: string;
  /** Every file the explanation read, with the text it read: any change there makes it stale. */
  texts: Map<string, string>;
  result: Outcome;
}

/** A lens above a function: what it says and which derivation it opens. */
export interface ExplainLens {
  range: Range;
  title: string;
  fn: string;
  params: string[];
}

/** Where a step of the derivation is in the sources (paths; the server makes them URIs). */
export type Located<T> = T & { file?: string };

/** What `chainrule.explain` answers: CLI.md's JSON with the text and Markdown, or why there is none. */
export type ExplainAnswer =
  | { json: ExplainJson; text: string; markdown: string }
  | { error: { kind: "usage" | "unsupported"; message: string; file?: string; range?: Range } };

/** One "Generate ∂F/∂P" a cursor offers. */
export interface GenerateChoice {
  title: string;
  fn: string;
  params: string[];
}

export function gradientTitle(fn: string, wrt: readonly string[]): string {
  return wrt.length === 1 ? `∂${fn}/∂${wrt[0]}` : wrt.length ? `∂${fn}/∂{${wrt.join(", ")}}` : `∂${fn}`;
}

function within(r: Range, p: Position): boolean {
  const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(r.start, p) && before(p, r.end);
}

interface ScalarFunction {
  name: string;
  /** Its name's offsets, where the lens sits. */
  name0: number;
  name1: number;
  /** From the start of its statement to its body: where "Generate ∂F/∂P" is offered. */
  header: [number, number];
  /** Its tensor parameters. */
  params: string[];
}

/** The file's top-level functions that return a scalar of tensor parameters (not themselves @gradient functions). */
function scalarFunctions(state: FileState): ScalarFunction[] {
  const sf = state.sf!;
  const out: ScalarFunction[] = [];
  for (const f of topLevelFunctions(sf, state.file)) {
    const r = state.resolveFn(f.name, 0);
    if (!r || r.state !== state || r.meta.tags.gradient) continue;
    const shape = shapeOf(r.meta.returns);
    const params = r.meta.params.filter((p) => p.value.k === "tensor" && !p.value.num && p.value.shape !== null).map((p) => p.name);
    if (!shape || shape.length !== 0 || params.length === 0) continue;
    const body = f.node.body;
    out.push({ name: f.name, name0: f.nameNode.getStart(sf), name1: f.nameNode.end, header: [r.unit.stmt.getStart(sf), body ? body.getStart(sf) : f.node.end], params });
  }
  return out;
}

export class ExplainService {
  private readonly cache: Cached[] = [];

  constructor(private readonly ws: Workspace) {}

  private dsl(file: string): FileState | undefined {
    const s = this.ws.fileState(file);
    return s?.sf && s.isDsl ? s : undefined;
  }

  /** ∂F/∂params of a function of `file` (names resolve through its imports); cached while what it read is unchanged. */
  explain(file: string, fn: string, params: readonly string[]): Outcome {
    const key = `${file}\0${fn}\0${params.join(",")}`;
    const hit = this.cache.find((c) => c.key === key && [...c.texts].every(([f, t]) => this.ws.fileState(f)?.text === t));
    if (hit) return hit.result;
    let result: Outcome;
    try {
      result = explainFunction(this.ws, { file, fn, params });
    } catch (e) {
      if (!(e instanceof ExplainError || e instanceof ExplainUsageError)) throw e;
      result = e;
    }
    const read = new Set([file]);
    if (!(result instanceof Error)) for (const n of result.traced.graph.nodes) if (n.src) read.add(n.src.file);
    const texts = new Map([...read].map((f) => [f, this.ws.fileState(f)?.text ?? ""]));
    this.cache.unshift({ key, texts, result });
    this.cache.length = Math.min(this.cache.length, CACHE_SIZE);
    return result;
  }

  /** The derivation of ∂F/∂P on a `@gradient` function's name or its tag; null elsewhere. */
  hover(file: string, pos: Position): HoverContent | null {
    if (!this.dsl(file)) return null;
    for (const g of this.ws.analyze(file).gradients) {
      if (!g.resolved) continue;
      const at = within(g.range, pos) ? g.range : within(g.tagRange, pos) ? g.tagRange : undefined;
      if (!at) continue;
      const r = this.explain(file, g.of, g.wrt);
      if (r instanceof Error) {
        const value = `chainrule cannot explain ∂${g.of}: ${r.message}`;
        return { range: at, markdown: value, plain: value };
      }
      return { range: at, markdown: formatMarkdown(r.json), plain: formatText(r.json) };
    }
    return null;
  }

  /** "Explain ∂F/∂P" above each @gradient function, "Explain gradient" above each scalar function. */
  lenses(file: string): ExplainLens[] {
    const state = this.dsl(file);
    if (!state) return [];
    const lenses: ExplainLens[] = [];
    for (const g of this.ws.analyze(file).gradients) {
      if (g.resolved) lenses.push({ range: g.range, title: `Explain ${gradientTitle(g.of, g.wrt)}`, fn: g.of, params: g.wrt });
    }
    for (const f of scalarFunctions(state)) {
      const range = this.ws.rangeAt(file, f.name0, f.name1);
      if (range) lenses.push({ range, title: "Explain gradient", fn: f.name, params: [] });
    }
    return lenses;
  }

  /** `chainrule.explain`: the derivation's JSON (with `code` when `emit`), its text and Markdown. */
  answer(file: string, fn: string, params: readonly string[], emit: boolean): ExplainAnswer {
    const r = this.explain(file, fn, params);
    if (r instanceof ExplainUsageError) return { error: { kind: "usage", message: r.message } };
    if (r instanceof ExplainError) {
      const range = r.span && this.ws.rangeAt(r.span.file, r.span.start, r.span.end);
      return { error: { kind: "unsupported", message: r.message, ...(r.span ? { file: r.span.file } : {}), ...(range ? { range } : {}) } };
    }
    const json = { ...r.json };
    if (emit) {
      try {
        json.code = emitGradient(this.ws, r).code;
      } catch (e) {
        if (!(e instanceof ExplainError)) throw e;
        return { error: { kind: "unsupported", message: e.message } };
      }
    }
    return { json, text: formatText(json), markdown: formatMarkdown(json) };
  }

  /** "Generate ∂F/∂P" on a scalar function's signature: one per parameter, and all of them. */
  generateChoices(file: string, pos: Position): GenerateChoice[] {
    const state = this.dsl(file);
    const at = this.ws.offsetAt(file, pos);
    if (!state || at === undefined) return [];
    const fn = scalarFunctions(state).find((f) => f.header[0] <= at && at <= f.header[1]);
    if (!fn) return [];
    const choices = fn.params.length > 1 ? [...fn.params.map((p) => [p]), []] : fn.params.map((p) => [p]);
    return choices.map((ps) => ({ title: `Generate ${ps.length ? gradientTitle(fn.name, ps) : `the gradient of ${fn.name} (every parameter)`}`, fn: fn.name, params: ps }));
  }

  /** The edits that append the emitted gradient below the function (and import what it uses), or why not. */
  generateEdits(file: string, fn: string, params: readonly string[]): { edits: TextEdit[] } | { disabled: string } {
    const r = this.explain(file, fn, params);
    if (r instanceof Error) return { disabled: r.message };
    let emitted;
    try {
      emitted = emitGradient(this.ws, r);
    } catch (e) {
      if (!(e instanceof ExplainError)) throw e;
      return { disabled: e.message };
    }
    const state = this.ws.fileState(file)!;
    const end = r.traced.fn.node.getEnd();
    const stmtEnd = state.units.find((u) => !u.member && u.pos <= end && end <= u.end)?.end ?? end;
    const edits: TextEdit[] = [{ range: this.ws.rangeAt(file, stmtEnd, stmtEnd)!, newText: `\n\n${emitted.fnText.trimEnd()}` }];
    if (emitted.imports.length) {
      const imp = importEdit(state, emitted.imports.join(", "));
      if (!imp) return { disabled: `the file has no import from "chainrule" to add ${emitted.imports.join(", ")} to` };
      edits.unshift({ range: this.ws.rangeAt(file, imp.start, imp.end)!, newText: imp.newText });
    }
    return { edits };
  }
}
