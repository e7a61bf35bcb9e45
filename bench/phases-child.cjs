// One fresh process of bench/startup-phases.ts: loads dist/engine.js the way the CLI and the
// server do (dist/cli.js's loadBundle, code cache per the environment), then parses and analyses
// the files named on the command line, and prints each phase's wall and CPU milliseconds (CPU:
// the whole process, GC and compiler threads included) as JSON.
const { readFileSync } = require("node:fs");
const path = require("node:path");
const cpu0 = process.cpuUsage();
const boot = performance.now(); // process start → this line: Node itself
const cpuMs = (from) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};
const phases = { boot: { wall: boot, cpu: cpuMs() } };
const timed = (name, work) => {
  const t = performance.now();
  const c = process.cpuUsage();
  const result = work();
  phases[name] = { wall: performance.now() - t, cpu: cpuMs(c) };
  return result;
};
const dist = path.join(__dirname, "..", "dist");
const engine = timed("load", () => require(path.join(dist, "cli.js")).loadBundle(path.join(dist, "engine.js")));
const [a, b] = process.argv.slice(2);
const ws = new engine.Workspace();
const texts = [a, b].map((f) => readFileSync(f, "utf8"));
timed("parse", () => ws.update(a, texts[0]));
const diagnostics = timed("analyze", () => ws.analyze(a).diagnostics.length);
timed("second", () => {
  ws.update(b, texts[1]);
  ws.analyze(b);
});
void cpu0;
process.stdout.write(JSON.stringify({ phases, diagnostics }) + "\n");
