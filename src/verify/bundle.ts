// Turns a user's file into one self-contained CommonJS script the sandboxed worker can load with no
// file access beyond it: esbuild bundles the file with `chainrule` resolved to this package's own
// runtime, and appends an export of the functions to check (F may be private to its file).
// Bundling runs in the unsandboxed parent, so it inlines only code (TypeScript and JavaScript, no
// import attributes, no data or text loaders) from inside the workspace and chainrule's runtime:
// `import env from "/proc/self/environ" with { type: "text" }` or `import s from "../secret.txt"`
// is a bundle error, never file contents in the bundle.

import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Message, Plugin } from "esbuild";
import { esbuild } from "./esbuild";

/**
 * This package's runtime sources, wherever this code runs from: src/verify (tests, tsx) or dist/
 * (the bundled CLI). The checker always uses its own runtime, not a copy in the user's
 * node_modules: the tape and the dim binding it drives must be the very modules user code calls.
 */
export function runtimeDir(): string {
  const candidates = [
    path.resolve(__dirname, "../runtime"),
    path.resolve(__dirname, "../src/runtime"),
    path.resolve(__dirname, "lib/runtime"),
    path.resolve(__dirname, "../dist/lib/runtime"),
  ];
  const dir = candidates.find((d) => existsSync(path.join(d, "index.ts")) || existsSync(path.join(d, "index.js")));
  if (!dir) throw new Error(`chainrule's runtime was not found next to the checker (looked in ${candidates.join(", ")})`);
  return dir;
}

/** Folders of chainrule's own code (runtime, ops, shapes): stack frames there are not the user's. */
export function internalDirs(): string[] {
  return [path.dirname(runtimeDir()) + path.sep];
}

export class BundleError extends Error {}

function formatMessage(m: Message, cwd: string): string {
  const loc = m.location ? `${path.relative(cwd, path.resolve(m.location.file))}:${m.location.line}:${m.location.column + 1}: ` : "";
  return `${loc}${m.text}`;
}

const EXPORT = "__chainrule_verify_fns__";

/**
 * The realm's globals chainrule's own modules compute with. In a V8 context made by `vm`, every
 * read of a global goes through the context's interceptor and is never cached: `Math.exp` costs
 * ~0.35 µs for `Math` alone (measured 128 sigmoids: 45 µs, against 3 µs with `Math` a local),
 * which was most of a replayed probe. Each of chainrule's modules binds those it names to locals
 * once, when it loads, before any user module runs; user modules still read the realm's globals.
 */
const INTRINSICS = ["Math", "Float64Array", "Int32Array", "Array", "Object", "Number", "String", "Error", "TypeError", "RangeError", "Map", "Set", "WeakMap", "Symbol", "JSON", "isFinite", "isNaN"];

/**
 * `src` with the intrinsics it names bound to locals, on its first line (after a "use strict"
 * directive) so that its line numbers do not move.
 */
export function bindIntrinsics(src: string): string {
  const names = INTRINSICS.filter((n) => new RegExp(`\\b${n}\\b`).test(src));
  if (!names.length) return src;
  const decl = `const ${names.map((n) => `${n} = globalThis.${n}`).join(", ")};`;
  const strict = /^\s*(["'])use strict\1;?/.exec(src);
  return strict ? strict[0] + decl + src.slice(strict[0].length) : decl + src;
}

/** What checked code may import: code only, so that no file can be read into the bundle as data or text. */
const CODE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/**
 * The folder checked code may import from: the current folder when the file is inside it (and it
 * is not the file system's root), else the nearest folder above the file holding a package.json,
 * tsconfig.json or .git, else the file's own folder.
 */
export function workspaceRoot(file: string, cwd: string): string {
  const inside = (dir: string) => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
  if (path.dirname(cwd) !== cwd && inside(cwd)) return cwd;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (["package.json", "tsconfig.json", ".git"].some((m) => existsSync(path.join(dir, m)))) return dir;
    if (path.dirname(dir) === dir) return path.dirname(file);
  }
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function within(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

/**
 * Bundle `absFile` into `outFile`, exporting `__chainrule_verify__`: the runtime hooks the worker
 * needs plus the named functions. The source map is inline so that stack traces name the user's
 * lines without the worker reading any other file.
 */
export async function bundleUserFile(absFile: string, fnNames: readonly string[], outFile: string, cwd: string): Promise<void> {
  const rt = runtimeDir();
  const q = (p: string) => JSON.stringify(p.split(path.sep).join("/"));
  const target = path.resolve(absFile);
  const rtIndex = path.join(rt, existsSync(path.join(rt, "index.ts")) ? "index.ts" : "index.js");
  // chainrule's own code: the runtime and the modules it imports (ops, shapes, templates).
  const own = real(path.dirname(rt));
  const allowed = [real(workspaceRoot(target, cwd)), own];
  const plugin: Plugin = {
    name: "chainrule-verify",
    setup(b) {
      b.onResolve({ filter: /^chainrule$/ }, () => ({ path: rtIndex }));
      // Runs after chainrule's runtime has loaded and before any user module: locks the runtime (realm.ts).
      b.onResolve({ filter: /^chainrule-verify:harden$/ }, () => ({ path: "harden", namespace: "chainrule-verify" }));
      b.onLoad({ filter: /.*/, namespace: "chainrule-verify" }, () => ({
        contents: `import * as rt from ${q(rtIndex)};\nconst h = globalThis.__chainrule_harden__;\nif (typeof h === "function") h(rt);\n`,
        loader: "js", resolveDir: rt,
      }));
      b.onLoad({ filter: /.*/ }, async (args) => {
        const where = path.relative(cwd, args.path) || args.path;
        if (args.with && Object.keys(args.with).length) {
          return { errors: [{ text: `${where} is imported with attributes (${JSON.stringify(args.with)}); checked code may import code only` }] };
        }
        if (!CODE.test(args.path)) return { errors: [{ text: `${where} is not code (.ts, .js…); checked code may import code only` }] };
        const r = real(args.path);
        if (!allowed.some((dir) => within(r, dir))) {
          return { errors: [{ text: `${where} is outside the workspace (${path.relative(cwd, allowed[0]!) || "."}); checked code may import only the workspace's files and chainrule` }] };
        }
        const { readFile } = await import("node:fs/promises");
        if (path.resolve(args.path) !== target) {
          if (!within(r, own)) return undefined;
          const loader = /\.[cm]?ts$/.test(args.path) ? "ts" : "js";
          return { contents: bindIntrinsics(await readFile(args.path, "utf8")), loader };
        }
        const src = await readFile(args.path, "utf8");
        // Appended at the end, so it sees every top-level binding (declared or imported) by name.
        const tail = `\n;export const ${EXPORT} = { ${fnNames.map((n) => `${JSON.stringify(n)}: ${n}`).join(", ")} };\n`;
        return { contents: src + tail, loader: args.path.endsWith("x") ? "tsx" : "ts" };
      });
    },
  };
  const entry = [
    `import { Tensor } from ${q(path.join(rt, "tensor"))};`,
    `import { record } from ${q(path.join(rt, "tape"))};`,
    `import { withDims } from ${q(path.join(rt, "dims"))};`,
    `import { seed } from ${q(path.join(rt, "random"))};`,
    `import { replayBase, replayProbe, replayEnd } from ${q(path.join(rt, "replay"))};`,
    `import "chainrule-verify:harden";`,
    `import { ${EXPORT} as fns } from ${q(target)};`,
    `export const __chainrule_verify__ = { Tensor, record, withDims, seed, replay: { base: replayBase, probe: replayProbe, end: replayEnd }, fns };`,
  ].join("\n");
  const { build } = (await esbuild()).api;
  try {
    await build({
      stdin: { contents: entry, resolveDir: path.dirname(target), loader: "ts", sourcefile: "chainrule-verify-entry.ts" },
      bundle: true, platform: "node", format: "cjs", target: "node20",
      outfile: outFile, sourcemap: "inline", logLevel: "silent", write: true,
      // A native import() would ask Node, outside the checked realm, for a module: turn it into require().
      supported: { "dynamic-import": false },
      plugins: [plugin],
    });
  } catch (e) {
    // Build errors in the user's code are that check's error; anything else (esbuild itself
    // unusable) is an internal failure of the checker and propagates.
    const errors = (e as { errors?: Message[] }).errors;
    if (!errors?.length) throw e;
    const text = errors.slice(0, 3).map((m) => formatMessage(m, cwd)).join("; ");
    throw new BundleError(`could not bundle ${path.relative(cwd, target)}: ${text}`);
  }
}

let workerPromise: Promise<string> | null = null;

/**
 * The worker script: dist/verify-worker.js next to the bundled CLI, or, when running from sources
 * (tests), src/verify/worker.ts bundled once per process, so the child never needs tsx or
 * node_modules (which the permission model would have to open up).
 */
export function workerScript(): Promise<string> {
  const built = path.join(__dirname, "verify-worker.js");
  if (existsSync(built)) return Promise.resolve(built);
  workerPromise ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "chainrule-worker-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, "verify-worker.js");
    const { build } = (await esbuild()).api;
    await build({
      entryPoints: [path.join(__dirname, "worker.ts")], outfile: out, bundle: true, platform: "node",
      format: "cjs", target: "node20", sourcemap: "inline", logLevel: "silent",
    });
    return out;
  })();
  return workerPromise;
}
