// Builds everything that ships: the runtime users import (tsc, CommonJS with .d.ts, plus an ESM
// wrapper), and esbuild bundles: dist/engine.js (compiler, analyzer, CLI commands, server), the
// small entries that load it through the code cache (dist/cli.js, dist/server.js), the verify
// worker and the VS Code extension. Writes dist/build-ids.json (content hashes: the code cache's
// keys). Entries whose source does not exist yet are skipped. `--watch` rebuilds on change.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBuildTools } from "./build/bootstrap.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
ensureBuildTools(root);
const { build, context } = await import("esbuild");
const require = createRequire(import.meta.url);
const watch = process.argv.includes("--watch");

/**
 * Bundles loaded through src/startup/load-bundle.ts, which reads them as latin1: decoding 7 MB as
 * UTF-8 measured ~30 ms a start, latin1 ~3 ms. esbuild escapes non-ASCII in strings, templates and
 * identifiers but not in regular expressions; there, `\uXXXX` means the same (with or without the
 * u flag, surrogate pairs included), so the rest is escaped here and the result checked.
 */
const ASCII_ONLY = ["dist/engine.js"];

/** The entries that must stay small, with their budgets: they run before the code cache can help. */
const SMALL = { "dist/cli.js": 64 * 1024, "dist/server.js": 64 * 1024 };

const bundles = [
  { entry: "src/cli/front.ts", out: "dist/cli.js" },
  { entry: "server/engine.ts", out: "dist/engine.js" },
  { entry: "server/start.ts", out: "dist/server.js" },
  { entry: "src/verify/worker.ts", out: "dist/verify-worker.js" },
  { entry: "client/extension.ts", out: "dist/extension.js", external: ["vscode"] },
].filter((b) => existsSync(path.join(root, b.entry)));

const tsMorphShim = {
  name: "ts-morph-shim",
  setup(b) {
    b.onResolve({ filter: /^ts-morph$/ }, () => ({ path: path.join(root, "scripts/build/ts-morph-shim.mjs") }));
  },
};

if (existsSync(path.join(root, "src/runtime/index.ts"))) {
  const tsc = require.resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.runtime.json")], { stdio: "inherit" });
  const { writeEsmWrapper } = await import("./build/esm-wrapper.mjs");
  writeEsmWrapper(path.join(root, "dist/lib/runtime"));
}

for (const b of bundles) {
  const options = {
    entryPoints: [path.join(root, b.entry)],
    outfile: path.join(root, b.out),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: true,
    // The engine carries the TypeScript compiler: dropping whitespace and dead syntax measured
    // ~40% off every start; identifiers stay, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    // esbuild bundles user code for verification at run time; it stays a real package (native
    // esbuild finds its binary next to itself; esbuild-wasm its .wasm).
    external: ["esbuild", "esbuild-wasm", ...(b.external ?? [])],
    plugins: [tsMorphShim],
    // import() becomes require(): V8 drops a vm.Script's dynamic-import hook when it is compiled
    // from the code cache (Node 20), so the engine must not contain a real import().
    supported: { "dynamic-import": false },
    logLevel: "warning",
  };
  if (watch) await (await context(options)).watch();
  else await build(options);
}

if (!watch) {
  const ids = {};
  for (const b of bundles) {
    const file = path.join(root, b.out);
    if (ASCII_ONLY.includes(b.out)) {
      const text = readFileSync(file, "utf8").replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
      if (!/^[\x00-\x7f]*$/.test(text)) throw new Error(`${b.out} is not ASCII after escaping`);
      writeFileSync(file, text);
      // Listed here means: pure ASCII, and this hash keys its code cache.
      ids[path.basename(b.out)] = createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16);
    }
    const budget = SMALL[b.out];
    if (budget && statSync(file).size > budget) {
      throw new Error(`${b.out} is ${statSync(file).size} bytes, over its ${budget}: something heavy is imported statically (load it through dist/engine.js)`);
    }
  }
  writeFileSync(path.join(root, "dist/build-ids.json"), JSON.stringify(ids, null, 2) + "\n");
  console.log(`built runtime and ${bundles.length} bundle(s): ${bundles.map((b) => b.out).join(", ")}`);
}
