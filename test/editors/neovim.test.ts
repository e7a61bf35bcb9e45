// The Neovim layer of the real-editor tests: runs test/editors/neovim/check.lua in headless
// Neovim (0.7, installed by scripts/editors/install.sh) against the bundled server on a copy of
// the seed's bug, and checks what the editor saw.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { it } from "node:test";

const ROOT = path.resolve(__dirname, "../..");

interface NvimResult {
  steps: string[];
  error?: string;
  diagnostics?: Array<{ code: string; source: string; message: string; lnum: number }>;
  hover?: string;
  actions?: Array<{ title: string; isPreferred: boolean }>;
  fixed_line?: string;
}

// The same server reached two ways: the bundle directly, and the CLI's `chainrule lsp --stdio`
// (what docs/editors.md tells users of other editors to configure).
const SERVERS: Array<[string, string[]]> = [
  ["node dist/server.js --stdio", [process.execPath, path.join(ROOT, "dist/server.js"), "--stdio"]],
  ["chainrule lsp --stdio", [process.execPath, path.join(ROOT, "bin/chainrule.js"), "lsp", "--stdio"]],
];

for (const [label, command] of SERVERS) it(`Neovim (${label}): seed bug → matmul-mismatch, hover, preferred quick fix clears it`, () => {
  const nvim = spawnSync("nvim", ["--version"], { encoding: "utf8" });
  assert.equal(nvim.status, 0, "nvim is not installed: run scripts/editors/install.sh");
  const dir = mkdtempSync(path.join(tmpdir(), "chainrule-nvim-"));
  try {
    const file = path.join(dir, "seed-bug.ts");
    copyFileSync(path.join(ROOT, "test/protocol/fixtures/seed-bug.ts"), file);
    const out = path.join(dir, "result.json");
    const started = Date.now();
    const run = spawnSync("nvim", ["--headless", "--clean", "-c", `luafile ${path.join(__dirname, "neovim/check.lua")}`, file], {
      cwd: dir,
      encoding: "utf8",
      timeout: 90_000,
      env: {
        ...process.env,
        XDG_CACHE_HOME: path.join(dir, "cache"),
        XDG_STATE_HOME: path.join(dir, "state"),
        CHAINRULE_NVIM_OUT: out,
        CHAINRULE_SERVER_CMD: JSON.stringify(command),
      },
    });
    const result = JSON.parse(readFileSync(out, "utf8")) as NvimResult;
    console.log(`# neovim session: ${Date.now() - started} ms, steps: ${result.steps.join(" → ")}`);
    assert.equal(result.error, undefined, `${result.error}\n${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(result.diagnostics?.length, 1);
    assert.equal(result.diagnostics![0]!.code, "matmul-mismatch");
    assert.equal(result.diagnostics![0]!.source, "chainrule");
    assert.match(result.hover ?? "", /\[1,H\] @ \[1,H\]/);
    assert.equal(result.actions?.filter((a) => a.isPreferred).length, 1);
    assert.deepEqual(result.steps, ["diagnostic", "hover", "fix applied", "diagnostic cleared"]);
    assert.match(result.fixed_line ?? "", /\.mul\(h\.mul\(sub\(1, h\)\)\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
