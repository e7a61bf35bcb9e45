// Builds everything that ships: the runtime users import (tsc, with .d.ts), and esbuild bundles of
// the CLI, the language server and the VS Code extension. Entries whose source does not exist yet
// are skipped, so a partial checkout still builds. `--watch` rebuilds the bundles on change.
import { build, context } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const require = createRequire(import.meta.url);
const watch = process.argv.includes("--watch");

const bundles = [
  { entry: "src/cli/main.ts", out: "dist/cli.js" },
  { entry: "server/main.ts", out: "dist/server.js" },
  { entry: "src/verify/worker.ts", out: "dist/verify-worker.js" },
  { entry: "client/extension.ts", out: "dist/extension.js", external: ["vscode"] },
].filter((b) => existsSync(path.join(root, b.entry)));

if (existsSync(path.join(root, "src/runtime/index.ts"))) {
  const tsc = require.resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.runtime.json")], { stdio: "inherit" });
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
    // The bundles carry the TypeScript compiler (~10 MB): dropping whitespace and dead syntax
    // measured ~40% off every start (CLI, server); identifiers stay, so stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    // esbuild bundles user code for verification at run time; it must stay a real package (it
    // locates its native binary relative to itself).
    external: ["esbuild", ...(b.external ?? [])],
    logLevel: "warning",
  };
  if (watch) await (await context(options)).watch();
  else await build(options);
}
if (!watch) console.log(`built runtime and ${bundles.length} bundle(s): ${bundles.map((b) => b.out).join(", ")}`);
