// Which gradient checks a verify request means, found without running anything: the `@gradient`
// functions of a file (from the analyzer), the one around the cursor, and those of the workspace.

import { readFileSync } from "node:fs";
import path from "node:path";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { FileAnalysis, GradientPairing } from "../src/analysis/api";
import { collectFiles } from "../src/files/collect";
import { topLevelFunctions } from "../src/verify/discover";
import { ts } from "ts-morph";
import { uriToPath } from "./convert";
import type { OpenFiles } from "./files";

/** One call of the engine: a file (or a whole folder), optionally one gradient of it. */
export interface RunGroup {
  /** What verify() is given: a file, or a workspace folder for "verify all". */
  target: string;
  /** The folder results are reported relative to (and esbuild resolves from). */
  cwd: string;
  gradient?: string;
}

/** The workspace folder holding `file`, else its own folder. */
export function cwdFor(file: string, roots: readonly string[]): string {
  const root = roots.filter((r) => file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep)).sort((a, b) => b.length - a.length)[0];
  return root ?? path.dirname(file);
}

/**
 * The analysis of a file as the editor sees it: the last published one when it is for the current
 * version of the open document (no work), else a fresh one (open overlay or disk).
 */
export function analysisOf(files: OpenFiles, file: string, uri: string, published?: { version: number; analysis: FileAnalysis }): FileAnalysis {
  const doc = files.get(uri);
  if (doc && published && published.version === doc.version) return published.analysis;
  files.syncAll();
  return files.analyzer.analyze(file);
}

/** The text of a file as the editor has it (open document) or as saved. */
export function currentText(files: OpenFiles, uri: string, file: string): string | undefined {
  const doc = files.get(uri);
  if (doc) return doc.getText();
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The gradients meant by a cursor: inside a `@gradient` function, that one; inside a function F
 * that gradients differentiate, all of F's gradients; elsewhere none (the caller verifies the file).
 */
export function gradientsAt(text: string, file: string, pos: { line: number; character: number }, pairings: readonly GradientPairing[]): string[] {
  const offset = TextDocument.create("file:///x", "typescript", 0, text).offsetAt(pos);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const fn = topLevelFunctions(sf, file).find((f) => {
    // From its JSDoc (where `@gradient` is written) or `export const` to the end of the body.
    const holder = ts.isVariableDeclaration(f.nameNode.parent) ? f.nameNode.parent.parent.parent : f.node;
    return offset >= holder.getStart(sf, true) && offset <= f.node.getEnd();
  });
  if (!fn) return [];
  if (pairings.some((p) => p.gradient === fn.name)) return [fn.name];
  return pairings.filter((p) => p.of === fn.name).map((p) => p.gradient);
}

/** Files of the workspace that may hold gradients: a cheap text test before any parsing. */
export function workspaceGradientFiles(roots: readonly string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    let files: string[];
    try {
      files = collectFiles([root], root).map((f) => f.abs);
    } catch {
      continue;
    }
    for (const f of files) {
      try {
        if (readFileSync(f, "utf8").includes("@gradient")) out.push(f);
      } catch {
        // Vanished between the walk and the read: nothing to list.
      }
    }
  }
  return [...new Set(out)].sort();
}

/** Path of a request's document, or undefined for a non-file URI. */
export function fileOf(uri: string | undefined): string | undefined {
  return uri === undefined ? undefined : uriToPath(uri);
}
