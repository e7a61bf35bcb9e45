// The layers hold by test, not by convention (docs/ARCHITECTURE.md, "Layers"): the core (src/)
// imports no editor or LSP library and nothing of server/ or client/; server/ and client/ reach the
// core only through its public modules; the client reaches the server only through its protocol;
// src/diagnostics imports nothing of src/analysis (the dependency runs one way).

import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const root = path.join(__dirname, "..", "..");

/** The core's public modules: what server/ and client/ may import (paths under src/, no extension). */
export const PUBLIC = [
  "analysis/api", "analysis/workspace", "ide/", "text/", "verify/index", "verify/types", "verify/report", "verify/session",
  "explain/index", "files/collect", "files/read", "shape/shape", "ops/catalog", "diagnostics/registry", "template/functions",
  "cli/main", "cli/lsp", "startup/load-bundle",
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return n === "node_modules" || n === "fixtures" ? [] : sources(p);
    return /\.(ts|mts|cts)$/.test(n) && !n.endsWith(".d.ts") ? [p] : [];
  });
}

/** Every module a file imports: static and dynamic imports, require, export … from. */
function specifiers(file: string): string[] {
  return specifiersIn(readFileSync(file, "utf8"));
}

function specifiersIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[^\w.])(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|(?:^|[^\w.])import\s*["']([^"']+)["']|(?:import|require)\(\s*["']([^"']+)["']\s*\)/gm)) {
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

function layerOf(abs: string): string | undefined {
  const rel = path.relative(root, abs).split(path.sep);
  return ["src", "server", "client"].includes(rel[0]!) ? rel[0] : undefined;
}

interface Violation {
  file: string;
  spec: string;
  why: string;
}

function violations(): Violation[] {
  const out: Violation[] = [];
  for (const layer of ["src", "server", "client"]) {
    for (const file of sources(path.join(root, layer))) out.push(...fileViolations(path.relative(root, file), readFileSync(file, "utf8")));
  }
  return out;
}

/** The rules for one file of the repository (its path relative to the root, and its text). */
function fileViolations(rel: string, text: string): Violation[] {
  const out: Violation[] = [];
  const file = path.join(root, rel);
  const layer = layerOf(file)!;
  for (const spec of specifiersIn(text)) {
    const bad = (why: string) => out.push({ file: rel, spec, why });
    if (!spec.startsWith(".")) {
      if (layer === "src" && /^vscode($|-)/.test(spec)) bad("the core imports no editor or LSP library");
      if (layer === "server" && (spec === "vscode" || spec.startsWith("vscode-languageclient"))) bad("the server is not an editor extension");
      if (layer === "client" && /^vscode-languageserver($|\/)/.test(spec)) bad("the client speaks to the server, it does not host one");
      if (layer !== "src" && /^(ts-morph|typescript)($|\/)/.test(spec)) bad("only the core parses TypeScript: the server and client ask it");
      continue;
    }
    const target = path.resolve(path.dirname(file), spec).replace(/\.(js|ts)$/, "");
    const to = layerOf(target);
    const sub = path.relative(path.join(root, "src"), target).split(path.sep).join("/");
    if (layer === "src" && (to === "server" || to === "client")) bad("the core imports nothing of server/ or client/");
    if (layer !== "src" && to === "src" && !PUBLIC.some((p) => (p.endsWith("/") ? sub.startsWith(p) : sub === p))) bad("a core internal: use the core's public modules");
    if (layer === "client" && to === "server" && path.relative(path.join(root, "server"), target) !== "protocol") bad("the client knows only the server's protocol");
    if (layer === "server" && to === "client") bad("the server knows nothing of the VS Code client");
    if (rel.startsWith(path.join("src", "diagnostics")) && sub.startsWith("analysis/")) bad("src/diagnostics imports nothing of src/analysis");
  }
  return out;
}

test("the layers hold: core, server and client import only what their layer may", () => {
  const v = violations();
  assert.deepEqual(v.map((x) => `${x.file}: ${x.spec} — ${x.why}`), []);
});

test("the check catches each kind of violation (it is not vacuous)", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["src/analysis/x.ts", `import { Connection } from "vscode-languageserver/node";`, /no editor or LSP library/],
    ["src/cli/x.ts", `const s = await import("../../server/main.js");`, /nothing of server/],
    ["server/x.ts", `import { FileState } from "../src/analysis/file-state";`, /core internal/],
    ["client/x.ts", `import { Files } from "../server/files";`, /only the server's protocol/],
    ["client/x.ts", `import { createConnection } from "vscode-languageserver";`, /does not host one/],
    ["server/x.ts", `import { ts } from "ts-morph";`, /only the core parses TypeScript/],
    ["src/diagnostics/handlers/x.ts", `import type { Lookup } from "../../analysis/lookup";`, /imports nothing of src\/analysis/],
  ];
  for (const [rel, text, why] of cases) {
    const v = fileViolations(rel, text);
    assert.equal(v.length, 1, `${rel}: ${text}`);
    assert.match(v[0]!.why, why);
  }
  assert.deepEqual(fileViolations("server/x.ts", `import { Workspace } from "../src/analysis/workspace";\nimport type { Hover } from "vscode-languageserver/node";`), []);
});
