// Element-wise ops: binary ones broadcast, unary ones keep the shape. Their Jacobians are
// diagonal, which is why a gradient passes through them with ⊙ (the seed's answer).

import { broadcastShapes } from "../shape/broadcast";
import { ok } from "../shape/problems";
import { map, zip } from "./kernels";
import type { OpDef } from "./types";

function binary(
  name: string,
  symbol: string,
  doc: string,
  jacobianDoc: string,
  f: (x: number, y: number) => number,
  vjp: OpDef["vjp"],
): OpDef {
  return {
    name, kind: "binary", arity: 2, symbol, doc, jacobian: "diagonal", jacobianDoc,
    shape: ([a, b]) => broadcastShapes(name, symbol, a ?? null, b ?? null),
    forward: ([a, b]) => zip(a!, b!, f),
    vjp,
  };
}

function unary(
  name: string,
  doc: string,
  jacobianDoc: string,
  f: (x: number) => number,
  vjp: OpDef["vjp"],
  symbol?: string,
): OpDef {
  return {
    name, kind: "unary", arity: 1, doc, jacobian: "diagonal", jacobianDoc,
    ...(symbol ? { symbol } : {}),
    shape: ([a]) => ok(a ?? null),
    forward: ([a]) => map(a!, f),
    vjp,
  };
}

const sigmoidFn = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export const ELEMENTWISE: OpDef[] = [
  binary("add", "+", "a + b, element-wise with broadcasting", "∂(a+b)/∂a = I: the gradient passes unchanged (summed over broadcast axes)",
    (x, y) => x + y,
    (o, g, [a, b]) => [o.unbroadcast!(g, a!), o.unbroadcast!(g, b!)]),
  binary("sub", "-", "a − b, element-wise with broadcasting", "∂(a−b)/∂b = −I: the gradient passes negated to b",
    (x, y) => x - y,
    (o, g, [a, b]) => [o.unbroadcast!(g, a!), o.unbroadcast!(o.neg!(g), b!)]),
  binary("mul", "⊙", "a ⊙ b, the element-wise (Hadamard) product with broadcasting",
    "∂(a⊙b)/∂a = diag(b), so g · diag(b) = g ⊙ b: a diagonal Jacobian makes the product element-wise",
    (x, y) => x * y,
    (o, g, [a, b]) => [o.unbroadcast!(o.mul!(g, b!), a!), o.unbroadcast!(o.mul!(g, a!), b!)]),
  binary("div", "/", "a / b, element-wise with broadcasting", "∂(a/b)/∂a = diag(1/b), ∂(a/b)/∂b = diag(−a/b²)",
    (x, y) => x / y,
    (o, g, [a, b], out) => [o.unbroadcast!(o.div!(g, b!), a!), o.unbroadcast!(o.neg!(o.div!(o.mul!(g, out), b!)), b!)]),
  unary("neg", "−a, element-wise negation", "∂(−a)/∂a = −I", (x) => -x, (o, g) => [o.neg!(g)], "-"),
  unary("sigmoid", "σ(a) = 1 / (1 + e^(−a)), element-wise",
    "σ′ = σ ⊙ (1 − σ) is diagonal: g · diag(σ′) = g ⊙ σ ⊙ (1 − σ)",
    sigmoidFn, (o, g, _args, out) => [o.mul!(g, o.mul!(out, o.sub!(1, out)))], "σ"),
  unary("tanh", "tanh(a), element-wise", "tanh′ = 1 − tanh² is diagonal: g · diag(1 − y²) = g ⊙ (1 − y ⊙ y)",
    Math.tanh, (o, g, _args, out) => [o.mul!(g, o.sub!(1, o.mul!(out, out)))]),
  unary("relu", "relu(a) = max(a, 0), element-wise", "relu′ = 𝟙[a > 0] is diagonal: g · diag(𝟙[a>0]) = g ⊙ 𝟙[a > 0]",
    (x) => (x > 0 ? x : 0), (o, g, [a]) => [o.mul!(g, o.step!(a!))]),
  unary("exp", "e^a, element-wise", "exp′ = exp is diagonal: g · diag(eᵃ) = g ⊙ eᵃ",
    Math.exp, (o, g, _args, out) => [o.mul!(g, out)]),
  unary("log", "ln a, element-wise", "log′ = 1/a is diagonal: g · diag(1/a) = g / a",
    Math.log, (o, g, [a]) => [o.div!(g, a!)]),
  {
    name: "step", kind: "internal", arity: 1, doc: "𝟙[a > 0], element-wise (relu′)", jacobian: "diagonal",
    jacobianDoc: "piecewise constant: zero almost everywhere",
    shape: ([a]) => ok(a ?? null),
    forward: ([a]) => map(a!, (x) => (x > 0 ? 1 : 0)),
    vjp: (o, g) => [o.mul!(g, 0)],
  },
];
