// Hover text for a tensor expression, variable, parameter or operator: its shape, where the shape
// came from, and for an operator the op's rule and Jacobian structure (the seed's question is
// exactly "is this Jacobian diagonal, so the product is ⊙?"). Markdown, a few short lines.

import type { Hover, MarkupContent } from "vscode-languageserver/node";
import type { ShapeInfo } from "../src/analysis/api";
import { getOp } from "../src/ops/catalog";
import { formatShape, shapeEquals, type MaybeShape } from "../src/shape/shape";

/** The one-line answer to the seed's confusion, shown where it applies. */
export const DIAGONAL_RULE = "g · diag(s′) = g ⊙ s′";

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
    // The seed's bug: a row gradient matmul'ed with something of its own shape. That factor is
    // almost always an element-wise derivative, whose Jacobian is diagonal.
    const [a, b] = info.operands ?? [];
    if (op.name === "matmul" && a && b && shapeEquals(a, b) && a.length === 2 && a[0] === 1) {
      lines.push(
        `Both operands are ${formatShape(a)}: if the right one is an element-wise derivative (like σ′ = h ⊙ (1 − h)), ` +
          `its Jacobian is diagonal and ${DIAGONAL_RULE}: use ⊙ (\`mul\`).`,
      );
    }
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

export function hoverMarkdown(info: ShapeInfo): MarkupContent {
  const lines = info.kind === "operator" ? operatorLines(info) : valueLines(info);
  // Two trailing spaces would be fragile; a blank line between lines renders the same everywhere.
  return { kind: "markdown", value: lines.join("\n\n") };
}

export function toHover(info: ShapeInfo, markdown: boolean): Hover {
  const md = hoverMarkdown(info);
  return {
    contents: markdown ? md : { kind: "plaintext", value: md.value.replace(/[*_`]/g, "") },
    range: info.range,
  };
}
