// Before `vsce package`: copies esbuild and this platform's esbuild binary package into
// dist/node_modules, where the bundled server's `require("esbuild")` finds them (vsce is run with
// --no-dependencies, so the extension carries only what is copied here). Gradient verification
// needs esbuild at run time to bundle the user's file; the resulting .vsix is platform-specific.
import { cpSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const require = createRequire(path.join(root, "package.json"));
const out = path.join(root, "dist", "node_modules");
rmSync(out, { recursive: true, force: true });
const pkgDir = (name) => path.dirname(require.resolve(`${name}/package.json`));
const binary = `@esbuild/${process.platform}-${process.arch}`;
for (const name of ["esbuild", binary]) {
  const from = pkgDir(name);
  if (!existsSync(from)) throw new Error(`cannot package: ${name} is not installed`);
  cpSync(from, path.join(out, name), { recursive: true });
}
console.log(`copied esbuild and ${binary} into dist/node_modules`);
