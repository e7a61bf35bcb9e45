// Runs the same in-editor suite (test/editors/vscode/suite.ts) in desktop VS Code through
// @vscode/test-electron, for machines with internet access (it downloads VS Code). On the offline
// project machines this fails at the download (ENOTFOUND); there, npm run test:editors uses
// code-server's VS Code server instead (test/editors/vscode/harness.ts). The screenshot step is
// reported as skipped here: no browser drives this window.
// Usage: npm run build && node scripts/editors/vscode-electron.mjs [vscode version, default stable]
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { runTests } from "@vscode/test-electron";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const tmp = mkdtempSync(path.join(tmpdir(), "chainrule-electron-"));
const suiteDir = path.join(tmp, "suite");
await build({
  entryPoints: [path.join(root, "test/editors/vscode/suite.ts")], outfile: path.join(suiteDir, "index.js"),
  bundle: true, platform: "node", format: "cjs", target: "node20", external: ["vscode"], logLevel: "warning",
});
const ws = path.join(tmp, "ws");
mkdirSync(path.join(ws, "node_modules"), { recursive: true });
cpSync(path.join(root, "test/protocol/fixtures/seed-bug.ts"), path.join(ws, "seed-bug.ts"));
cpSync(path.join(root, "test/protocol/fixtures/seed.ts"), path.join(ws, "expected-seed.ts"));
symlinkSync(root, path.join(ws, "node_modules/chainrule"), "dir");

const code = await runTests({
  version: process.argv[2] ?? "stable",
  extensionDevelopmentPath: root,
  extensionTestsPath: suiteDir,
  launchArgs: [ws, "--disable-extensions", "--disable-workspace-trust"],
}).then(() => 0, (e) => (console.error(e), 1));
process.exit(code);
