// What `import … from "chainrule"` gives users: the Tensor class, constructors, one function per
// op of the DSL (DSL.md's import list, exactly), the `t` math template and dim binding.

import { functions } from "./tensor";

export { Tensor } from "./tensor";
export type { Dim, Shape, NestedArray } from "./tensor";
export type { Operand } from "./signatures";
export { tensor, zeros, ones, randn, eye } from "./constructors";
export { bindDims } from "./dims";
export { seed } from "./random";
export { t } from "./template";
export { ShapeError } from "../shape/problems";

import type { Tensor } from "./tensor";
/** A rank-0 tensor, shape `[]`. */
export type Scalar = Tensor<[]>;

export const {
  matmul, mul, add, sub, div, neg, transpose,
  sigmoid, tanh, relu, exp, log, softmax, logSoftmax,
  sum, mean, diag, outer, crossEntropy,
} = functions;
