// Turns paths (files or folders) into the .ts files to analyse or verify: files as given, folders
// walked (node_modules and dot-folders skipped), no paths meaning the current folder. Shared by
// `check`, `verify` and the server's "verify all in workspace".

import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** A path that does not exist: the CLI reports it as bad usage (exit 2). */
export class MissingPathError extends Error {}

export interface FoundFile {
  /** Absolute path. */
  abs: string;
  /** As given, or relative to the current folder: what output shows. */
  display: string;
}

function walk(dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = path.join(dir, name);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(p, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(p);
  }
}

export function collectFiles(paths: readonly string[], cwd: string): FoundFile[] {
  const given = paths.length ? paths : ["."];
  const seen = new Set<string>();
  const out: FoundFile[] = [];
  for (const p of given) {
    const abs = path.resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new MissingPathError(`no such file or folder: ${p}`);
    }
    const files: string[] = [];
    if (st.isDirectory()) walk(abs, files);
    else files.push(abs);
    for (const f of files) {
      if (seen.has(f)) continue;
      seen.add(f);
      const display = st.isDirectory() || path.isAbsolute(p) ? path.relative(cwd, f) || f : p;
      out.push({ abs: f, display: display.split(path.sep).join("/") });
    }
  }
  return out;
}
