// The derivation as text (the CLI's default) and as Markdown (`--format markdown`, the hover):
// forward steps with shapes, backward steps as upstream gradient · Jacobian with the Jacobian's
// structure in words, the whole gradient per parameter, and the assumptions made.

import { formatShape } from "../shape/shape";
import type { BackwardStep, ExplainJson } from "./explain";
import { prettyName } from "./names";

const width = (s: string) => [...s].length;
const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - width(s)));

function title(j: ExplainJson): string {
  const f = prettyName(j.function);
  const ps = j.wrt.map(prettyName);
  return ps.length === 1 ? `∂${f}/∂${ps[0]}` : `∂${f}/∂{${ps.join(", ")}}`;
}

function opLabel(b: BackwardStep): string {
  return b.jacobian === "full" && b.op === "softmax" && b.why.startsWith("softmax then crossEntropy") ? "softmax + crossEntropy" : b.op;
}

function stepText(b: BackwardStep): string {
  return `${b.target} ${b.accumulate ? "+=" : "="} ${b.expr}${b.simplified ? ` = ${b.simplified}` : ""}`;
}

/** Lines in columns: each row's cells padded to the widest of their column. */
function columns(rows: string[][], indent = "  "): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, width(c))));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]! + 3))).join("").trimEnd());
}

export function formatText(j: ExplainJson): string {
  const out = [`${title(j)} for ${j.function} in ${j.file}`, "", "forward"];
  out.push(...columns(j.forward.map((f) => [`${f.symbol} = ${f.expr}`, formatShape(f.shape)])));
  out.push("", "backward: each step is the upstream gradient times the Jacobian of the op it goes back through");
  out.push(...columns(j.backward.map((b) => [stepText(b), formatShape(b.shape), `${opLabel(b)}: ${b.how}`])));
  if (j.shared.length) {
    out.push("", "shared by the gradients below");
    out.push(...columns(j.shared.map((s) => [`${s.param} = ${s.expr}`, formatShape(s.shape)])));
  }
  out.push("", j.gradients.length === 1 ? "gradient" : "gradients");
  const f = prettyName(j.function);
  out.push(...columns(j.gradients.map((g) => [`∂${f}/∂${prettyName(g.param)} = ${g.expr}`, formatShape(g.shape)])));
  for (const a of j.assumptions) out.push("", `assuming ${a}`);
  return out.join("\n") + "\n";
}

const code = (s: string) => "`" + s.replace(/`/g, "'") + "`";

export function formatMarkdown(j: ExplainJson): string {
  const f = prettyName(j.function);
  const out: string[] = [];
  for (const g of j.gradients) out.push(`**∂${f}/∂${prettyName(g.param)}** = ${code(g.expr)} ${code(formatShape(g.shape))}`, "");
  if (j.shared.length) {
    out.push(j.shared.map((s) => `${code(`${s.param} = ${s.expr}`)} ${code(formatShape(s.shape))}`).join("  \n"), "");
  }
  out.push("| forward | | shape |", "|:--|:--|:--|");
  for (const s of j.forward) out.push(`| ${code(s.symbol)} | ${code(s.expr)} | ${code(formatShape(s.shape))} |`);
  out.push("", "| backward | upstream · Jacobian | shape | Jacobian |", "|:--|:--|:--|:--|");
  for (const b of j.backward) {
    const expr = `${b.accumulate ? "+= " : ""}${b.expr}${b.simplified ? ` = ${b.simplified}` : ""}`;
    out.push(`| ${code(b.target)} | ${code(expr)} | ${code(formatShape(b.shape))} | **${b.jacobian}** (${opLabel(b)}) |`);
  }
  for (const a of j.assumptions) out.push("", `*Assuming* ${a}.`);
  out.push("", "Element-wise ops have diagonal Jacobians, so a row gradient times one is ⊙; matrix products are linear maps, so the step is @ with a transpose.");
  return out.join("\n") + "\n";
}
