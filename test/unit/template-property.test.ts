// Property: any expression evaluates identically written as a math template and as method calls.
// Random trees over [3,3] tensors and scalars (typed, so every tree is valid), rendered with
// random spellings (⊙ or *, ᵀ or .T, σ or sigmoid, literals or number interpolations, ^ powers) and only the
// parentheses precedence needs, so the parser's precedence and associativity are what is tested.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import * as cr from "../../src/runtime/index";
import { t } from "../../src/runtime/template";
import { Tensor } from "../../src/runtime/tensor";

type BinOp = "matmul" | "mul" | "div" | "add" | "sub";
type Expr =
  | { k: "var"; i: number }
  | { k: "num"; v: number; text?: string }
  | { k: "bin"; op: BinOp; tok: string; l: Expr; r: Expr }
  | { k: "neg"; e: Expr; call: boolean }
  | { k: "T"; e: Expr; tok: "ᵀ" | ".T" | "transpose" }
  | { k: "pow"; e: Expr; p: number }
  | { k: "call"; f: string; name: string; e: Expr }
  | { k: "paren"; e: Expr };

const TOKENS: Record<BinOp, readonly string[]> = { matmul: ["@"], mul: ["⊙", "*"], div: ["/"], add: ["+"], sub: ["-"] };
const ELEMENTWISE: readonly BinOp[] = ["mul", "div", "add", "sub"];
const SAME_SHAPE_FNS = ["sigmoid", "tanh", "relu", "exp", "log", "neg", "softmax", "logSoftmax", "sqrt", "square", "abs"];
const SCALAR_FNS = ["sigmoid", "tanh", "relu", "exp", "log", "neg", "sqrt", "square", "abs"];
const power = (e: fc.Arbitrary<Expr>) => fc.record({ e, p: fc.constantFrom(1, 2, 3, -1) }).map((x): Expr => ({ k: "pow", ...x }));

const bin = (ops: readonly BinOp[], l: fc.Arbitrary<Expr>, r: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> =>
  fc.constantFrom(...ops).chain((op) =>
    fc.record({ tok: fc.constantFrom(...TOKENS[op]), l, r }).map((x): Expr => ({ k: "bin", op, ...x })));

const call = (names: readonly string[], e: fc.Arbitrary<Expr>): fc.Arbitrary<Expr> =>
  fc.record({ f: fc.constantFrom(...names), e, alias: fc.boolean() })
    .map(({ f, e, alias }): Expr => ({ k: "call", f, name: f === "sigmoid" && alias ? "σ" : f, e }));

const { matrix, scalar } = fc.letrec<{ matrix: Expr; scalar: Expr }>((tie) => {
  const m = tie("matrix");
  const s = tie("scalar");
  return {
    matrix: fc.oneof(
      { maxDepth: 5, depthIdentifier: "expr" },
      fc.integer({ min: 0, max: 2 }).map((i): Expr => ({ k: "var", i })),
      bin(["matmul"], m, m),
      bin(ELEMENTWISE, m, m),
      bin(ELEMENTWISE, m, s),
      bin(ELEMENTWISE, s, m),
      fc.record({ e: m, call: fc.boolean() }).map((x): Expr => ({ k: "neg", ...x })),
      fc.record({ e: m, tok: fc.constantFrom("ᵀ" as const, ".T" as const, "transpose" as const) }).map((x): Expr => ({ k: "T", ...x })),
      call(SAME_SHAPE_FNS, m),
      power(m),
      m.map((e): Expr => ({ k: "paren", e })),
    ),
    scalar: fc.oneof(
      { maxDepth: 5, depthIdentifier: "expr" },
      fc.oneof(
        fc.constantFrom("1", "2", "0.5", ".5", "1e-1", "3.").map((text): Expr => ({ k: "num", v: Number(text), text })),
        fc.double({ min: -3, max: 3, noNaN: true }).map((v): Expr => ({ k: "num", v })),
      ),
      call(["sum", "mean", "max", "variance"], m),
      power(s),
      bin(ELEMENTWISE, s, s),
      fc.record({ e: s, call: fc.boolean() }).map((x): Expr => ({ k: "neg", ...x })),
      call(SCALAR_FNS, s),
    ),
  };
});

// Binding strength, loosest first, as the parser has it.
function prec(e: Expr): number {
  if (e.k === "bin") return e.op === "add" || e.op === "sub" ? 1 : 2;
  if (e.k === "neg" && !e.call) return 3;
  if (e.k === "pow") return 4;
  if (e.k === "T" && e.tok !== "transpose") return 5;
  return 6;
}

/** Template parts and values, with only the parentheses precedence requires (plus paren nodes). */
/** `vars[i]` is the tensor variable interpolation i stands for, or -1 for a number interpolation. */
function render(root: Expr): { parts: string[]; values: Array<Tensor | number>; vars: number[] } {
  const parts = [""];
  const values: Array<Tensor | number> = [];
  const vars: number[] = [];
  const out = (s: string): void => {
    parts[parts.length - 1] += s;
  };
  const interp = (v: Tensor | number, varIndex: number) => {
    values.push(v);
    vars.push(varIndex);
    parts.push("");
  };
  const wrapped = (e: Expr, parens: boolean, callee = "") => {
    if (parens) out(`${callee}(`);
    go(e);
    if (parens) out(")");
  };
  const go = (e: Expr): void => {
    switch (e.k) {
      case "var":
        interp(0, e.i);
        break;
      case "num":
        if (e.text !== undefined) out(e.text);
        else interp(e.v, -1);
        break;
      case "paren":
        wrapped(e.e, true);
        break;
      case "bin":
        wrapped(e.l, prec(e.l) < prec(e));
        out(` ${e.tok} `);
        wrapped(e.r, prec(e.r) <= prec(e));
        break;
      case "neg":
        if (e.call) wrapped(e.e, true, "neg");
        else {
          out("-");
          wrapped(e.e, prec(e.e) < 3);
        }
        break;
      case "T":
        if (e.tok === "transpose") wrapped(e.e, true, "transpose");
        else {
          wrapped(e.e, prec(e.e) < 5);
          out(e.tok);
        }
        break;
      case "pow":
        // The operand of ^ is a postfix expression or tighter; a power of a power needs parentheses.
        wrapped(e.e, prec(e.e) <= 4);
        out(` ^ ${e.p}`);
        break;
      case "call":
        wrapped(e.e, true, e.name);
        break;
    }
  };
  go(root);
  return { parts, values, vars };
}

type Value = Tensor | number;
const fn = cr as unknown as Record<string, (...a: Value[]) => Tensor>;

/** The same tree through the method API (functions where the left operand is a number). */
function methods(e: Expr, vars: readonly Tensor[]): Value {
  const method = (x: Value, name: string, ...rest: Value[]): Tensor =>
    typeof x === "number" ? fn[name]!(x, ...rest) : (x as unknown as Record<string, (...a: Value[]) => Tensor>)[name]!(...rest);
  switch (e.k) {
    case "var": return vars[e.i]!;
    case "num": return e.v;
    case "paren": return methods(e.e, vars);
    case "bin": return method(methods(e.l, vars), e.op, methods(e.r, vars));
    case "neg": return method(methods(e.e, vars), "neg");
    case "T": {
      const x = methods(e.e, vars);
      return e.tok === ".T" && x instanceof Tensor ? x.T : method(x, "transpose");
    }
    case "pow": return method(methods(e.e, vars), "pow", e.p);
    case "call": return method(methods(e.e, vars), e.f);
  }
}

const square = fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 })
  .map((xs) => new Tensor([3, 3], Float64Array.from(xs)));

test("random expressions evaluate identically as templates and as method calls", () => {
  fc.assert(
    fc.property(fc.oneof(matrix, scalar), fc.tuple(square, square, square), (expr, vars) => {
      const { parts, values, vars: varOf } = render(expr);
      const filled = values.map((v, i) => (varOf[i]! >= 0 ? vars[varOf[i]!]! : v));
      const strings = Object.assign(parts.slice(), { raw: parts.slice() }) as unknown as TemplateStringsArray;
      const viaTemplate = t(strings, ...filled);
      const m = methods(expr, vars);
      const viaMethods = typeof m === "number" ? cr.tensor(m) : m;
      const where = `template: ${parts.map((p, i) => (i ? "${" + (varOf[i - 1]! >= 0 ? "v" + varOf[i - 1] : values[i - 1]) + "}" : "") + p).join("")}`;
      assert.deepEqual(viaTemplate.shape, viaMethods.shape, where);
      // Same ops in the same order on the same kernels: equal bit for bit (NaN included).
      assert.deepEqual(Array.from(viaTemplate.data), Array.from(viaMethods.data), where);
    }),
    { numRuns: 400 },
  );
});
