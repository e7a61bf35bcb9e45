// The language server as the .vsix lays it out (scripts/package-vsix.mjs --stage, in a temp folder
// outside the repository so nothing resolves from its node_modules): it starts, publishes the
// seed's bug, and verifies gradients with the esbuild-wasm it carries (no native esbuild there).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { ExecuteCommandRequest } from "vscode-languageserver-protocol/node";
import type { VerifyRunResult } from "../../server/protocol";
import { FIXTURES, LspClient } from "../protocol/harness";

const ROOT = path.resolve(__dirname, "../..");

describe("the packaged extension's server (the .vsix layout, esbuild-wasm only)", () => {
  let tmp: string;
  let client: LspClient;
  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), "chainrule-vsix-stage-"));
    execFileSync(process.execPath, [path.join(ROOT, "scripts/package-vsix.mjs"), "--stage", path.join(tmp, "ext")], { stdio: "pipe" });
    copyFileSync(path.join(FIXTURES, "verify/network.ts"), path.join(tmp, "network.ts"));
    client = await LspClient.start({
      command: { args: [path.join(tmp, "ext/dist/server.js"), "--stdio"], cwd: tmp },
      initializationOptions: { trusted: true },
      env: { CHAINRULE_CACHE_DIR: path.join(tmp, "cache") },
    });
  });
  after(async () => {
    await client?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("carries esbuild-wasm and no native esbuild", () => {
    assert.ok(existsSync(path.join(tmp, "ext/dist/node_modules/esbuild-wasm/esbuild.wasm")));
    assert.ok(!existsSync(path.join(tmp, "ext/dist/node_modules/esbuild")));
    assert.ok(!existsSync(path.join(tmp, "node_modules")), "nothing above the stage to resolve from");
  });

  it("verifies the network's gradients through esbuild-wasm: the transposed one fails, the others pass", async () => {
    const file = path.join(tmp, "network.ts");
    const uri = pathToFileURL(file).href;
    await client.open(uri, readFileSync(file, "utf8"));
    await client.diagnosticsFor(uri, 1);
    const res = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
      command: "chainrule.verifyGradient",
      arguments: [{ uri, runId: "wasm" }],
    })) as VerifyRunResult;
    assert.equal(res.refused, undefined);
    const byName = new Map(res.checks.map((c) => [c.gradient, c]));
    assert.ok(res.checks.length >= 2, JSON.stringify(res.checks.map((c) => [c.gradient, c.status, c.message])));
    assert.equal(byName.get("dLoss_dW2")?.status, "fail", byName.get("dLoss_dW2")?.message);
    assert.equal(byName.get("dLoss_dW2")?.diagnosis, "transposed");
    for (const c of res.checks) if (c.gradient !== "dLoss_dW2") assert.equal(c.status, "pass", `${c.gradient}: ${c.message}`);
  });
});
