// The other ways to write a pairing: the object form, F imported from another file, F as a const
// arrow, shapes through a generic type alias and `Scalar`, a `number` parameter, and @sample/@dims.
import { Tensor, Scalar, log, sum, mul } from "chainrule";
import { affine as lin } from "./model";

type Row<N extends string> = Tensor<[1, N]>;

const energy = (x: Row<"D">, w: Row<"D">, s: Scalar, k: number) => sum(mul(x, w)).mul(s).mul(k);

/** @gradient energy */
export function dEnergy(x: Row<"D">, w: Row<"D">, s: Scalar, k: number) {
  return { x: w.mul(s).mul(k), w: x.mul(s).mul(k), s: sum(mul(x, w)).mul(k) };
}

/**
 * Object form with one wrong entry: ∂/∂w scaled by 3.
 * @gradient energy
 */
export function dEnergy_bad(x: Row<"D">, w: Row<"D">, s: Scalar, k: number) {
  return { x: w.mul(s).mul(k), w: x.mul(s).mul(3 * k) };
}

/**
 * log needs positive inputs, which the sample tag below asks for.
 * @gradient entropyish p
 * @sample p positive
 */
export function dEntropy(p: Tensor<["D", 1]>) {
  return log(p).add(1);
}

function entropyish(p: Tensor<["D", 1]>) {
  return sum(p.mul(log(p)));
}

/**
 * @gradient lin W
 * @dims D=5 K=2
 */
export function dLin(x: Tensor<[1, "D"]>, W: Tensor<["D", "K"]>) {
  return x.T.matmul(mul(1, x.matmul(W)).mul(0).add(1));
}
