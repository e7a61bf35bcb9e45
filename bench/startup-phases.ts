// Where start-up time goes, phase by phase, in fresh processes (bench/phases-child.cjs): Node's
// own boot, loading dist/engine.js (read, compile, run its top level), the first parse of a
// 2,000-line file, its first analysis, and a further 2,000-line file; without the code cache,
// with it, and with it plus a 16 MB young generation (measured and not adopted: docs/decisions.md).
// Medians of RUNS, the variants interleaved so that a noisy moment hits each alike.
// Run: npm run build && node --import tsx bench/startup-phases.ts [--runs 7] [--flags "V8 FLAGS" …]
// (each --flags adds a variant: the code cache plus those flags, to measure a flag before adopting it).

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generate } from "./analysis";

const i = process.argv.indexOf("--runs");
const RUNS = i > 0 ? Number(process.argv[i + 1]) : 7;
const CHILD = path.join(__dirname, "phases-child.cjs");
const PHASES = ["boot", "load", "parse", "analyze", "second"] as const;
type Phases = Record<(typeof PHASES)[number], { wall: number; cpu: number }>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(path.join(tmpdir(), "chainrule-bench-phases-"));
try {
  const a = path.join(dir, "a.ts");
  const b = path.join(dir, "b.ts");
  writeFileSync(a, generate(2000));
  writeFileSync(b, generate(2000).replace(/\bloss(\d)/g, "lossB$1").replace(/dLoss/g, "dLossB"));
  const variants: Array<[string, string[], Record<string, string>]> = [
    ["no code cache", [], { CHAINRULE_NO_CODE_CACHE: "1" }],
    ["code cache", [], {}],
    ["cache + 16 MB young gen", ["--min-semi-space-size=16", "--max-semi-space-size=16"], {}],
    ...process.argv.flatMap((a, k) => (a === "--flags" ? [[`cache ${process.argv[k + 1]}`, process.argv[k + 1]!.split(" "), {}] as [string, string[], Record<string, string>]] : [])),
  ];
  const run = (flags: string[], env: Record<string, string>): Phases => {
    const r = spawnSync(process.execPath, [...flags, CHILD, a, b], { encoding: "utf8", env: { ...process.env, CHAINRULE_CACHE_DIR: path.join(dir, "cache"), ...env } });
    if (r.status !== 0) throw new Error(r.stderr);
    return (JSON.parse(r.stdout) as { phases: Phases }).phases;
  };
  for (const [, flags, env] of variants) run(flags, env); // writes each variant's code cache
  const results = variants.map(() => [] as Phases[]);
  for (let k = 0; k < RUNS; k++) variants.forEach(([, flags, env], v) => results[v]!.push(run(flags, env)));
  console.log(`start-up phases, ms, median of ${RUNS} fresh processes (2,000-line file; "second": a further 2,000-line file, parse + analysis)`);
  console.log(`wall / CPU (CPU: the whole process, GC and compiler threads included; less swayed by other load)`);
  console.log(`  ${"variant".padEnd(40)}${PHASES.map((p) => p.padStart(12)).join("")}   total to first analysis`);
  variants.forEach(([name], v) => {
    const cell = (f: (r: Phases) => { wall: number; cpu: number }) =>
      `${median(results[v]!.map((r) => f(r).wall)).toFixed(0)} / ${median(results[v]!.map((r) => f(r).cpu)).toFixed(0)}`.padStart(12);
    const total = (r: Phases) => ({ wall: r.boot.wall + r.load.wall + r.parse.wall + r.analyze.wall, cpu: r.boot.cpu + r.load.cpu + r.parse.cpu + r.analyze.cpu });
    console.log(`  ${name.padEnd(40)}${PHASES.map((p) => cell((r) => r[p])).join("")}${cell(total)}`);
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
