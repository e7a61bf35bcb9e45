// Loads one of chainrule's CommonJS bundles (dist/engine.js: the compiler, the analyzer, the LSP
// stack) through V8's code cache, so that a start after the first one skips parsing and compiling
// its ~7 MB: Node 20 has no module.enableCompileCache, so the bundle is compiled as a vm.Script
// with the cachedData a previous process left in the user's cache folder (docs/decisions.md).

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";

/** Set to any value to compile bundles without the cache (e.g. to measure what it saves). */
export const NO_CACHE_ENV = "CHAINRULE_NO_CODE_CACHE";
/** Overrides where the cache lives (default: the platform's per-user cache folder). */
export const CACHE_DIR_ENV = "CHAINRULE_CACHE_DIR";

/** Set to any value to have each load say on stderr how long it took and what the cache did. */
export const DEBUG_ENV = "CHAINRULE_DEBUG_STARTUP";

/** What happened to the cache on one load (said on stderr under CHAINRULE_DEBUG_STARTUP). */
interface LoadReport {
  file: string;
  cache: "disabled" | "unavailable" | "hit" | "miss" | "rejected";
  cacheFile?: string;
  compileMs: number;
}

/** The per-user cache folder, or undefined where none can be had safely. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env[NO_CACHE_ENV]) return undefined;
  const home = os.homedir();
  const base =
    env[CACHE_DIR_ENV] ??
    (process.platform === "win32"
      ? path.join(env.LOCALAPPDATA ?? path.join(home, "AppData", "Local"), "chainrule", "Cache")
      : process.platform === "darwin"
        ? path.join(home, "Library", "Caches", "chainrule")
        : path.join(env.XDG_CACHE_HOME ?? path.join(home, ".cache"), "chainrule"));
  return path.join(base, "v8");
}

/**
 * Whether cached code in `dir` may be run: the folder must be this user's and writable by no
 * one else, since whoever can write it chooses the code the next start runs.
 */
export function trusted(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform === "win32") return true; // a per-user profile folder
    const st = statSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The bundle's content hash from dist/build-ids.json, written by scripts/build.mjs. */
export function buildId(file: string): string | undefined {
  try {
    const ids = JSON.parse(readFileSync(path.join(path.dirname(file), "build-ids.json"), "utf8")) as Record<string, string>;
    return ids[path.basename(file)];
  } catch {
    return undefined;
  }
}

/**
 * The cache file's name: the bundle's build id (a hash of its content, written by the build into
 * build-ids.json), the exact Node and its V8 flags. V8 checks its version and flags itself, but
 * only the source's length, so an edited bundle of equal length must not find the old cache; and
 * processes started with other flags (a server with GC flags, a CLI without) would otherwise
 * reject and rewrite each other's cache on every start.
 */
function cacheKey(file: string): string | undefined {
  let id = buildId(file);
  if (!id) {
    // No build id (a bundle built by hand): fall back to the file's identity on disk.
    try {
      const st = statSync(file);
      id = `${st.size}-${Math.round(st.mtimeMs)}-${st.ino}`;
    } catch {
      return undefined;
    }
  }
  return `${path.basename(file, ".js")}-${id}${processSuffix()}`;
}

/** 32-bit FNV-1a: loading node:crypto for a hash of a few flags measured ~10 ms of every start. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The part of a cache file's name that says which Node, with which flags, may use it. */
function processSuffix(): string {
  const flags = fnv1a(`${process.execArgv.join(" ")}\0${process.env.NODE_OPTIONS ?? ""}`);
  return `-${flags}-${process.version}-${process.arch}.v8cache`;
}

/**
 * Loads `file` as a CommonJS module and returns its exports. With a usable cache folder, the
 * compiled code is reused when V8 accepts it, and written once this process has done its work
 * (on exit, or a few seconds in for a long-lived server), so it holds the functions that ran;
 * `writeCache: false` for a process that will run little (printing help), whose cache would
 * hold almost none of the functions later starts need and would never be replaced.
 */
export function loadBundle<T>(file: string, options: { writeCache?: boolean } = {}): T {
  const t0 = performance.now();
  const dir = cacheDir();
  const key = dir && trusted(dir) ? cacheKey(file) : undefined;
  // The build makes the bundles it records in build-ids.json pure ASCII (scripts/build.mjs), so
  // latin1 reads them exactly, ten times faster than UTF-8 decoding; anything else is UTF-8.
  const source = readFileSync(file, buildId(file) ? "latin1" : "utf8");
  const cacheFile = dir && key ? path.join(dir, key) : undefined;
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // First start with this build: compiled from source, cached below.
    }
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  // (No dynamic-import hook: V8 drops it for code compiled from the cache, so the build turns
  // every import() in the bundles into require().)
  const report: LoadReport = {
    file,
    cache: !dir ? "disabled" : !cacheFile ? "unavailable" : !cachedData ? "miss" : script.cachedDataRejected ? "rejected" : "hit",
    cacheFile,
    compileMs: performance.now() - t0,
  };
  if (process.env[DEBUG_ENV]) {
    process.stderr.write(`chainrule: ${path.basename(file)} read and compiled in ${report.compileMs.toFixed(1)} ms (code cache: ${report.cache}${cacheFile ? `, ${cacheFile}` : ""})\n`);
  }
  const mod = { exports: {} as T, filename: file, id: file, loaded: false };
  const wrapper = script.runInThisContext() as (e: unknown, r: NodeRequire, m: unknown, f: string, d: string) => void;
  wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  if (cacheFile && report.cache !== "hit" && options.writeCache !== false) scheduleWrite(script, cacheFile);
  if (process.env[DEBUG_ENV]) process.stderr.write(`chainrule: ${path.basename(file)} loaded ${performance.now().toFixed(1)} ms after the process started\n`);
  return mod.exports;
}

function scheduleWrite(script: vm.Script, cacheFile: string): void {
  let done = false;
  const write = () => {
    if (done) return;
    done = true;
    try {
      const t0 = performance.now();
      const data = script.createCachedData();
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, data, { mode: 0o600 });
      renameSync(tmp, cacheFile);
      prune(cacheFile);
      if (process.env[DEBUG_ENV]) process.stderr.write(`chainrule: wrote ${cacheFile} (${data.length} bytes, ${(performance.now() - t0).toFixed(1)} ms)\n`);
    } catch {
      // A cache that cannot be written only costs the next start its compile time.
    }
  };
  // A long-lived process (the language server) writes once its first answers are out; a command
  // writes when it exits. Neither keeps the process alive for it.
  setTimeout(write, 3000).unref();
  process.once("exit", write);
}

/** How many builds of one bundle keep a cache for one Node and set of flags (this one included). */
export const KEPT_BUILDS = 4;

/**
 * Removes the oldest caches of other builds of the same bundle for this Node, so upgrades do not
 * pile up files, but keeps the few written last: two chainrule builds in use side by side (two
 * projects on different versions, a checkout next to an install) each keep their cache instead of
 * deleting the other's on every write, which made every start of both a compile from source.
 * Another Node's cache (VS Code's, say, next to the terminal's) is left alone.
 */
function prune(kept: string): void {
  const dir = path.dirname(kept);
  const name0 = path.basename(kept);
  const prefix = name0.slice(0, name0.indexOf("-") + 1);
  const suffix = processSuffix();
  const others: Array<{ file: string; mtime: number }> = [];
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith(suffix) || name === name0) continue;
    const file = path.join(dir, name);
    try {
      others.push({ file, mtime: statSync(file).mtimeMs });
    } catch {
      // Removed by another process meanwhile.
    }
  }
  others.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of others.slice(KEPT_BUILDS - 1)) rmSync(file, { force: true });
}
