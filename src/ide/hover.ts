// What a hover says about a tensor expression, variable, parameter or operator: its shape, where
// the shape came from, and for an operator the op's rule and Jacobian structure (the seed's
// question is exactly "is this Jacobian diagonal, so the product is ⊙?"). Markdown, a few short
// lines; the language server only wraps it in LSP's types.

import type { ShapeInfo } from "../analysis/api";
import { getOp } from "../ops/catalog";
import { formatShape, type MaybeShape } from "../shape/shape";
import { diagonalCase, diagonalHover } from "../text/shape-phrases";

export interface HoverContent {
  range: ShapeInfo["range"];
  markdown: string;
  /** The same without Markdown, for clients that only render plain text. */
  plain: string;
}

function code(text: string): string {
  return "`" + text.replace(/`/g, "'") + "`";
}

function operandList(operands: ReadonlyArray<MaybeShape> | undefined, symbol: string | undefined): string {
  if (!operands || operands.length === 0) return "";
  const shapes = operands.map((s) => formatShape(s));
  if (shapes.length === 2 && symbol) return `${shapes[0]} ${symbol} ${shapes[1]}`;
  return shapes.join(", ");
}

function operatorLines(info: ShapeInfo): string[] {
  const op = info.op ? getOp(info.op) : undefined;
  const name = info.op ?? info.name ?? "op";
  const args = operandList(info.operands, op?.symbol);
  const result = info.shape === null ? "?" : formatShape(info.shape);
  const lines = [`**${name}**${op?.symbol ? ` (${op.symbol})` : ""}: ${code(`${args || "…"} → ${result}`)}`];
  if (op) {
    lines.push(op.doc);
    lines.push(`Jacobian **${op.jacobian}** — ${op.jacobianDoc}`);
    const [a, b] = info.operands ?? [];
    if (op.name === "matmul" && a && diagonalCase(a, b, info.operandOps?.[1])) lines.push(diagonalHover(a));
  }
  // The operand shapes above already say where an operator's result comes from.
  return lines;
}

function valueLines(info: ShapeInfo): string[] {
  const shape = formatShape(info.shape);
  const who = info.name ? `${code(info.name)}: ` : "";
  const lines = [`${who}**${shape}** — ${info.kind}`];
  if (info.provenance) lines.push(`from ${info.provenance}`);
  return lines;
}

export function hoverContent(info: ShapeInfo): HoverContent {
  const lines = info.kind === "operator" ? operatorLines(info) : valueLines(info);
  // Two trailing spaces would be fragile; a blank line between lines renders the same everywhere.
  const markdown = lines.join("\n\n");
  return { range: info.range, markdown, plain: markdown.replace(/[*_`]/g, "") };
}
