// TypeScript 7 (the native port), the peer several benchmarks run beside chainrule: installed on
// first use into bench/.tsgo (gitignored) with npm, one pinned version for all of them, never as
// the project's own TypeScript (typescript@6, whose compiler API the analyzer uses).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const DIR = path.join(__dirname, ".tsgo");
export const TYPESCRIPT7_VERSION = "7.0.2";

/** TypeScript 7's `tsc` script (`tsc --noEmit`, `tsc --lsp --stdio`), or why there is none. */
export function typescript7(): { tsc: string } | { unavailable: string } {
  const pkg = path.join(DIR, "node_modules", "typescript", "package.json");
  const usable = () => existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).version === TYPESCRIPT7_VERSION;
  if (!usable()) {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(path.join(DIR, "package.json"), JSON.stringify({ private: true }));
    console.log(`installing typescript@${TYPESCRIPT7_VERSION} into bench/.tsgo …`);
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const r = spawnSync(npm, ["install", "--no-audit", "--no-fund", `typescript@${TYPESCRIPT7_VERSION}`], { cwd: DIR, encoding: "utf8" });
    if (!usable()) return { unavailable: `npm install typescript@${TYPESCRIPT7_VERSION} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? "").trim().split("\n").slice(-2).join(" ")}` };
  }
  return { tsc: path.join(DIR, "node_modules", "typescript", "bin", "tsc") };
}
