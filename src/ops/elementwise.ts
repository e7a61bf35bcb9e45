// Element-wise ops: binary ones broadcast, unary ones keep the shape. Their Jacobians are
// diagonal, which is why a gradient passes through them with ⊙ (the seed's answer).
//
// Adding a unary element-wise op is one `unary(…)` entry below: name, doc, Jacobian line, kernel
// and VJP. Its surface (method, function, template call), typings and self-test come with it.

import { broadcastShapes } from "../shape/broadcast";
import { ok } from "../shape/problems";
import { pointwiseDelta } from "./delta";
import { map, zip } from "./kernels";
import type { Draw, Fill, SelfTestCase } from "./selftest";
import type { OpDef, Surface } from "./types";

export const UNARY: Surface = { operands: ["a"], attrs: [] };
export const BINARY: Surface = { operands: ["a", "b"], attrs: [] };

/** One operand of rank 0…3. */
export const oneOperand = (fill: Fill = "normal") => (d: Draw): SelfTestCase => ({ operands: [{ shape: d.shape(0, 3), fill }] });

/** Two operands that broadcast against each other. */
export const broadcastOperands = (fillB: Fill = "normal") => (d: Draw): SelfTestCase => {
  const { a, b } = d.broadcastPair();
  return { operands: [{ shape: a }, { shape: b, fill: fillB }] };
};

export interface BinaryInit {
  name: string;
  /** Operator in messages; ops written as calls (`maximum`) say "and". */
  symbol?: string;
  doc: string;
  jacobianDoc: string;
  f: (x: number, y: number) => number;
  vjp: OpDef["vjp"];
  selfTest?: OpDef["selfTest"];
  distinctive?: true;
}

export function binary(init: BinaryInit): OpDef {
  const { name, symbol, f } = init;
  const forward: OpDef["forward"] = ([a, b]) => zip(a!, b!, f);
  return {
    name, kind: "elementwise", surface: init.distinctive ? { ...BINARY, distinctive: true } : BINARY,
    ...(symbol ? { symbol } : {}),
    doc: init.doc, jacobian: "diagonal", jacobianDoc: init.jacobianDoc,
    shape: ([a, b]) => broadcastShapes(name, symbol ?? "and", a ?? null, b ?? null),
    forward,
    delta: pointwiseDelta(forward),
    vjp: init.vjp,
    selfTest: init.selfTest ?? broadcastOperands(),
  };
}

export function unary(
  name: string,
  doc: string,
  jacobianDoc: string,
  f: (x: number) => number,
  vjp: OpDef["vjp"],
  extra: { symbol?: string; fill?: Fill; distinctive?: true } = {},
): OpDef {
  const forward: OpDef["forward"] = ([a]) => map(a!, f);
  return {
    name, kind: "elementwise", surface: extra.distinctive ? { ...UNARY, distinctive: true } : UNARY,
    doc, jacobian: "diagonal", jacobianDoc,
    ...(extra.symbol ? { symbol: extra.symbol } : {}),
    shape: ([a]) => ok(a ?? null),
    forward,
    delta: pointwiseDelta(forward),
    vjp,
    selfTest: oneOperand(extra.fill),
  };
}

const powForward: OpDef["forward"] = ([a], { exponent }) => map(a!, (x) => x ** exponent!);

const sigmoidFn = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const ELEMENTWISE: OpDef[] = [
  binary({
    name: "add", symbol: "+", doc: "a + b, element-wise with broadcasting",
    jacobianDoc: "∂(a+b)/∂a = I: the gradient passes unchanged (summed over broadcast axes)",
    f: (x, y) => x + y,
    vjp: (o, g, [a, b]) => [o.unbroadcast!(g, a!), o.unbroadcast!(g, b!)],
  }),
  binary({
    name: "sub", symbol: "-", doc: "a − b, element-wise with broadcasting", jacobianDoc: "∂(a−b)/∂b = −I: the gradient passes negated to b",
    f: (x, y) => x - y,
    vjp: (o, g, [a, b]) => [o.unbroadcast!(g, a!), o.unbroadcast!(o.neg!(g), b!)],
  }),
  binary({
    name: "mul", symbol: "⊙", doc: "a ⊙ b, the element-wise (Hadamard) product with broadcasting",
    jacobianDoc: "∂(a⊙b)/∂a = diag(b), so g · diag(b) = g ⊙ b: a diagonal Jacobian makes the product element-wise",
    f: (x, y) => x * y,
    vjp: (o, g, [a, b]) => [o.unbroadcast!(o.mul!(g, b!), a!), o.unbroadcast!(o.mul!(g, a!), b!)],
  }),
  binary({
    name: "div", symbol: "/", doc: "a / b, element-wise with broadcasting", jacobianDoc: "∂(a/b)/∂a = diag(1/b), ∂(a/b)/∂b = diag(−a/b²)",
    f: (x, y) => x / y,
    vjp: (o, g, [a, b], out) => [o.unbroadcast!(o.div!(g, b!), a!), o.unbroadcast!(o.neg!(o.div!(o.mul!(g, out), b!)), b!)],
    selfTest: broadcastOperands("positive"),
  }),
  unary("neg", "−a, element-wise negation", "∂(−a)/∂a = −I", (x) => -x, (o, g) => [o.neg!(g)], { symbol: "-" }),
  unary("sigmoid", "σ(a) = 1 / (1 + e^(−a)), element-wise",
    "σ′ = σ ⊙ (1 − σ) is diagonal: g · diag(σ′) = g ⊙ σ ⊙ (1 − σ)",
    sigmoidFn, (o, g, _args, out) => [o.mul!(g, o.mul!(out, o.sub!(1, out)))], { symbol: "σ", distinctive: true }),
  unary("tanh", "tanh(a), element-wise", "tanh′ = 1 − tanh² is diagonal: g · diag(1 − y²) = g ⊙ (1 − y ⊙ y)",
    Math.tanh, (o, g, _args, out) => [o.mul!(g, o.sub!(1, o.mul!(out, out)))]),
  unary("relu", "relu(a) = max(a, 0), element-wise", "relu′ = 𝟙[a > 0] is diagonal: g · diag(𝟙[a>0]) = g ⊙ 𝟙[a > 0]",
    (x) => (x > 0 ? x : 0), (o, g, [a]) => [o.mul!(g, o.step!(a!))], { distinctive: true }),
  unary("exp", "e^a, element-wise", "exp′ = exp is diagonal: g · diag(eᵃ) = g ⊙ eᵃ",
    Math.exp, (o, g, _args, out) => [o.mul!(g, out)]),
  unary("log", "ln a, element-wise", "log′ = 1/a is diagonal: g · diag(1/a) = g / a",
    Math.log, (o, g, [a]) => [o.div!(g, a!)], { fill: "positive" }),
  unary("softplus", "softplus(a) = ln(1 + eᵃ), element-wise (a smooth relu)", "softplus′ = σ(a) is diagonal: g · diag(σ(a)) = g ⊙ σ(a)",
    (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))), (o, g, [a]) => [o.mul!(g, o.sigmoid!(a!))]),
  unary("sqrt", "√a, element-wise", "sqrt′ = 1 / (2√a) is diagonal: g · diag(1/(2y)) = g / (2y)",
    Math.sqrt, (o, g, _args, out) => [o.div!(g, o.mul!(2, out))], { fill: "positive" }),
  unary("square", "a², element-wise", "square′ = 2a is diagonal: g · diag(2a) = g ⊙ 2a",
    (x) => x * x, (o, g, [a]) => [o.mul!(g, o.mul!(2, a!))]),
  unary("abs", "|a|, element-wise", "abs′ = sign(a) is diagonal: g · diag(sign a) = g ⊙ sign(a) (0 at 0)",
    Math.abs, (o, g, [a]) => [o.mul!(g, o.sub!(o.gt!(a!, 0), o.lt!(a!, 0)))]),
  {
    name: "pow", kind: "elementwise", surface: { operands: ["a"], attrs: [{ name: "exponent" }] }, symbol: "^",
    doc: "a^p for a number p, element-wise", jacobian: "diagonal",
    jacobianDoc: "pow′ = p·a^(p−1) is diagonal: g · diag(p a^(p−1)) = g ⊙ p a^(p−1)",
    shape: ([a]) => ok(a ?? null),
    forward: powForward,
    delta: pointwiseDelta(powForward),
    vjp(o, g, [a], _out, { exponent }) {
      const p = exponent!;
      // The general form would turn p = 0 into 0 · a^(−1), which is NaN at a = 0.
      if (p === 0) return [o.mul!(g, 0)];
      if (p === 1) return [g];
      if (p === 2) return [o.mul!(g, o.mul!(2, a!))];
      return [o.mul!(g, o.mul!(p, o.pow!(a!, o.attrs({ exponent: p - 1 }))))];
    },
    selfTest(d) {
      const exponent = d.pick([0, 1, 2, 3, -1, 0.5, 1.5]);
      // Fractional and negative powers need a positive base (and one away from 0).
      const fill = Number.isInteger(exponent) && exponent >= 0 ? "normal" : "positive";
      return { operands: [{ shape: d.shape(0, 3), fill }], attrs: { exponent } };
    },
  },
  {
    name: "step", kind: "internal", surface: UNARY, doc: "𝟙[a > 0], element-wise (relu′)", jacobian: "diagonal",
    jacobianDoc: "piecewise constant: zero almost everywhere",
    shape: ([a]) => ok(a ?? null),
    forward: ([a]) => map(a!, (x) => (x > 0 ? 1 : 0)),
    vjp: (o, g) => [o.mul!(g, 0)],
    selfTest: oneOperand(),
  },
];
