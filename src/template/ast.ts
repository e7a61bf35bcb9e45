// The syntax tree of a math template t`…` and its position scheme. Positions are (part, offset)
// pairs into the template's literal parts, so the runtime (which has `strings.raw`) and the
// analyzer (which has the file text of each part) share one parser and map back without loss.

/**
 * A position inside a template: `offset` UTF-16 units into literal part `part` (the text between
 * two interpolations; part 0 follows the opening backtick). An interpolation `${…}` sits between
 * `{part: i, offset: parts[i].length}` and `{part: i + 1, offset: 0}`.
 */
export interface TemplatePos {
  readonly part: number;
  readonly offset: number;
}

/** A half-open range [start, end) of template positions. */
export interface TemplateSpan {
  readonly start: TemplatePos;
  readonly end: TemplatePos;
}

/** The binary operator tokens, kept as written so a fix can match the file's style. */
export type BinaryToken = "@" | "⊙" | "*" | "/" | "+" | "-";
/** Catalog op each binary token stands for. */
export type BinaryOpName = "matmul" | "mul" | "div" | "add" | "sub";

export const BINARY_TOKENS: Readonly<Record<BinaryToken, BinaryOpName>> = {
  "@": "matmul",
  "⊙": "mul",
  "*": "mul",
  "/": "div",
  "+": "add",
  "-": "sub",
};

interface NodeBase {
  /** Index within its template, children before parents, so callers can keep per-node data in arrays. */
  readonly id: number;
  /** The whole node, operands and parentheses included. */
  readonly span: TemplateSpan;
}

/** The value of interpolation number `index` (0-based, in source order). */
export interface OperandNode extends NodeBase {
  readonly kind: "operand";
  readonly index: number;
}

/** A number literal: a scalar `[]`. `text` is as written (`1`, `0.5`, `1e-3`). */
export interface NumberNode extends NodeBase {
  readonly kind: "number";
  readonly value: number;
  readonly text: string;
}

export interface BinaryNode extends NodeBase {
  readonly kind: "binary";
  readonly op: BinaryOpName;
  readonly token: BinaryToken;
  /** The operator token alone. */
  readonly opSpan: TemplateSpan;
  readonly left: TemplateNode;
  readonly right: TemplateNode;
}

/** Prefix `-` (neg) and postfix `ᵀ` / `.T` (transpose). */
export interface UnaryNode extends NodeBase {
  readonly kind: "unary";
  readonly op: "neg" | "transpose";
  readonly token: "-" | "ᵀ" | ".T";
  readonly opSpan: TemplateSpan;
  readonly operand: TemplateNode;
}

/** `a ^ p` with p a number literal: the catalog's pow with `exponent` p. */
export interface PowerNode extends NodeBase {
  readonly kind: "power";
  readonly op: "pow";
  readonly token: "^";
  readonly opSpan: TemplateSpan;
  readonly operand: TemplateNode;
  readonly exponent: number;
  /** The exponent as written (`2`, `-0.5`). */
  readonly exponentText: string;
}

/** `sigmoid(…)`, `σ(…)`, `sum(…)`, …: `op` is the catalog name, `name` as written. */
export interface CallNode extends NodeBase {
  readonly kind: "call";
  readonly op: string;
  readonly name: string;
  readonly nameSpan: TemplateSpan;
  readonly args: readonly TemplateNode[];
}

/** Parentheses are kept so that fixes and printers can see them; they evaluate to their content. */
export interface ParenNode extends NodeBase {
  readonly kind: "paren";
  readonly expr: TemplateNode;
}

/**
 * Where the parser recovered from a syntax error. Its value is unknown; `children` are the parts
 * that did parse (e.g. both sides of an implicit multiplication), so their shapes can still be shown.
 */
export interface ErrorNode extends NodeBase {
  readonly kind: "error";
  readonly children: readonly TemplateNode[];
}

export type TemplateNode = OperandNode | NumberNode | BinaryNode | UnaryNode | PowerNode | CallNode | ParenNode | ErrorNode;

export type TemplateErrorKind =
  | "empty"
  | "implicit-multiplication"
  | "expected-operand"
  | "unclosed-paren"
  | "unmatched-paren"
  | "unknown-function"
  | "unknown-name"
  | "expected-call"
  | "wrong-arity"
  | "bad-exponent"
  | "unexpected-character";

export interface TemplateSyntaxError {
  readonly kind: TemplateErrorKind;
  readonly message: string;
  readonly span: TemplateSpan;
  /** For `implicit-multiplication`: where an operator would go (the end of the left operand). */
  readonly insertAt?: TemplatePos;
}

export interface ParsedTemplate {
  /** Null only when there is nothing to build a tree from (an empty template). */
  readonly root: TemplateNode | null;
  /** In source order; the first is the one to show when only one is shown. */
  readonly errors: readonly TemplateSyntaxError[];
  /** Number of interpolations (parts.length − 1). */
  readonly operandCount: number;
  /** Every node, indexed by `id`. */
  readonly nodes: readonly TemplateNode[];
}

export function comparePos(a: TemplatePos, b: TemplatePos): number {
  return a.part !== b.part ? a.part - b.part : a.offset - b.offset;
}

/**
 * The file offset of a template position, given where each literal part's text starts in the
 * file (for a ts-morph TemplateExpression: head.getStart() + 1, then each span's
 * literal.getStart() + 1, i.e. just after the backtick or the `}`).
 */
export function templatePosToOffset(pos: TemplatePos, partStarts: readonly number[]): number {
  const start = partStarts[pos.part];
  if (start === undefined) throw new RangeError(`template part ${pos.part} has no start offset`);
  return start + pos.offset;
}

export function templateSpanToOffsets(span: TemplateSpan, partStarts: readonly number[]): { start: number; end: number } {
  return { start: templatePosToOffset(span.start, partStarts), end: templatePosToOffset(span.end, partStarts) };
}

/** Children of a node in source order. */
export function childrenOf(node: TemplateNode): readonly TemplateNode[] {
  switch (node.kind) {
    case "operand":
    case "number":
      return [];
    case "binary":
      return [node.left, node.right];
    case "unary":
    case "power":
      return [node.operand];
    case "call":
      return node.args;
    case "paren":
      return [node.expr];
    case "error":
      return node.children;
  }
}

/** Where an op node's operator is written: the token, or a call's function name; else the node. */
export function operatorSpan(node: TemplateNode): TemplateSpan {
  if (node.kind === "binary" || node.kind === "unary" || node.kind === "power") return node.opSpan;
  if (node.kind === "call") return node.nameSpan;
  return node.span;
}
