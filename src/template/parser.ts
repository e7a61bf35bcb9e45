// The one parser of the math template t`…`, shared by the runtime tag and the analyzer. It never
// throws: it returns a tree (with error nodes where it recovered) and the syntax errors, so a
// half-typed template still gets shapes for the parts that parse.
//
//   expr    := term (("+" | "-") term)*
//   term    := unary (("@" | "⊙" | "*" | "/") unary)*       NumPy: one level, left-associative
//   unary   := "-" unary | power
//   power   := postfix ("^" "-"? NUMBER)?                   a number literal exponent, not chained
//   postfix := primary ("ᵀ" | ".T")*
//   primary := OPERAND | NUMBER | "(" expr ")" | NAME "(" expr ("," expr)* ")"

import {
  BINARY_TOKENS,
  comparePos,
  ErrorNode,
  ParsedTemplate,
  TemplateErrorKind,
  TemplateNode,
  TemplatePos,
  TemplateSpan,
  TemplateSyntaxError,
} from "./ast";
import { suggestFunction, TEMPLATE_FUNCTIONS, templateFunctionNames } from "./functions";
import { lex, Token } from "./lexer";

/** Distributes `Omit` over the node union, so node literals keep their discriminant. */
type NodeInit = TemplateNode extends infer N ? (N extends TemplateNode ? Omit<N, "id"> : never) : never;

const MULTIPLICATIVE: ReadonlySet<string> = new Set(["@", "⊙", "*", "/"]);

function spanOf(start: TemplatePos, end: TemplatePos): TemplateSpan {
  return { start, end };
}

function describe(tok: Token): string {
  if (tok.kind === "eof") return "the end of the template";
  if (tok.kind === "operand") return "an interpolation ${…}";
  return `'${tok.text}'`;
}

function startsOperand(tok: Token): boolean {
  return tok.kind === "operand" || tok.kind === "number" || tok.kind === "ident" || tok.kind === "(";
}

class Parser {
  private i = 0;
  readonly nodes: TemplateNode[] = [];
  readonly errors: TemplateSyntaxError[] = [];

  constructor(private readonly tokens: readonly Token[]) {}

  // A method rather than a getter: TypeScript would otherwise keep a narrowing of a `tok` getter
  // across the `this.next()` calls that change it.
  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private get prev(): Token | undefined {
    return this.tokens[this.i - 1];
  }

  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== "eof") this.i++;
    return t;
  }

  private node<N extends NodeInit>(init: N): N & TemplateNode {
    const n = { id: this.nodes.length, ...init } as unknown as N & TemplateNode;
    this.nodes.push(n);
    return n;
  }

  private error(kind: TemplateErrorKind, message: string, span: TemplateSpan, insertAt?: TemplatePos): void {
    this.errors.push(insertAt ? { kind, message, span, insertAt } : { kind, message, span });
  }

  private errorNode(span: TemplateSpan, children: readonly TemplateNode[]): ErrorNode {
    return this.node({ kind: "error", span, children });
  }

  parseTemplate(): TemplateNode {
    let root = this.parseExpr();
    // Whatever follows a complete expression is a stray ')' or ','; report it, skip it and keep
    // the rest as a sibling so its shapes are still inferred.
    while (this.peek().kind !== "eof") {
      const t = this.next();
      if (t.kind === ")") this.error("unmatched-paren", "unexpected ')' without a matching '('", t.span);
      else this.error("unexpected-character", `unexpected ${describe(t)}: only a call takes several operands, as in outer(a, b)`, t.span);
      const next = this.peek();
      if (next.kind === "eof" || next.kind === ")" || next.kind === ",") continue;
      if (next.kind === "binop" || next.kind === "transpose") {
        // `(a + b)) @ c`: the stray token was the only mistake; go on with what was parsed.
        root = this.parseExpr(this.parsePostfixOps(root));
        continue;
      }
      const rest = this.parseExpr();
      root = this.errorNode(spanOf(root.span.start, rest.span.end), [root, rest]);
    }
    return root;
  }

  /** `first`, when given, is an already parsed leftmost unary operand. */
  private parseExpr(first?: TemplateNode): TemplateNode {
    let left = this.parseTerm(first);
    while (this.peek().kind === "binop" && (this.peek().text === "+" || this.peek().text === "-")) {
      left = this.binary(left, this.next(), () => this.parseTerm());
    }
    return left;
  }

  private parseTerm(first?: TemplateNode): TemplateNode {
    let left = first ?? this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind === "binop" && MULTIPLICATIVE.has(t.text)) {
        left = this.binary(left, this.next(), () => this.parseUnary());
      } else if (startsOperand(t)) {
        // Juxtaposition: `(a)(b)`, `${a} ${b}`, `2${x}`. Keep both sides so both still get shapes.
        // A name that is no function gets its own, more telling error (`${W}T`: write ᵀ).
        if (t.kind !== "ident" || TEMPLATE_FUNCTIONS.has(t.text)) this.error(
          "implicit-multiplication",
          `expected an operator between operands, found ${describe(t)}: write @ (matmul) or ⊙ (element-wise); there is no implicit multiplication`,
          t.span,
          left.span.end,
        );
        const right = this.parseUnary();
        left = this.errorNode(spanOf(left.span.start, right.span.end), [left, right]);
      } else {
        return left;
      }
    }
  }

  private binary(left: TemplateNode, op: Token, parseRight: () => TemplateNode): TemplateNode {
    const token = op.text as keyof typeof BINARY_TOKENS;
    const right = parseRight();
    return this.node({
      kind: "binary", op: BINARY_TOKENS[token], token, opSpan: op.span, left, right,
      span: spanOf(left.span.start, right.span.end),
    });
  }

  private parseUnary(): TemplateNode {
    if (this.peek().kind === "binop" && this.peek().text === "-") {
      const op = this.next();
      const operand = this.parseUnary();
      return this.node({ kind: "unary", op: "neg", token: "-", opSpan: op.span, operand, span: spanOf(op.span.start, operand.span.end) });
    }
    return this.parsePower();
  }

  private parsePower(): TemplateNode {
    const base = this.parsePostfix();
    if (this.peek().kind !== "^") return base;
    const op = this.next();
    const minus = this.peek().kind === "binop" && this.peek().text === "-" ? this.next() : undefined;
    const num = this.peek();
    if (num.kind !== "number") {
      this.error(
        "bad-exponent",
        `the exponent of ^ must be a number literal, as in \${x} ^ 2; found ${describe(num)} (write pow(x, p) outside the template for a computed power)`,
        spanOf(op.span.start, num.span.end),
      );
      const rest = startsOperand(num) ? [this.parseUnary()] : [];
      return this.errorNode(spanOf(base.span.start, rest[0]?.span.end ?? op.span.end), [base, ...rest]);
    }
    this.next();
    const node = this.node({
      kind: "power", op: "pow", token: "^", opSpan: op.span, operand: base,
      exponent: minus ? -num.value : num.value, exponentText: minus ? `-${num.text}` : num.text,
      span: spanOf(base.span.start, num.span.end),
    });
    const after = this.peek();
    if (after.kind === "^" || after.kind === "transpose") {
      // `a ^ 2 ^ 3` and `a ^ 2ᵀ` read differently to different people: ask for parentheses.
      this.next();
      // Take the second exponent too, so that one mistake makes one error.
      const end = (after.kind === "^" ? this.skipExponent() : undefined) ?? after.span.end;
      const fix = after.kind === "^" ? "(a ^ 2) ^ 3" : `(a ^ 2)${after.text}`;
      this.error("bad-exponent", `'${after.text}' after a power is ambiguous: add parentheses, as in ${fix}`, after.span);
      return this.errorNode(spanOf(node.span.start, end), [node]);
    }
    return node;
  }

  /** Skips a `-`? NUMBER exponent after a misplaced `^`; returns where it ends, if there was one. */
  private skipExponent(): TemplatePos | undefined {
    let end: TemplatePos | undefined;
    if (this.peek().kind === "binop" && this.peek().text === "-") end = this.next().span.end;
    if (this.peek().kind === "number") end = this.next().span.end;
    return end;
  }

  private parsePostfix(): TemplateNode {
    return this.parsePostfixOps(this.parsePrimary());
  }

  private parsePostfixOps(operand: TemplateNode): TemplateNode {
    let e = operand;
    while (this.peek().kind === "transpose") {
      const op = this.next();
      e = this.node({
        kind: "unary", op: "transpose", token: op.text as "ᵀ" | ".T", opSpan: op.span, operand: e,
        span: spanOf(e.span.start, op.span.end),
      });
    }
    return e;
  }

  private parsePrimary(): TemplateNode {
    const t = this.peek();
    switch (t.kind) {
      case "operand":
        this.next();
        return this.node({ kind: "operand", index: t.index, span: t.span });
      case "number":
        this.next();
        return this.node({ kind: "number", value: t.value, text: t.text, span: t.span });
      case "(":
        return this.parseParen();
      case "ident":
        return this.parseName();
      default:
        return this.missingOperand();
    }
  }

  /** No operand where one must be: report it without consuming, except a stray ᵀ (to move on). */
  private missingOperand(): TemplateNode {
    const t = this.peek();
    const where = this.prev ? `after '${this.prev.kind === "operand" ? "${…}" : this.prev.text}'` : "at the start of the template";
    if (t.kind === "^") {
      this.next();
      const end = this.skipExponent() ?? t.span.end;
      this.error("expected-operand", `^ needs an operand before it, as in \${x} ^ 2`, t.span);
      return this.errorNode(spanOf(t.span.start, end), []);
    }
    if (t.kind === "transpose") {
      this.next();
      this.error("expected-operand", `${t.text} needs an operand before it, as in \${W}${t.text}`, t.span);
      return this.errorNode(t.span, []);
    }
    this.error(
      "expected-operand",
      `expected an operand ${where}, found ${describe(t)}: an interpolation \${…}, a number, a call such as σ(…), or '('`,
      t.span,
    );
    return this.errorNode(spanOf(t.span.start, t.span.start), []);
  }

  private parseParen(): TemplateNode {
    const open = this.next();
    if (this.peek().kind === ")") {
      const close = this.next();
      this.error("expected-operand", "empty parentheses: expected an expression inside ( )", spanOf(open.span.start, close.span.end));
      return this.errorNode(spanOf(open.span.start, close.span.end), []);
    }
    const expr = this.parseExpr();
    const end = this.close(open, "(");
    return this.node({ kind: "paren", expr, span: spanOf(open.span.start, end ?? expr.span.end) });
  }

  /** Consume the ')' matching `open`, or report it missing; returns the end of the ')'. */
  private close(open: Token, what: string): TemplatePos | undefined {
    if (this.peek().kind === ")") return this.next().span.end;
    const found = this.peek().kind === "eof" ? "the template ends first" : `found ${describe(this.peek())}`;
    this.error("unclosed-paren", `'${what}' is not closed: expected ')', ${found}`, open.span);
    return undefined;
  }

  private parseName(): TemplateNode {
    const name = this.next();
    const f = TEMPLATE_FUNCTIONS.get(name.text);
    if (this.peek().kind !== "(") {
      if (f) {
        this.error("expected-call", `${name.text} is a function: write ${name.text}(…)`, name.span);
        // `σ ${x}`: take what follows as its operand, so the error stays one.
        const arg = startsOperand(this.peek()) ? [this.parsePostfix()] : [];
        return this.errorNode(spanOf(name.span.start, arg[0]?.span.end ?? name.span.end), arg);
      }
      const hint = name.text === "T"
        ? "write ᵀ or .T for a transpose"
        : "operands are interpolations ${…} and number literals";
      this.error("unknown-name", `unknown name '${name.text}': ${hint}`, name.span);
      return this.errorNode(name.span, []);
    }
    const open = this.next();
    const args: TemplateNode[] = [];
    if (this.peek().kind !== ")") {
      args.push(this.parseExpr());
      while (this.peek().kind === ",") {
        this.next();
        args.push(this.parseExpr());
      }
    }
    const end = this.close(open, `${name.text}(`) ?? args[args.length - 1]?.span.end ?? open.span.end;
    const span = spanOf(name.span.start, end);
    if (!f) {
      const guess = suggestFunction(name.text);
      const known = guess ? `did you mean ${guess}?` : `known functions: ${templateFunctionNames().join(", ")}`;
      this.error("unknown-function", `unknown function '${name.text}': ${known}`, name.span);
      return this.errorNode(span, args);
    }
    if (args.length !== f.arity) {
      const axisHint = f.arity === 1 && args.length === 2 && f.axis
        ? `; for a reduction over an axis write ${f.op}(x, axis) outside the template`
        : "";
      this.error(
        "wrong-arity",
        `${name.text} takes ${f.arity} operand${f.arity === 1 ? "" : "s"} in a template, got ${args.length}${axisHint}`,
        span,
      );
      return this.errorNode(span, args);
    }
    return this.node({ kind: "call", op: f.op, name: name.text, nameSpan: name.span, args, span });
  }
}

/**
 * Parse a template from its literal parts: `strings.raw` at run time, or the file text of each
 * part in the analyzer (so offsets are file offsets minus the part's start). Never throws.
 */
export function parseTemplate(parts: readonly string[]): ParsedTemplate {
  const { tokens, errors: lexErrors } = lex(parts);
  const operandCount = Math.max(parts.length - 1, 0);
  if (tokens.length === 1) {
    const last = Math.max(parts.length - 1, 0);
    const errors: TemplateSyntaxError[] = [...lexErrors];
    if (errors.length === 0) {
      errors.push({
        kind: "empty",
        message: "empty template: expected an expression such as t`${a} @ ${b}`",
        span: spanOf({ part: 0, offset: 0 }, { part: last, offset: parts[last]?.length ?? 0 }),
      });
    }
    return { root: null, errors, operandCount, nodes: [] };
  }
  const p = new Parser(tokens);
  const root = p.parseTemplate();
  // A skipped bad character between two operands (`${a} × ${b}`) already says what is wrong there;
  // the implicit-multiplication error the gap then causes would only repeat it.
  const explained = (e: TemplateSyntaxError) =>
    e.kind === "implicit-multiplication" && e.insertAt !== undefined &&
    lexErrors.some((l) => comparePos(l.span.start, e.insertAt!) >= 0 && comparePos(l.span.end, e.span.start) <= 0);
  const errors = [...lexErrors, ...p.errors.filter((e) => !explained(e))].sort((a, b) => comparePos(a.span.start, b.span.start));
  return { root, errors, operandCount, nodes: p.nodes };
}
