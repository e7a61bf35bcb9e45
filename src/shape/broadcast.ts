// NumPy broadcasting over possibly-symbolic shapes: align from the right, dims compatible when
// equal or when one is the literal 1, a missing leading dim counts as 1.

import { Dim, formatDim, formatShape, Shape } from "./shape";
import { fail, ok, ShapeResult } from "./problems";

export function broadcastShapes(opLabel: string, symbol: string, a: Shape | null, b: Shape | null): ShapeResult {
  if (a === null || b === null) return ok(null);
  const n = Math.max(a.length, b.length);
  const out: Dim[] = new Array(n);
  // Which operand got stretched along some axis it lacks (a 1 or a missing dim against a real one).
  let aExpands = false;
  let bExpands = false;
  for (let i = 1; i <= n; i++) {
    const da: Dim = i <= a.length ? a[a.length - i]! : 1;
    const db: Dim = i <= b.length ? b[b.length - i]! : 1;
    const axis = n - i;
    if (da === null || db === null) {
      out[axis] = da === 1 ? db : db === 1 ? da : da ?? db;
      continue;
    }
    if (da === db) out[axis] = da;
    else if (da === 1) {
      out[axis] = db;
      aExpands = true;
    } else if (db === 1) {
      out[axis] = da;
      bExpands = true;
    } else {
      return fail({
        code: "elementwise-mismatch",
        message: `${opLabel} ${formatShape(a)} ${symbol} ${formatShape(b)}: dimensions ${formatDim(da)} and ${formatDim(db)} cannot broadcast (axis ${axis})`,
        dims: [da, db],
        operands: [0, 1],
      });
    }
  }
  if (aExpands && bExpands) {
    return ok(out, {
      code: "broadcast-expands",
      message: `${opLabel} ${formatShape(a)} ${symbol} ${formatShape(b)} broadcasts both operands to ${formatShape(out)}: each is stretched along an axis the other has, which in gradient code is almost always a missing transpose`,
      operands: [0, 1],
    });
  }
  return ok(out);
}
