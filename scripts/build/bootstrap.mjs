// The build needs esbuild and TypeScript, which are devDependencies. npm installs them before
// `prepare` for a git dependency, but not for a `file:` link to a fresh clone: there, install
// them (from the lock file, scripts off) before building, as npm would for a git dependency.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

function resolvable(root, names) {
  const require = createRequire(path.join(root, "package.json"));
  return names.every((n) => {
    try {
      require.resolve(n);
      return true;
    } catch {
      return false;
    }
  });
}

export function ensureBuildTools(root) {
  if (resolvable(root, ["esbuild", "typescript/bin/tsc", "ts-morph"])) return;
  console.log("chainrule build: installing the build's devDependencies first (npm ci --include=dev --ignore-scripts)");
  // An outer `npm install --omit=dev` (or --global) must not leak into this inner install.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_(omit|only|production|include|global|prefix|location|save|dry_run)/i.test(k)),
  );
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--include=dev", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit", env, shell: process.platform === "win32" });
  if (r.status !== 0 || !resolvable(root, ["esbuild", "typescript/bin/tsc"])) {
    throw new Error(`chainrule build: could not install the build tools in ${root}; run \`npm ci\` there, then \`npm run build\``);
  }
}
