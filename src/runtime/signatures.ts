// The typed face of the catalog's user ops: one line per op giving its calling convention, from
// which the Tensor methods' and the exported functions' TypeScript signatures are derived.
//
// Why a table and not types read off the catalog: catalog entries are runtime values typed as
// `OpDef` (name: string), so TypeScript cannot see their names. The runtime installs methods and
// functions from the catalog in a loop (tensor.ts); this table only types them, and
// test/unit/runtime.test.ts fails when it and the catalog disagree. Adding a user op is therefore
// its catalog entry plus one line here (plus its name in index.ts's export list, which is the
// DSL's import contract and deliberately spelt out).

import type { Tensor } from "./tensor";

/** What an op accepts as an operand: a tensor, or a number standing for a scalar `[]`. */
export type Operand = Tensor | number;

export const USER_OP_KINDS = {
  add: "binary",
  sub: "binary",
  mul: "binary",
  div: "binary",
  neg: "unary",
  sigmoid: "unary",
  tanh: "unary",
  relu: "unary",
  exp: "unary",
  log: "unary",
  matmul: "binary",
  transpose: "unary",
  diag: "unary",
  outer: "binary",
  sum: "reduce",
  mean: "reduce",
  softmax: "unary",
  logSoftmax: "unary",
  crossEntropy: "binary",
} as const satisfies Record<string, "unary" | "binary" | "reduce">;

export type UserOpName = keyof typeof USER_OP_KINDS;
type KindOf<N extends UserOpName> = (typeof USER_OP_KINDS)[N];

type MethodFor<K> = K extends "binary"
  ? (other: Operand) => Tensor
  : K extends "reduce"
    ? (axis?: number) => Tensor
    : () => Tensor;

type FunctionFor<K> = K extends "binary"
  ? (a: Operand, b: Operand) => Tensor
  : K extends "reduce"
    ? (a: Operand, axis?: number) => Tensor
    : (a: Operand) => Tensor;

/** `a.matmul(b)`, `a.sigmoid()`, `a.sum(axis?)`, …: merged into the Tensor class's type. */
export type OpMethods = { [N in UserOpName]: MethodFor<KindOf<N>> };

/** `matmul(a, b)`, `sigmoid(a)`, `sum(a, axis?)`, …: the function forms index.ts exports. */
export type OpFunctions = { [N in UserOpName]: FunctionFor<KindOf<N>> };
