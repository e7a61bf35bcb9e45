// `chainrule init [folder]`: sets up a user's project for the DSL: chainrule as a dependency and
// two scripts in package.json, a tsconfig.json if there is none, and an example file (the seed's
// network with its hand-derived gradients), then checks the example. It never overwrites a file:
// what exists is kept and said so, and a package.json it cannot read stops it before any write.

import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError } from "./args";
import { checkFiles } from "./check";
import { parseCommandArgs, type Command } from "./command";
import type { CliIo } from "./io";

export const EXAMPLE_FILE = "chainrule-example.ts";

const SCRIPTS: Record<string, string> = {
  "chainrule:check": "chainrule check",
  "chainrule:verify": "chainrule verify",
};

/** A tsconfig under which the DSL's types resolve (`exports` with types) and check strictly. */
const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
};

/** This package's root: the folder above dist/ (bundled) or above src/cli (sources). */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pj = path.join(dir, "package.json");
    if (existsSync(pj) && JSON.parse(readFileSync(pj, "utf8")).name === "chainrule") return dir;
    if (path.dirname(dir) === dir) throw new Error(`chainrule's own package.json was not found above ${__dirname}`);
  }
}

function indentOf(text: string): string | number {
  return /^[{[]\r?\n([ \t]+)/.exec(text)?.[1] ?? 2;
}

interface Plan {
  writes: Array<{ file: string; text: string; what: string; create: boolean }>;
  notes: string[];
}

/** Everything init would do, decided before anything is written. */
function plan(dir: string, own: { version: string; example: string }): Plan {
  const writes: Plan["writes"] = [];
  const notes: string[] = [];
  const pjFile = path.join(dir, "package.json");
  if (existsSync(pjFile)) {
    const text = readFileSync(pjFile, "utf8");
    let pj: Record<string, unknown>;
    try {
      pj = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`package.json is not valid JSON (${(e as Error).message}); nothing was changed`);
    }
    if (typeof pj !== "object" || pj === null || Array.isArray(pj)) throw new UsageError("package.json is not a JSON object; nothing was changed");
    const deps = (pj.dependencies ?? {}) as Record<string, string>;
    const dev = (pj.devDependencies ?? {}) as Record<string, string>;
    const added: string[] = [];
    if (!("chainrule" in deps) && !("chainrule" in dev)) {
      pj.dependencies = { ...deps, chainrule: `^${own.version}` };
      added.push(`dependency chainrule ^${own.version}`);
    } else notes.push(`package.json already depends on chainrule (${deps.chainrule ?? dev.chainrule}): kept`);
    const scripts = (pj.scripts ?? {}) as Record<string, string>;
    for (const [name, cmd] of Object.entries(SCRIPTS)) {
      if (!(name in scripts)) {
        scripts[name] = cmd;
        added.push(`script ${name}`);
      }
    }
    pj.scripts = scripts;
    if (added.length) writes.push({ file: pjFile, text: JSON.stringify(pj, null, indentOf(text)) + "\n", what: `package.json: added ${added.join(", ")}`, create: false });
  } else {
    const name = path.basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "chainrule-project";
    const pj = { name, version: "0.1.0", private: true, scripts: SCRIPTS, dependencies: { chainrule: `^${own.version}` } };
    writes.push({ file: pjFile, text: JSON.stringify(pj, null, 2) + "\n", what: "package.json: created, depending on chainrule", create: true });
  }
  const tsconfig = path.join(dir, "tsconfig.json");
  if (existsSync(tsconfig)) notes.push("tsconfig.json exists: kept (chainrule's types resolve under any moduleResolution)");
  else writes.push({ file: tsconfig, text: JSON.stringify(TSCONFIG, null, 2) + "\n", what: "tsconfig.json: created (strict, NodeNext, noEmit)", create: true });
  const example = path.join(dir, EXAMPLE_FILE);
  if (existsSync(example)) notes.push(`${EXAMPLE_FILE} exists: kept`);
  else writes.push({ file: example, text: own.example, what: `${EXAMPLE_FILE}: created (the seed's network and its hand-derived gradients)`, create: true });
  return { writes, notes };
}

function exampleText(root: string): string {
  const seed = readFileSync(path.join(root, "examples/seed.ts"), "utf8");
  return [
    "// Written by `chainrule init`: a two-layer network and its hand-derived gradients.",
    "// `npx chainrule check` infers every shape below; `npx chainrule verify` checks each @gradient",
    "// against finite differences. Change `.mul(h.mul(sub(1, h)))` in dLoss_dx to `.matmul(…)` to",
    "// see the mistake chainrule is for: [1,H] @ [1,H].",
    "",
    seed,
  ].join("\n");
}

export async function initCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { paths } = parseCommandArgs(init, argv);
  if (paths.length > 1) throw new UsageError("chainrule init takes one folder");
  const dir = path.resolve(io.cwd, paths[0] ?? ".");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`no such folder: ${paths[0]}`);
  const root = packageRoot();
  const own = { version: JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version as string, example: exampleText(root) };
  const { writes, notes } = plan(dir, own);
  for (const w of writes) writeFileSync(w.file, w.text, { flag: w.create ? "wx" : "w" });
  const rel = path.relative(io.cwd, dir) || ".";
  const out = [`chainrule init in ${rel}:`, ...writes.map((w) => `  ${w.what}`), ...notes.map((n) => `  ${n}`)];
  // Named relative to the current folder, as the message suggests running `check` from here.
  const [checked] = checkFiles([path.relative(io.cwd, path.join(dir, EXAMPLE_FILE))], io.cwd);
  if (checked) {
    const n = checked.diagnostics.length;
    out.push(`  checked ${checked.file}: ${n === 0 ? "no shape problems" : `${n} diagnostic${n === 1 ? "" : "s"} (npx chainrule check ${checked.file})`}`);
  }
  const installed = existsSync(path.join(dir, "node_modules", "chainrule", "package.json"));
  out.push("", "next:");
  if (!installed) out.push("  npm install                      # installs chainrule as package.json now asks");
  out.push(
    "  npx chainrule check              # shapes of every .ts file here (also: npm run chainrule:check)",
    "  npx chainrule verify             # every @gradient against finite differences",
    "  editors: the chainrule VS Code extension, or `npx chainrule lsp --stdio` in any LSP client",
  );
  io.stdout(out.join("\n") + "\n");
  return 0;
}

export const init: Command = {
  name: "init",
  summary: "set up a project for the DSL: chainrule dependency and scripts, tsconfig.json, an example file",
  operands: "[folder]",
  operandDocs: [["folder", "the project's folder (default: the current one); nothing in it is overwritten"]],
  flags: {},
  exit: "0 set up (existing files kept), 2 bad usage or an unreadable package.json (then nothing is written)",
  examples: [
    "npm install chainrule && npx chainrule init   # in your project: then `npx chainrule check`",
    "chainrule init my-model                        # in the folder my-model",
  ],
  run: initCommand,
};
