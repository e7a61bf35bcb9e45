// `chainrule verify` on code using the DSL v2 ops (test/verify/v2): layer-norm (variance, sqrt), a
// gated unit (concat, slice), a masked loss (where), max over an axis, batched attention (batched
// matmul with a shared weight, softmax over an axis). Right gradients pass, wrong ones fail, and
// the catalog's reverse-mode AD agrees with finite differences on every one. Dims in dim
// expressions are bound from their names.

import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { bindDims, discoverChecks } from "../../src/verify/discover";
import { verify, type CheckResult } from "../../src/verify/index";

const root = path.resolve(__dirname, "../..");

async function run(file: string): Promise<Map<string, CheckResult>> {
  const { checks } = await verify([`test/verify/v2/${file}`], { cwd: root, mode: "full" });
  return new Map(checks.map((c) => [c.gradient, c]));
}

function expect(checks: Map<string, CheckResult>, verdicts: Record<string, "pass" | "fail">): void {
  assert.deepEqual([...checks.keys()].sort(), Object.keys(verdicts).sort());
  for (const [name, status] of Object.entries(verdicts)) {
    const c = checks.get(name)!;
    assert.equal(c.status, status, `${name}: ${c.message}`);
    // AD through the catalog's VJPs of the v2 ops is the second opinion: it agrees with the numbers.
    assert.equal(c.ad?.agreesWithNumeric, true, `${name}: AD disagrees (${JSON.stringify(c.ad)})`);
  }
}

describe("verify with the v2 ops", () => {
  it("layer-norm: variance and sqrt", async () => {
    const checks = await run("layernorm.ts");
    expect(checks, { dLn_dx: "pass", dLn: "pass", dLn_dx_noVarianceTerm: "fail" });
    assert.deepEqual(checks.get("dLn")!.wrt, ["gamma", "beta"]);
  });

  it("a gated unit: concat and slice with dim expressions bound from @dims", async () => {
    const checks = await run("gated.ts");
    expect(checks, { dGlu: "pass", dGlu_dh_offset: "fail" });
    assert.deepEqual(checks.get("dGlu")!.dims, { D: 2, H: 3 });
    assert.deepEqual(checks.get("dGlu")!.wrt, ["x", "h", "W"]);
  });

  it("a masked loss (where) and max-pooling over an axis", async () => {
    expect(await run("masked.ts"), { dMasked: "pass", dMasked_unmasked: "fail", dPool: "pass", dPool_everywhere: "fail" });
  });

  it("batched attention: batched matmul, a weight shared over the batch, softmax over an axis", async () => {
    expect(await run("attention.ts"), { dAttn: "pass", dAttn_dq_noSoftmax: "fail", dCol: "pass" });
  });
});

describe("dims in dim expressions", () => {
  it("are bound from their names: @dims D=2 H=3 makes D+H 5 and 2*H 6", () => {
    const [glu] = discoverChecks(path.join(root, "test/verify/v2/gated.ts"), { seed: 1, mode: "full", display: "gated.ts" });
    assert.equal(glu!.problem, undefined);
    assert.deepEqual(glu!.spec.params.map((p) => [p.name, p.shape]), [["x", [1, 2]], ["h", [1, 3]], ["W", [5, 6]], ["c", [1, 3]]]);
  });

  it("get distinct small sizes when unbound, avoiding the values of expressions already bound", () => {
    assert.deepEqual(bindDims(["H+K", "D"], {}, []), { H: 2, K: 3, D: 4 });
    // H+K = 5 once H and K are bound, so D skips 5.
    assert.deepEqual(bindDims(["H", "K", "H+K", "D", "E"], { H: 2, K: 3 }, [4]), { H: 2, K: 3, D: 6, E: 7 });
    assert.deepEqual(bindDims(["B*T"], { B: 2 }, []), { B: 2, T: 3 });
  });
});
