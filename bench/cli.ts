// `chainrule check` as a user runs it (a new process through bin/chainrule.js) on the generated
// 2,000-line DSL file of bench/analysis.ts: the first run after writing the file ("cold") and the
// median of later runs ("warm": the OS has the files cached; every run is still a fresh process).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generate } from "./analysis";

const bin = path.join(__dirname, "..", "bin", "chainrule.js");
const dir = mkdtempSync(path.join(tmpdir(), "chainrule-bench-cli-"));
try {
  const file = path.join(dir, "model.ts");
  writeFileSync(file, generate(2000));
  const run = () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, "check", file, "--format", "json"], { encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 1) throw new Error(`expected exit 1 (the file has errors), got ${r.status}: ${r.stderr}`);
    return { ms, diagnostics: JSON.parse(r.stdout).files[0].diagnostics.length as number };
  };
  const cold = run();
  const warm = Array.from({ length: 5 }, run).map((r) => r.ms).sort((a, b) => a - b);
  console.log(`check, 2,000-line file, ${cold.diagnostics} diagnostics: cold ${cold.ms.toFixed(0)} ms, warm median ${warm[2]!.toFixed(0)} ms (whole process)`);
  const t0 = performance.now();
  spawnSync(process.execPath, [bin, "--version"]);
  console.log(`process start + CLI load alone (chainrule --version): ${(performance.now() - t0).toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
