// Open documents and the analyzer's view of them: documents change on every keystroke, but the
// analyzer's overlay is only brought up to date (one reparse) when something is about to read it.

import type { HoverContent } from "../src/ide/hover";
import type { ShapeHint } from "../src/ide/inlay-hints";
import type { ExplainService } from "../src/explain/index";
import type { TextDocuments } from "vscode-languageserver/node";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { CancellationToken, FileAnalysis, GradientPairing, Position, Range } from "../src/analysis/api";
import { pathToUri, uriToPath } from "./convert";

/** The part of src/analysis/workspace.ts's Workspace the server uses. */
export interface Analyzer {
  update(file: string, text: string): void;
  close(file: string): void;
  analyze(file: string, token?: CancellationToken): FileAnalysis;
  /** The same analysis in time slices, yielding to the event loop between them, so a newer edit is read and can cancel it. */
  analyzeAsync(file: string, token?: CancellationToken, options?: { sliceMs?: number }): Promise<FileAnalysis>;
  hover(file: string, pos: Position): HoverContent | null;
  gradientsAt(file: string, pos: Position, pairings?: readonly GradientPairing[]): string[];
  inlayHints(file: string, range?: Range): ShapeHint[];
  /** Whether pos is in the math text of a chainrule t`…` template (completions apply there). */
  inMathTemplate(file: string, pos: Position): boolean;
  importersOf(file: string): string[];
  /** Forget a file read from disk, so the next query reads it again. */
  invalidate(file?: string): void;
  /** The answers of src/explain for editors (server/explain.ts converts them). */
  explainer(): ExplainService;
}

export class OpenFiles {
  /** uri → document version last given to the analyzer. */
  private readonly synced = new Map<string, number>();

  constructor(
    readonly documents: TextDocuments<TextDocument>,
    readonly analyzer: Analyzer,
  ) {}

  get(uri: string): TextDocument | undefined {
    return this.documents.get(uri);
  }

  /**
   * Brings every changed open document into the analyzer. All of them, not just the one asked
   * about: an edit in an imported file changes what its importers infer.
   */
  syncAll(): void {
    for (const doc of this.documents.all()) this.sync(doc);
  }

  private sync(doc: TextDocument): void {
    const file = uriToPath(doc.uri);
    if (file === undefined || this.synced.get(doc.uri) === doc.version) return;
    this.analyzer.update(file, doc.getText());
    this.synced.set(doc.uri, doc.version);
  }

  /** A file changed on disk: the analyzer reads it again (open ones keep their overlay). */
  changedOnDisk(file: string): void {
    this.analyzer.invalidate(file);
  }

  /** The closed file is read from disk again by the analyzer. */
  close(uri: string): void {
    this.synced.delete(uri);
    const file = uriToPath(uri);
    if (file !== undefined) this.analyzer.close(file);
  }

  /** The URI the client opened a file under (it may spell it differently from pathToFileURL). */
  uriOf(file: string): string {
    for (const doc of this.documents.all()) if (uriToPath(doc.uri) === file) return doc.uri;
    return pathToUri(file);
  }

  /**
   * Open documents that import `file` directly or through other files (open or not), other than
   * itself: a change in `file` can change the shapes any of them infer.
   */
  openImporters(file: string): string[] {
    const open = new Map<string, string>();
    for (const doc of this.documents.all()) {
      const p = uriToPath(doc.uri);
      if (p !== undefined) open.set(p, doc.uri);
    }
    const seen = new Set<string>([file]);
    const queue = [file];
    while (queue.length > 0) {
      for (const importer of this.analyzer.importersOf(queue.shift()!)) {
        if (seen.has(importer)) continue;
        seen.add(importer);
        queue.push(importer);
      }
    }
    seen.delete(file);
    return [...seen].filter((f) => open.has(f)).map((f) => open.get(f)!);
  }
}
