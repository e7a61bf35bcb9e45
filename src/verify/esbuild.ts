// Which esbuild bundles user code for verification: the native one where npm installed it for
// this platform (the npm package depends on it; ~20 ms a file), else esbuild-wasm (what the
// platform-independent .vsix ships; the same API, ~0.4 s a file and ~1 s for the first).

import { createRequire } from "node:module";
import path from "node:path";

export type Esbuild = typeof import("esbuild");

/** `native` or `wasm` forces one (tests of each path); unset: native when it works. */
export const ESBUILD_ENV = "CHAINRULE_ESBUILD";

let chosen: Promise<{ api: Esbuild; kind: "native" | "wasm" }> | undefined;

/** Resolves from this package's folder (dist/ in the bundles), as a plain require would. */
function load(name: string): Esbuild | undefined {
  try {
    return createRequire(path.join(__dirname, "noop.js"))(name) as Esbuild;
  } catch {
    return undefined;
  }
}

async function choose(): Promise<{ api: Esbuild; kind: "native" | "wasm" }> {
  const want = process.env[ESBUILD_ENV];
  if (want !== "wasm") {
    const native = load("esbuild");
    // The JS package can be present without its platform binary (a copied node_modules, an
    // unusual platform); one tiny transform tells.
    if (native && (await native.transform("").then(() => true, () => false))) return { api: native, kind: "native" };
    if (want === "native") throw new Error("native esbuild is not usable here (CHAINRULE_ESBUILD=native)");
  }
  const wasm = load("esbuild-wasm");
  if (wasm) return { api: wasm, kind: "wasm" };
  throw new Error("gradient verification needs esbuild to bundle the file: neither esbuild nor esbuild-wasm could be loaded (npm install esbuild)");
}

/** The esbuild to use, chosen once per process. */
export function esbuild(): Promise<{ api: Esbuild; kind: "native" | "wasm" }> {
  chosen ??= choose();
  chosen.catch(() => (chosen = undefined)); // a failure is retried on the next verification
  return chosen;
}
