// Request handlers that read the analysis: hover, inlay hints, completions and code actions. Each
// is a plain function of (open files, params) so main.ts only wires them; errors are handled by `guard`.

import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type CompletionItem,
  type CompletionParams,
  type Hover,
  type HoverParams,
  type InlayHint,
  type InlayHintParams,
} from "vscode-languageserver/node";
import { TEMPLATE_SYMBOLS } from "../src/template/functions";
import { isDiagnosticData, rangesOverlap, toCodeActions, toInlayHints, toSymbolCompletions, uriToPath, type ClientSupport } from "./convert";
import type { DiagnosticsScheduler } from "./diagnostics";
import type { OpenFiles } from "./files";
import { toHover } from "./hover";
import type { FixData } from "./protocol";

export function hover(files: OpenFiles, params: HoverParams, markdown: boolean): Hover | null {
  const file = uriToPath(params.textDocument.uri);
  if (file === undefined || !files.get(params.textDocument.uri)) return null;
  files.syncAll();
  const info = files.analyzer.hover(file, params.position);
  return info ? toHover(info, markdown) : null;
}

export function inlayHints(files: OpenFiles, params: InlayHintParams): InlayHint[] {
  const file = uriToPath(params.textDocument.uri);
  if (file === undefined || !files.get(params.textDocument.uri)) return [];
  files.syncAll();
  return toInlayHints(files.analyzer.inlayHints(file, params.range));
}

/** Longest backslash word looked for before the cursor (`\transpose` is the longest). */
const MAX_WORD = 32;

/**
 * `\odot` → ⊙, `\T` → ᵀ, `\sigma` → σ while typing, but only in the math of a chainrule t`…`
 * template: elsewhere a backslash starts a string escape, and ⊙ would be a syntax error.
 */
export function completion(files: OpenFiles, params: CompletionParams): CompletionItem[] {
  const file = uriToPath(params.textDocument.uri);
  const doc = files.get(params.textDocument.uri);
  if (file === undefined || !doc) return [];
  const offset = doc.offsetAt(params.position);
  const typed = /\\[A-Za-z]*$/.exec(doc.getText({ start: doc.positionAt(Math.max(0, offset - MAX_WORD)), end: params.position }));
  if (!typed) return [];
  files.syncAll();
  if (!files.analyzer.inMathTemplate(file, params.position)) return [];
  return toSymbolCompletions(TEMPLATE_SYMBOLS, { start: doc.positionAt(offset - typed[0].length), end: params.position });
}

/**
 * Quick fixes, rebuilt from each diagnostic's `data` (fixes + the version they were computed
 * for). A diagnostic from another version of the document is refused: its edits would land on
 * the wrong text. Clients that do not echo `data` back get the fixes from the last published
 * analysis, matched by code and range, under the same version rule.
 */
export function codeActions(
  files: OpenFiles,
  scheduler: DiagnosticsScheduler,
  params: CodeActionParams,
  support: ClientSupport,
): CodeAction[] {
  const uri = params.textDocument.uri;
  const doc = files.get(uri);
  if (!doc) return [];
  const only = params.context.only;
  // A requested kind matches quick fixes when it is quickfix itself or a parent of it ("" is the root).
  const wanted = (k: string) => k === CodeActionKind.Empty || k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`);
  if (only && !only.some(wanted)) return [];
  const actions: CodeAction[] = [];
  for (const diagnostic of params.context.diagnostics) {
    if (diagnostic.source !== "chainrule") continue;
    let version: number;
    let fixes: FixData[];
    if (isDiagnosticData(diagnostic.data)) {
      ({ version, fixes } = diagnostic.data);
    } else {
      const last = scheduler.published.get(uri);
      const match = last?.diagnostics.find((d) => d.code === diagnostic.code && rangesOverlap(d.range, diagnostic.range));
      if (!last || !match || !isDiagnosticData(match.data)) continue;
      ({ version, fixes } = match.data);
    }
    if (version !== doc.version) continue;
    actions.push(...toCodeActions(diagnostic, fixes, uri, version, support));
  }
  return actions;
}
