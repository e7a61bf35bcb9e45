// Checking one file for `chainrule check`: its diagnostics in line order (a file that cannot be
// read is its one diagnostic), and on request what they were computed from, for the cache
// (check-cache.ts): the texts of the file and of every module it imports, transitively, and where
// each of their imports resolved.

import type { Diagnostic } from "../analysis/api";
import { resolveCandidates } from "../analysis/file-state";
import { byPosition, Workspace } from "../analysis/workspace";
import { HANDLERS } from "../diagnostics/handlers";
import { DIAGNOSTICS } from "../diagnostics/registry";
import type { FoundFile } from "../files/collect";
import { readSource, sourceHost } from "../files/read";
import { hashText, type Inputs } from "./check-cache";

export interface CheckedFile {
  file: string;
  diagnostics: Diagnostic[];
  /** With `fileChecker({ inputs: true })`: what the diagnostics came from (none for an unreadable file). */
  inputs?: Inputs;
}

/** A file that could not be read, as its one diagnostic (at its first character). */
function unreadable(display: string, problem: string): Diagnostic {
  // The handler reads nothing of a source file or its names: there is none.
  const ctx = { sf: undefined as never, names: { chainrule: () => undefined, chainruleLocal: () => undefined, taken: () => false } };
  const w = HANDLERS["file-unreadable"].diagnose({ kind: "unreadable", start: 0, end: 0, display, problem }, ctx);
  const at = { line: 0, character: 0 };
  return { code: "file-unreadable", severity: DIAGNOSTICS["file-unreadable"].severity, message: w.message, range: { start: at, end: at }, fixes: [], related: [] };
}

/**
 * A checker of one file at a time over one workspace, which keeps what it parsed (imports
 * included) for the next file. The result of a file depends on that file and what it imports
 * only, never on which files were checked before: so files can be split among checkers.
 */
export function fileChecker(options: { inputs?: boolean } = {}): (f: FoundFile) => CheckedFile {
  // Files are read into the workspace as disk files, not opened as documents: an opened
  // document is a second copy of a file an earlier one already parsed as its import, and each
  // opening bumps the workspace's version, after which every cached result is re-confirmed.
  const texts = new Map<string, string>();
  // Every text the workspace read, as read: what the cache hashes.
  const raw = new Map<string, string | undefined>();
  const ws = new Workspace({
    readFile: (p) => {
      const text = texts.get(p) ?? sourceHost.readFile(p);
      raw.set(p, text);
      return text;
    },
  }, { frozen: true });
  const inputs = options.inputs ? inputsOf(ws, raw) : undefined;
  return ({ abs, display, problem }) => {
    // A file that cannot be read is that file's diagnostic; the others are still checked. One
    // the workspace already read as an earlier file's import is analysed from that text: not read twice.
    const known = problem ? undefined : raw.get(abs);
    const read = problem ? { problem } : known !== undefined ? { text: known } : readSource(abs);
    if ("problem" in read) return { file: display, diagnostics: [unreadable(display, read.problem)] };
    texts.set(abs, read.text);
    const a = ws.analyze(abs);
    const syntax = ws.syntaxError(abs);
    const diagnostics = syntax ? [syntax, ...a.diagnostics] : a.diagnostics;
    diagnostics.sort(byPosition);
    return { file: display, diagnostics, ...(inputs ? { inputs: inputs(abs) } : {}) };
  };
}

/**
 * The inputs of a file's result: the modules reachable through its relative imports (found by
 * the workspace's own resolution: the first candidate that reads), each with the hash of its text.
 */
function inputsOf(ws: Workspace, raw: ReadonlyMap<string, string | undefined>): (abs: string) => Inputs | undefined {
  const hashes = new Map<string, string>();
  const edges = new Map<string, Array<[string, string | null]>>();
  const module = (p: string): { hash: string; imports: Array<[string, string | null]> } | undefined => {
    const text = raw.get(p);
    const s = ws.fileState(p);
    if (text === undefined || !s) return undefined;
    let hash = hashes.get(p);
    if (hash === undefined) hashes.set(p, (hash = hashText(text)));
    let imports = edges.get(p);
    if (!imports) {
      // A barrel the analysis never looked into is parsed here: its imports are inputs too.
      s.index();
      imports = s.importSpecs().map((spec): [string, string | null] => [spec, resolveCandidates(p, spec).find((c) => ws.fileState(c) !== undefined) ?? null]);
      edges.set(p, imports);
    }
    return { hash, imports };
  };
  return (abs) => {
    const out: Inputs = { files: [], imports: {} };
    const seen = new Set([abs]);
    for (const queue = [abs]; queue.length; ) {
      const p = queue.shift()!;
      const m = module(p);
      if (!m) return undefined;
      out.files.push([p, m.hash]);
      out.imports[p] = m.imports;
      for (const [, to] of m.imports) if (to && !seen.has(to)) seen.add(to), queue.push(to);
    }
    return out;
  };
}
