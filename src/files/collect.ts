// Turns paths (files or folders) into the .ts files to analyse or verify: files as given, folders
// walked (node_modules and dot-folders skipped), no paths meaning the current folder. Shared by
// `check`, `verify` and the server's workspace listing. Each real file is listed once, however many
// symbolic links lead to it; a folder reached again through a link (`a/b -> ..`) is not walked
// again; a .ts entry that is not a regular file (a FIFO, a device, a dangling link) is listed with
// the reason it cannot be read, so that the caller can report it instead of hanging on it.

import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { describeFsError, fileKind, MAX_FILE_BYTES, tooLarge } from "./read";

/** A path that does not exist: the CLI reports it as bad usage (exit 2). */
export class MissingPathError extends Error {}

export interface FoundFile {
  /** Absolute path. */
  abs: string;
  /** As given, or relative to the current folder: what output shows. */
  display: string;
  /** Why the file cannot be analysed (not a regular file, too large, unreadable); readSource says more at read time. */
  problem?: string;
}

interface Walk {
  dirs: Set<string>;
  out: Array<{ abs: string; problem?: string }>;
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

const isSource = (name: string) => name.endsWith(".ts") && !name.endsWith(".d.ts");

function walk(dir: string, w: Walk): void {
  const real = realOrSelf(dir);
  if (w.dirs.has(real)) return;
  w.dirs.add(real);
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
    } catch (e) {
      // A dangling or looping link named like a source file is reported; anything else is not ours.
      const link = isSymlink(p);
      if (isSource(name)) w.out.push({ abs: p, problem: `cannot be read: ${link ? "a symbolic link to nothing readable: " : ""}${describeFsError(e)}` });
      continue;
    }
    if (st.isDirectory()) walk(p, w);
    else if (isSource(name)) w.out.push({ abs: p, ...problemOf(st) });
  }
}

/** Whether `p` is a symbolic link (one that may lead nowhere), as opposed to nothing at all. */
function isSymlink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

function problemOf(st: Stats): { problem?: string } {
  if (!st.isFile()) return { problem: `is ${fileKind(st)}, not a regular file: not analysed` };
  if (st.size > MAX_FILE_BYTES) return { problem: tooLarge(st.size) };
  return {};
}

export function collectFiles(paths: readonly string[], cwd: string): FoundFile[] {
  const given = paths.length ? paths : ["."];
  const seen = new Set<string>();
  const out: FoundFile[] = [];
  const w: Walk = { dirs: new Set(), out: [] };
  for (const p of given) {
    const abs = path.resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      // A path given by name that exists as a link but leads nowhere is that file's problem, not bad usage.
      const exists = isSymlink(abs);
      if (!exists) throw new MissingPathError(`no such file or folder: ${p}`);
      w.out.length = 0;
      w.out.push({ abs, problem: `cannot be read: a symbolic link to nothing readable: ${describeFsError(e)}` });
      add(p, false);
      continue;
    }
    w.out.length = 0;
    if (st.isDirectory()) walk(abs, w);
    else w.out.push({ abs, ...problemOf(st) });
    add(p, st.isDirectory());
  }
  function add(p: string, isDir: boolean): void {
    for (const f of w.out) {
      const key = f.problem ? f.abs : realOrSelf(f.abs);
      if (seen.has(key)) continue;
      seen.add(key);
      // CLI.md: `file` is as given or relative to the current folder. Files found below a folder,
      // and absolute paths inside the current folder (what the language server passes for an
      // open document), are relative to it; any other file named is shown as it was written
      // (an absolute path outside the folder stays absolute, not `../../tmp/x.ts`).
      const rel = path.relative(cwd, f.abs);
      const inside = rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
      const display = isDir || (path.isAbsolute(p) && inside) ? rel || f.abs : p;
      out.push({ abs: f.abs, display: display.split(path.sep).join("/"), ...(f.problem ? { problem: f.problem } : {}) });
    }
  }
  return out;
}
