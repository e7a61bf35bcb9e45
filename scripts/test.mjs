// `npm test`: builds, then runs every test/**/*.test.ts under node's built-in test runner (via tsx).
// Layers that need an installed editor (test/editors/) run from `npm run test:editors` instead,
// and the installs from a fresh clone (~50 s: a full npm ci and build) from `npm run test:clone`;
// .ci/run runs all three.
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const only = process.argv.slice(2);
const SEPARATE = new Set(["test/package/from-clone.test.ts"]);

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "editors" && name !== "node_modules") find(p, out);
    } else if (name.endsWith(".test.ts") && !SEPARATE.has(path.relative(root, p).split(path.sep).join("/"))) out.push(path.relative(root, p));
  }
  return out;
}

execFileSync(process.execPath, [path.join(root, "scripts/build.mjs")], { stdio: "inherit", cwd: root });
const files = (only.length ? only : find(path.join(root, "test"))).sort();
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], {
  stdio: "inherit",
  cwd: root,
});
process.exit(r.status ?? 1);
