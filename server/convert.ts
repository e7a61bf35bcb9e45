// The one place where the analyzer's plain-data results become LSP types: diagnostics (with the
// data code actions are rebuilt from), code actions, inlay hints, completions and paths ↔ URIs.

import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeAction,
  CodeActionKind,
  CompletionItemKind,
  Diagnostic,
  DiagnosticSeverity,
  InlayHint,
  InlayHintKind,
  TextEdit,
  type CompletionItem,
  type Range,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import type { Diagnostic as CoreDiagnostic, Fix } from "../src/analysis/api";
import type { ShapeHint } from "../src/ide/inlay-hints";
import { docsAnchor, type DiagnosticCode, type Severity } from "../src/diagnostics/registry";
import type { TemplateSymbol } from "../src/template/functions";
import type { DiagnosticData, FixData } from "./protocol";

export const SOURCE = "chainrule";

/** What the client said it supports, as far as diagnostics and edits are concerned. */
export interface ClientSupport {
  relatedInformation: boolean;
  codeDescription: boolean;
  documentChanges: boolean;
}

/** Absolute path for a `file:` URI; undefined for other schemes (untitled buffers are not analysed). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith("file:")) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** `<docsBase>/docs/diagnostics.md#<code>`, with the anchor taken from the registry. */
export function docsHref(docsBase: string, code: DiagnosticCode): string {
  return new URL(docsAnchor(code), docsBase.endsWith("/") ? docsBase : `${docsBase}/`).href;
}

function toFixData(f: Fix): FixData {
  return { title: f.title, isPreferred: f.isPreferred, edits: f.edits.map((e) => ({ range: e.range, newText: e.newText })) };
}

export function toLspDiagnostic(
  d: CoreDiagnostic,
  uri: string,
  version: number,
  support: ClientSupport,
  docsBase: string,
): Diagnostic {
  const data: DiagnosticData = { version, fixes: d.fixes.map(toFixData) };
  const out: Diagnostic = {
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.code,
    source: SOURCE,
    message: d.message,
    data,
  };
  if (support.codeDescription) out.codeDescription = { href: docsHref(docsBase, d.code) };
  // Clients that do not support related information would drop it or show it oddly: only send
  // it when the capability says so (as Pyright and the LSP sample do).
  if (support.relatedInformation && d.related.length > 0) {
    out.relatedInformation = d.related.map((r) => ({
      location: { uri: r.file ? pathToUri(r.file) : uri, range: r.range },
      message: r.message,
    }));
  }
  return out;
}

export function isDiagnosticData(x: unknown): x is DiagnosticData {
  if (typeof x !== "object" || x === null) return false;
  const d = x as Partial<DiagnosticData>;
  return typeof d.version === "number" && Array.isArray(d.fixes);
}

/** One quick fix per core fix, with the edit pinned to the document version it was computed for. */
export function toCodeActions(
  diagnostic: Diagnostic,
  fixes: readonly FixData[],
  uri: string,
  version: number,
  support: ClientSupport,
): CodeAction[] {
  return fixes.map((f) => {
    const edit: WorkspaceEdit = support.documentChanges
      ? { documentChanges: [{ textDocument: { uri, version }, edits: f.edits }] }
      : { changes: { [uri]: f.edits } };
    const action = CodeAction.create(f.title, edit, CodeActionKind.QuickFix);
    action.diagnostics = [diagnostic];
    if (f.isPreferred) action.isPreferred = true;
    return action;
  });
}

export function toInlayHints(hints: readonly ShapeHint[]): InlayHint[] {
  return hints.map((h) => {
    const hint = InlayHint.create(h.position, h.label, InlayHintKind.Type);
    hint.paddingLeft = false;
    if (h.tooltip !== undefined) hint.tooltip = h.tooltip;
    return hint;
  });
}

/**
 * Completions of the backslash words in `symbols` (`\odot` → ⊙), each replacing `replace`: the
 * backslash and what follows it up to the cursor, so the client filters by what was typed.
 */
export function toSymbolCompletions(symbols: readonly TemplateSymbol[], replace: Range): CompletionItem[] {
  return symbols.map((sym, i) => ({
    label: `\\${sym.word}`,
    kind: CompletionItemKind.Operator,
    detail: sym.detail,
    filterText: `\\${sym.word}`,
    // Keep the table's order (⊙ first): it is the one the seed's confusion is about.
    sortText: String(i).padStart(3, "0"),
    textEdit: TextEdit.replace(replace, sym.text),
  }));
}

/** Same range helpers the handlers need, kept here so no other module touches LSP positions. */
export function rangesOverlap(
  a: { start: { line: number; character: number }; end: { line: number; character: number } },
  b: { start: { line: number; character: number }; end: { line: number; character: number } },
): boolean {
  const before = (p: { line: number; character: number }, q: { line: number; character: number }) =>
    p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}
