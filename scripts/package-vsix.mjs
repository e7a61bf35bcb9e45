// `npm run package` after the build: stages exactly what the extension needs in .vsix-stage/ (the
// bundles, the runtime verification bundles into user code, esbuild-wasm, the grammar, snippets,
// docs and README images, with a package.json stripped of npm-only fields), runs vsce there, and
// leaves chainrule.vsix at the root. Staging keeps the npm package's `files` list and the .vsix's
// contents independent (vsce refuses a `files` list next to a .vscodeignore).
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// `--stage DIR`: only lay the extension out in DIR (the packaged-server test runs it from there).
const stageArg = process.argv.indexOf("--stage");
const stageOnly = stageArg > 0;
const stage = stageOnly ? path.resolve(process.argv[stageArg + 1]) : path.join(root, ".vsix-stage");
const require = createRequire(path.join(root, "package.json"));
const VSCE = "@vscode/vsce@3.9.2"; // 4.x needs Node 22

function copy(rel, to = rel) {
  const from = path.join(root, rel);
  if (!existsSync(from)) throw new Error(`cannot package: ${rel} is missing (run npm run build)`);
  mkdirSync(path.dirname(path.join(stage, to)), { recursive: true });
  cpSync(from, path.join(stage, to), { recursive: true });
}

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage);
for (const f of ["README.md", "CHANGELOG.md", "LICENSE", "syntaxes", "snippets", "dist/lib",
  "dist/extension.js", "dist/server.js", "dist/engine.js", "dist/build-ids.json", "dist/verify-worker.js"]) copy(f);
// Diagnostics link to docs/*.md; the README shows docs/images/*.png (relative links, so they
// resolve against the installed extension).
for (const f of readdirSync(path.join(root, "docs"))) if (f.endsWith(".md")) copy(`docs/${f}`);
for (const f of readdirSync(path.join(root, "docs/images"))) if (f.endsWith(".png")) copy(`docs/images/${f}`);
// Verification bundles user code with esbuild-wasm: WebAssembly, so one .vsix serves every
// platform. lib/main.js runs bin/esbuild in a child Node, which loads esbuild.wasm through
// wasm_exec_node.js.
const wasm = path.relative(root, path.dirname(require.resolve("esbuild-wasm/package.json")));
for (const f of ["package.json", "LICENSE.md", "lib/main.js", "bin/esbuild", "esbuild.wasm", "wasm_exec.js", "wasm_exec_node.js"]) {
  copy(path.join(wasm, f), path.join("dist/node_modules/esbuild-wasm", f));
}

const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
for (const npmOnly of ["files", "scripts", "dependencies", "devDependencies", "bin", "exports", "types"]) delete pkg[npmOnly];
writeFileSync(path.join(stage, "package.json"), JSON.stringify(pkg, null, 2) + "\n");

if (stageOnly) process.exit(0);

const npx = process.platform === "win32" ? "npx.cmd" : "npx";
const r = spawnSync(npx, ["--yes", VSCE, "package", "--no-dependencies", "--no-rewrite-relative-links", "--allow-missing-repository",
  "--out", path.join(root, "chainrule.vsix")], { cwd: stage, stdio: "inherit", shell: process.platform === "win32" });
if (r.status !== 0) process.exit(r.status ?? 1);
