// `chainrule check`'s cache of results across runs (like `eslint --cache`): a file's findings are
// a function of its text, the texts of the files it imports (transitively) and how each of those
// imports resolved, so an entry records exactly these and is used only when every one is the
// same now. Entries live per build of the engine (its content hash), in the user's cache folder
// beside the code cache; a run of another build removes the old builds' folders.
//
// Two kinds of entry, one file each: `m-…` a module as read (the hash of its text and where each
// of its relative imports resolved), shared by every result that read it; `c-…` a checked file's
// diagnostics with the hashes of every module they came from.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../analysis/api";
import { resolveCandidates } from "../analysis/file-state";
import { readSource } from "../files/read";
import { buildId, cacheDir, NO_CACHE_ENV as NO_CODE_CACHE_ENV, trusted } from "../startup/load-bundle";

/** Set to any value to check without reading or writing the cache. */
export const NO_CACHE_ENV = "CHAINRULE_NO_CHECK_CACHE";

/** Entry files kept at most (two per checked file at most; ~15 KB each on the 200-file benchmark). */
export const MAX_ENTRIES = 10_000;

/** What one result was computed from. */
export interface Inputs {
  /** Every module read, as [absolute path, hash of its text]: the checked file first. */
  files: Array<[string, string]>;
  /** Each of those modules' relative imports: module → [specifier, the file it resolved to or null]. */
  imports: Record<string, Array<[string, string | null]>>;
}

interface ModuleEntry {
  hash: string;
  imports: Array<[string, string | null]>;
}

interface CheckEntry {
  files: Array<[string, string]>;
  diagnostics: Diagnostic[];
}

export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

const nameOf = (kind: "m" | "c", abs: string) => `${kind}-${createHash("sha256").update(abs).digest("hex").slice(0, 32)}.json`;

export class CheckCache {
  private readonly hashes = new Map<string, string | null>();
  private readonly modules = new Map<string, ModuleEntry | null>();
  private readonly holds = new Map<string, boolean>();
  /** Module entries this run wrote (every result shares most of them). */
  private readonly written = new Set<string>();

  private constructor(private readonly dir: string) {}

  /**
   * The cache for the engine bundle `engine` (its build id), or none: disabled, no build id (run
   * from sources), or no cache folder that only this user can write.
   */
  static open(engine: string, env = process.env): CheckCache | undefined {
    if (env[NO_CACHE_ENV]) return undefined;
    const id = buildId(engine);
    // Beside the code cache, whether or not that one is turned off.
    const v8 = cacheDir({ ...env, [NO_CODE_CACHE_ENV]: undefined });
    if (!id || !v8) return undefined;
    const base = path.join(path.dirname(v8), "check");
    const dir = path.join(base, id);
    try {
      if (!trusted(base) || !trusted(dir)) return undefined;
      for (const other of readdirSafe(base)) if (other !== id) rmSync(path.join(base, other), { recursive: true, force: true });
      // Entries are per file path, so checks of ever new folders (temporary ones: test suites) pile
      // up: past a bound the folder starts afresh.
      if (readdirSafe(dir).length > MAX_ENTRIES) rmSync(dir, { recursive: true, force: true });
    } catch {
      // A cache folder that cannot be tidied is not used: the check runs as without one.
      return undefined;
    }
    return new CheckCache(dir);
  }

  /** The hash of a file's text as it reads now (null: unreadable). */
  private hash(abs: string): string | null {
    let h = this.hashes.get(abs);
    if (h === undefined) {
      const r = readSource(abs);
      h = "text" in r ? hashText(r.text) : null;
      this.hashes.set(abs, h);
    }
    return h;
  }

  private read<T>(name: string): T | undefined {
    try {
      return JSON.parse(readFileSync(path.join(this.dir, name), "utf8")) as T;
    } catch {
      return undefined;
    }
  }

  /** The file an import resolves to now, as the analyzer resolves it: the first candidate that reads. */
  private resolve(from: string, spec: string): string | null {
    return resolveCandidates(from, spec).find((p) => this.hash(p) !== null) ?? null;
  }

  /** Whether a module's recorded hash and imports hold now (asked once per module and hash: most results share most modules). */
  private moduleHolds(abs: string, hash: string): boolean {
    const key = `${abs}\0${hash}`;
    let holds = this.holds.get(key);
    if (holds === undefined) {
      let m = this.modules.get(abs);
      if (m === undefined) {
        m = this.read<ModuleEntry>(nameOf("m", abs)) ?? null;
        this.modules.set(abs, m);
      }
      holds = !!m && m.hash === hash && this.hash(abs) === hash && m.imports.every(([spec, to]) => this.resolve(abs, spec) === to);
      this.holds.set(key, holds);
    }
    return holds;
  }

  /** The diagnostics recorded for `abs`, if every input they came from is as it was. */
  get(abs: string): Diagnostic[] | undefined {
    const e = this.read<CheckEntry>(nameOf("c", abs));
    // (An entry of another shape, e.g. a truncated write of an older build, is no entry.)
    if (!e || !Array.isArray(e.files) || !Array.isArray(e.diagnostics) || e.files[0]?.[0] !== abs) return undefined;
    try {
      return e.files.every(([p, h]) => this.moduleHolds(p, h)) ? e.diagnostics : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records a result with what it was computed from. A cache that cannot be written costs the next run its time only. */
  set(abs: string, inputs: Inputs, diagnostics: Diagnostic[]): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      for (const [p, hash] of inputs.files) {
        if (this.written.has(p)) continue;
        this.written.add(p);
        const m: ModuleEntry = { hash, imports: inputs.imports[p] ?? [] };
        this.modules.set(p, m);
        this.write(nameOf("m", p), m);
      }
      this.write(nameOf("c", abs), { files: inputs.files, diagnostics } satisfies CheckEntry);
    } catch {
      // Not written: the next run checks this file again.
    }
  }

  private write(name: string, data: unknown): void {
    const file = path.join(this.dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, file);
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
