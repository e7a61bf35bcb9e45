// Runs the same in-editor suite (test/editors/vscode/suite.ts) in desktop VS Code through
// @vscode/test-electron, for machines with internet access (it downloads VS Code). On the offline
// project machines this fails at the download (ENOTFOUND); there, npm run test:editors uses
// code-server's VS Code server instead (test/editors/vscode/session.ts). The suite and its
// workspace are prepared as in that session; the screenshot steps are reported as skipped here:
// no browser drives this window.
// Usage: npm run build && node scripts/editors/vscode-electron.mjs [vscode version, default stable]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runTests } from "@vscode/test-electron";
import { createRequire } from "node:module";
import { register } from "tsx/cjs/api";

// The session module and the suite's workspace are TypeScript (CommonJS, like the package): load
// them through tsx's require hook. (tsx's namespaced tsImport would hide esbuild's binary from it.)
register();
const require = createRequire(import.meta.url);
const { prepare, ROOT } = require("../../test/editors/vscode/session.ts");
const { SEED_WORKSPACE } = require("../../test/editors/vscode/harness.ts");
const { suiteDir, ws } = await prepare("suite.ts", SEED_WORKSPACE, mkdtempSync(path.join(tmpdir(), "chainrule-electron-")));

const code = await runTests({
  version: process.argv[2] ?? "stable",
  extensionDevelopmentPath: ROOT,
  extensionTestsPath: suiteDir,
  launchArgs: [ws, "--disable-extensions", "--disable-workspace-trust"],
}).then(() => 0, (e) => (console.error(e), 1));
process.exit(code);
