// The runtime users import: ops and broadcasting on real values, shape errors worded as the
// analyzer's, constructors, dim binding, seeded randn, and the tape the gradient checker reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { USER_OPS } from "../../src/ops/catalog";
import * as cr from "../../src/runtime/index";
import { bindDims, clearDims, withDims } from "../../src/runtime/dims";
import { record } from "../../src/runtime/tape";
import { Tensor } from "../../src/runtime/tensor";
import { CATALOG } from "../../src/ops/catalog";

const { tensor, zeros, ones, randn, eye, seed, ShapeError } = cr;

function close(a: Tensor, want: number[][] | number[] | number, tol = 1e-12): void {
  const flat = [want].flat(3) as number[];
  assert.equal(a.data.length, flat.length, `size of [${a.shape}]`);
  a.data.forEach((x, i) => assert.ok(Math.abs(x - flat[i]!) <= tol, `element ${i}: ${x} vs ${flat[i]}`));
}

function throwsShape(fn: () => unknown, code: string, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ShapeError, `expected a ShapeError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

test("every user op is a Tensor method and an exported function", () => {
  for (const op of USER_OPS) {
    assert.equal(typeof (Tensor.prototype as unknown as Record<string, unknown>)[op.name], "function", `method ${op.name}`);
    assert.equal(typeof (cr as unknown as Record<string, unknown>)[op.name], "function", `function ${op.name}`);
  }
});

test("the index exports exactly DSL.md's import list and the catalog's user ops, plus seed and ShapeError", () => {
  const dsl = ["Tensor", "tensor", "zeros", "ones", "randn", "eye", "t", "bindDims"]; // Scalar is a type only.
  const dslOps = ["matmul", "mul", "add", "sub", "div", "neg", "transpose", "sigmoid", "tanh", "relu", "exp", "log", "softmax",
    "logSoftmax", "sum", "mean", "diag", "outer", "crossEntropy",
    // v2
    "sqrt", "square", "abs", "pow", "maximum", "minimum", "gt", "lt", "where", "max", "variance", "reshape", "concat", "slice"];
  const ops = USER_OPS.map((op) => op.name);
  assert.deepEqual(dslOps.filter((n) => !ops.includes(n)), [], "DSL.md names an op the catalog lacks");
  assert.deepEqual(Object.keys(cr).sort(), [...dsl, ...ops, "seed", "ShapeError"].sort());
});

test("tensor literals: shapes, scalars, data row-major, toArray round trip", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.ok(a.data instanceof Float64Array);
  assert.deepEqual(Array.from(a.data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
  const s = tensor(3);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 3);
  assert.equal(s.toArray(), 3);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.equal(a.toString(), "Tensor[2,3] [[1, 2, 3], [4, 5, 6]]");
});

test("ragged or non-numeric literals are refused with the place named", () => {
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array at \[1\]: expected length 2, got 1/);
  assert.throws(() => tensor([[1, 2], 3] as never), /ragged nested array at \[1\]: expected an array of length 2/);
  assert.throws(() => tensor([[1, [2]], [3, 4]] as never), /ragged nested array at \[0\]\[1\]: expected a number/);
});

test("item() refuses tensors with more than one element", () => {
  assert.throws(() => ones([2]).item(), /item\(\) needs a tensor with one element, but \[2\] has 2/);
  assert.equal(ones([1, 1]).item(), 1);
});

test("element-wise ops broadcast like NumPy, methods and functions alike", () => {
  const m = tensor([[1, 2, 3], [4, 5, 6]]);
  const row = tensor([[10, 20, 30]]);
  const col = tensor([[1], [2]]);
  close(m.add(row), [[11, 22, 33], [14, 25, 36]]);
  close(cr.add(m, col), [[2, 3, 4], [6, 7, 8]]);
  close(m.sub(1), [[0, 1, 2], [3, 4, 5]]);
  close(cr.sub(1, m), [[0, -1, -2], [-3, -4, -5]]);
  close(cr.mul(2, 3), 6);
  close(m.div(col), [[1, 2, 3], [2, 2.5, 3]]);
  close(col.mul(row), [[10, 20, 30], [20, 40, 60]]); // [2,1] ⊙ [1,3] → [2,3]
  close(tensor([1, 2, 3]).add(col), [[2, 3, 4], [3, 4, 5]]); // missing leading dim counts as 1
  close(m.neg(), [[-1, -2, -3], [-4, -5, -6]]);
});

test("unary ops, normalisations and reductions compute the right values", () => {
  const x = tensor([[0, Math.log(3)]]);
  close(x.sigmoid(), [[0.5, 0.75]]);
  close(cr.exp(x), [[1, 3]]);
  close(cr.log(tensor([[1, Math.E]])), [[0, 1]]);
  close(tensor([[-1, 2]]).relu(), [[0, 2]]);
  close(cr.tanh(tensor([[0]])), [[0]]);
  close(x.softmax(), [[0.25, 0.75]]);
  close(cr.logSoftmax(x), [[Math.log(0.25), Math.log(0.75)]]);
  const m = tensor([[1, 2, 3], [4, 5, 6]]);
  close(m.sum(), 21);
  assert.deepEqual(m.sum().shape, []);
  close(cr.sum(m, 0), [[5, 7, 9]]);
  assert.deepEqual(m.sum(1).shape, [2, 1]);
  close(m.mean(-1), [[2], [5]]);
  close(cr.mean(m), 3.5);
  close(cr.crossEntropy(tensor([[0.25, 0.75]]), tensor([[0, 1]])), -Math.log(0.75));
});

test("matmul, transpose, T, diag and outer", () => {
  const a = tensor([[1, 2], [3, 4], [5, 6]]);
  const b = tensor([[1, 0, 2], [0, 1, 3]]);
  close(a.matmul(b), [[1, 2, 8], [3, 4, 18], [5, 6, 28]]);
  close(cr.matmul(b, a), [[11, 14], [18, 22]]);
  assert.deepEqual(a.T.shape, [2, 3]);
  close(cr.transpose(a), [[1, 3, 5], [2, 4, 6]]);
  close(cr.diag(tensor([[1, 2]])), [[1, 0], [0, 2]]);
  close(tensor([[1], [2]]).diag(), [[1, 0], [0, 2]]);
  close(cr.outer(tensor([[1, 2]]), tensor([[3], [4], [5]])), [[3, 4, 5], [6, 8, 10]]);
});

test("shape errors are ShapeErrors worded exactly as the analyzer's diagnostics", () => {
  const row = ones([1, 5]);
  throwsShape(() => row.matmul(row), "matmul-mismatch", "matmul [1,5] @ [1,5]: inner dimensions 5 and 1 differ");
  throwsShape(() => cr.matmul(ones([3]), row), "matmul-mismatch", "matmul needs rank 2, but the left operand [3] has rank 1");
  throwsShape(() => row.mul(ones([1, 4])), "elementwise-mismatch",
    "mul [1,5] ⊙ [1,4]: dimensions 5 and 4 cannot broadcast (axis 1)");
  throwsShape(() => cr.add(ones([2, 3]), ones([3, 2])), "elementwise-mismatch",
    "add [2,3] + [3,2]: dimensions 3 and 2 cannot broadcast (axis 1)");
  throwsShape(() => ones([2, 2, 2]).T, "rank-mismatch", "transpose needs rank 2, but the operand [2,2,2] has rank 3");
  throwsShape(() => ones([2, 3]).sum(2), "rank-mismatch", "sum over axis 2: out of range for [2,3] of rank 2");
  throwsShape(() => cr.diag(ones([2, 2])), "rank-mismatch", "diag needs a row [1,n] or column [n,1] vector, but the operand is [2,2]");
  // The message matches what the catalog's shape rule (the analyzer's source) produces.
  const r = CATALOG.get("matmul")!.shape([[1, 5], [1, 5]], {});
  assert.equal(r.ok ? "" : r.problem.message, "matmul [1,5] @ [1,5]: inner dimensions 5 and 1 differ");
});

test("non-tensor operands are refused with a clear TypeError", () => {
  assert.throws(() => cr.add(ones([1]), [1, 2] as never), /expected a Tensor or a number, got an array \(wrap it with tensor/);
});

test("zeros, ones, eye; symbolic dims resolve through bindDims and withDims", () => {
  clearDims();
  assert.deepEqual(Array.from(zeros([2, 2]).data), [0, 0, 0, 0]);
  assert.deepEqual(ones([3]).toArray(), [1, 1, 1]);
  assert.deepEqual(eye(2).toArray(), [[1, 0], [0, 1]]);
  assert.deepEqual(zeros([]).shape, []);
  assert.throws(() => zeros([1, "D"]), { message: 'unbound dim "D": bind it with bindDims({ D: … }) or @dims D=…' });
  assert.throws(() => eye("N"), /unbound dim "N"/);
  bindDims({ D: 4 });
  bindDims({ N: 2 }); // merges: D stays bound
  assert.deepEqual(zeros([1, "D"]).shape, [1, 4]);
  assert.deepEqual(eye("N").shape, [2, 2]);
  // A check's binding wins over the global one, and is undone afterwards, even on throw.
  assert.deepEqual(withDims({ D: 7 }, () => ones(["D", "N"]).shape), [7, 2]);
  assert.throws(() => withDims({ D: 9 }, () => { throw new Error("boom"); }), /boom/);
  assert.deepEqual(randn(["D"]).shape, [4]);
  assert.deepEqual(withDims({ H: 3 }, () => withDims({ H: 5 }, () => zeros(["H"]).shape)), [5]);
  assert.throws(() => zeros(["H"]), /unbound dim "H"/);
  assert.throws(() => bindDims({ X: 1.5 }), /non-negative integer/);
  clearDims();
});

test("randn is reproducible under seed and looks standard normal", () => {
  seed(42);
  const a = randn([1000]);
  seed(42);
  const b = randn([1000]);
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  seed(43);
  assert.notDeepEqual(Array.from(randn([5]).data), Array.from(a.data.subarray(0, 5)));
  seed(1);
  const big = randn([20000]).data;
  const mean = big.reduce((s, x) => s + x, 0) / big.length;
  const variance = big.reduce((s, x) => s + (x - mean) ** 2, 0) / big.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
});

test("the seed network runs, and its hand gradient has the shape of x", () => {
  bindDims({ D: 4, H: 5, K: 3 });
  seed(3);
  const [x, W1, b1, W2, b2] = [randn([1, "D"]), randn(["D", "H"]), randn([1, "H"]), randn(["H", "K"]), randn([1, "K"])];
  const y = tensor([[0, 1, 0]]);
  const h = cr.sigmoid(x.matmul(W1).add(b1));
  const yhat = cr.softmax(h.matmul(W2).add(b2));
  const loss = cr.crossEntropy(yhat, y);
  assert.deepEqual(loss.shape, []);
  assert.ok(loss.item() > 0);
  const dx = yhat.sub(y).matmul(W2.T).mul(h.mul(cr.sub(1, h))).matmul(W1.T);
  assert.deepEqual(dx.shape, [1, 4]);
  // The seed's bug is a shape error at run time too.
  throwsShape(() => yhat.sub(y).matmul(W2.T).matmul(h.mul(cr.sub(1, h))), "matmul-mismatch",
    "matmul [1,5] @ [1,5]: inner dimensions 5 and 1 differ");
  clearDims();
});

test("record: one node per op with inputs, output and attrs; numbers appear as scalar tensors", () => {
  const x = tensor([[1, 2]]);
  const { result, nodes } = record(() => cr.sub(1, x).sum(-1).mul(2));
  assert.deepEqual(nodes.map((n) => n.op), ["sub", "sum", "mul"]);
  const [sub, sum, mul] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  assert.ok(sub.inputs[0] instanceof Tensor);
  assert.deepEqual(sub.inputs[0]!.shape, []);
  assert.equal(sub.inputs[0]!.item(), 1);
  assert.equal(sub.inputs[1], x);
  assert.equal(sum.inputs[0], sub.output);
  assert.deepEqual(sum.attrs, { axis: -1 });
  assert.deepEqual(sub.attrs, {});
  assert.equal(mul.inputs[0], sum.output);
  assert.equal(mul.output, result);
  close(result, [[-2]]);
});

test("record nests: the inner tape holds its own ops, the outer one every op", () => {
  const x = ones([2]);
  const outer = record(() => {
    const a = x.exp();
    const inner = record(() => a.neg());
    return inner.nodes.map((n) => n.op).concat(a.add(inner.result).sum() && []);
  });
  assert.deepEqual(outer.result, ["neg"]);
  assert.deepEqual(outer.nodes.map((n) => n.op), ["exp", "neg", "add", "sum"]);
  // Recording is off again afterwards, also after a throw.
  assert.throws(() => record(() => { x.exp(); throw new Error("inside"); }), /inside/);
  const after = record(() => 0);
  x.exp();
  assert.deepEqual(after.nodes, []);
});

test("ops failing their shape check record nothing", () => {
  const { nodes } = record(() => {
    try { ones([1, 2]).matmul(ones([1, 2])); } catch { /* expected */ }
    return 0;
  });
  assert.deepEqual(nodes, []);
});

test("NaN and ∞ propagate through matmul (a zero entry does not hide them)", () => {
  const r = tensor([[0, 1]]).matmul(tensor([[Infinity], [2]]));
  assert.ok(Number.isNaN(r.item()));
});
