// Renders docs/ops.md, the table of every user op: how it is called (method and function forms,
// from its surface), how a t`…` template writes it, its rule and its Jacobian, from its catalog entry.

import { USER_OPS } from "../../src/ops/catalog";
import type { OpDef, OpKind } from "../../src/ops/types";
import { templateForms } from "../../src/template/functions";

const FAMILIES: ReadonlyArray<[OpKind, string]> = [
  ["elementwise", "Element-wise (broadcasting as NumPy does; diagonal Jacobians)"],
  ["linalg", "Matrix ops"],
  ["reduce", "Reductions, normalisations and the loss"],
  ["layout", "Reshaping, joining and slicing"],
];

function call(op: OpDef, method: boolean): string {
  const s = op.surface;
  const attrs = s.attrs.map((a) => (a.optional ? `${a.name}?` : a.name));
  // A list op's method prepends its receiver to the list: a.concat([b, …]) is concat([a, b, …]).
  const operands = s.list ? [method ? "[b, …]" : "[a, b, …]"] : method ? s.operands.slice(1) : s.operands;
  const receiver = s.list ? "a" : s.operands[0];
  return `${method ? `${receiver}.` : ""}${op.name}(${[...operands, ...attrs].join(", ")})`;
}

const code = (x: string) => `\`${x.replace(/\|/g, "\\|")}\``;
const cell = (x: string) => x.replace(/\|/g, "\\|");

export function renderOpsDoc(): string {
  const out = [
    "# chainrule ops",
    "",
    "Generated from the op catalog (`src/ops`) by `npm run gen`; do not edit by hand. Every op has a",
    "method form (the receiver is the first operand) and a function form; operands may be tensors or",
    "numbers (scalars `[]`). Attributes (`axis`, `axes`, `shape`, `start`, `end`, `exponent`) are",
    "numbers, dim names or dim expressions (`\"H+K\"`), and arrays of them; the analyzer reads them",
    "when they are written as literals. The last column is the Jacobian's structure: `diagonal`",
    "(element-wise, so a gradient passes with ⊙), `linear` (a linear map such as `@ Wᵀ`), `full`.",
    "",
  ];
  for (const [kind, title] of FAMILIES) {
    const ops = USER_OPS.filter((op) => op.kind === kind);
    if (!ops.length) continue;
    out.push(`## ${title}`, "", "| op | method | template | rule | Jacobian |", "| --- | --- | --- | --- | --- |");
    for (const op of ops) {
      const forms = templateForms(op);
      out.push(`| ${code(call(op, false))} | ${code(call(op, true))} | ${forms.length ? forms.map(code).join(", ") : "—"} | ${cell(op.doc)} | ${op.jacobian}: ${cell(op.jacobianDoc)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}
