// What `import … from "chainrule"` gives users: the Tensor class, constructors, one function per
// user op of the catalog (generated into ops.generated.ts, DSL.md's import list and its v2 ops),
// the `t` math template and dim binding.

export { Tensor } from "./tensor";
export type { Dim, Shape, NestedArray, Operand } from "./tensor";
export type { OpFunctions, OpMethods } from "./ops.generated";
export * from "./ops.generated";
export { tensor, zeros, ones, randn, eye } from "./constructors";
export { bindDims } from "./dims";
export { seed } from "./random";
export { t } from "./template";
export { ShapeError } from "../shape/problems";

import type { Tensor } from "./tensor";
/** A rank-0 tensor, shape `[]`. */
export type Scalar = Tensor<[]>;
