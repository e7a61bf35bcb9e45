// The chain view's page (client/explain/chain-html.ts) from real explanations: the seed network and
// a 30-node function. Checks the structure (a box per value, a labelled backward edge per step,
// each step linked to its source, nothing external, text escaped), then renders it in headless
// Chromium and saves test-results/chain-view*.png to be looked at.

import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { renderChain } from "../../client/explain/chain-html";
import { layoutChain } from "../../client/explain/layout";
import type { ExplainResult } from "../../server/protocol";
import { formatMarkdown, formatText } from "../../src/explain/format";
import { explainIn, IMPORTS, sources } from "../helpers/explain";

const ROOT = path.resolve(__dirname, "../..");
const OUT = path.join(ROOT, "test-results");

type Explanation = Exclude<ExplainResult, { error: unknown }>;

function result(src: string, fn: string, params: string[] = []): Explanation {
  const { ex } = explainIn(sources(src), fn, params);
  const j = ex.json;
  const uri = "file:///fixture/main.ts";
  return { ...j, uri, forward: j.forward.map((s) => ({ ...s, uri })), backward: j.backward.map((s) => ({ ...s, uri })), text: formatText(j), markdown: formatMarkdown(j) };
}

const seed = result(readFileSync(path.join(ROOT, "examples/seed.ts"), "utf8"), "loss", ["x"]);

/** Five layers (tanh, a residual sum, sigmoid gating, relu, exp), weight decay and a squared-error loss: over 30 values. */
const DEEP = `${IMPORTS}
export function deep(x: Tensor<["N", "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>, W2: Tensor<["H", "H"]>, b2: Tensor<[1, "H"]>,
                     W3: Tensor<["H", "H"]>, b3: Tensor<[1, "H"]>, W4: Tensor<["H", "H"]>, b4: Tensor<[1, "H"]>, W5: Tensor<["H", "K"]>, b5: Tensor<[1, "K"]>, y: Tensor<["N", "K"]>) {
  const a1 = x.matmul(W1).add(b1);
  const h1 = tanh(a1);
  const a2 = h1.matmul(W2).add(b2);
  const h2 = tanh(a2).add(h1);
  const a3 = h2.matmul(W3).add(b3);
  const h3 = sigmoid(a3).mul(h2);
  const a4 = h3.matmul(W4).add(b4);
  const h4 = relu(a4);
  const p = exp(h4.matmul(W5).add(b5));
  const e = p.sub(y);
  const r = sum(W1.mul(W1)).add(sum(W5.mul(W5)));
  return mean(e.mul(e)).add(r.mul(0.01));
}
`;
const deep = result(DEEP, "deep");

describe("chain view page", () => {
  it("draws a box per parameter and value, and a labelled backward edge for every step", () => {
    const html = renderChain(seed);
    for (const name of ["x", "W1", "b1", "W2", "b2", "y", "t1", "h", "t2", "ŷ", "loss"]) assert.ok(html.includes(`>${name}<tspan`), `no box for ${name}`);
    for (const b of seed.backward) assert.ok(html.includes(`${b.target} = ${b.expr.replace(/&/g, "&amp;")}`), `no label for ${b.target}`);
    assert.equal((html.match(/class="backward"/g) ?? []).length, new Set(seed.backward.map((b) => `${b.node}>${b.fromNode}`)).size);
    assert.match(html, /stroke="#3fb950" d="/, "the sigmoid step (diagonal) is green");
  });

  it("links every step to its range with a command URI, loads nothing, runs no script", () => {
    const html = renderChain(seed);
    const links = html.match(/href="command:chainrule\.revealRange\?[^"]+"/g) ?? [];
    assert.ok(links.length >= seed.forward.length + seed.backward.length);
    const [uri, range] = JSON.parse(decodeURIComponent(links[0]!.slice('href="command:chainrule.revealRange?'.length, -1)));
    assert.equal(uri, "file:///fixture/main.ts");
    assert.ok(range.start.line >= 0);
    assert.doesNotMatch(html, /<script|src="http|href="http/);
    assert.doesNotMatch(renderChain({ ...seed, function: "<b>x</b>" }), /<b>x<\/b>/);
  });

  it("lays out a 30-value function without overlapping boxes", () => {
    const layout = layoutChain(deep);
    assert.ok(layout.nodes.length >= 30, `${layout.nodes.length} nodes`);
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart = Math.abs(a.x - b.x) * 2 >= a.width + b.width || Math.abs(a.y - b.y) * 2 >= a.height + b.height;
        assert.ok(apart, `${a.id} overlaps ${b.id}`);
      }
    }
  });

  describe("in Chromium", () => {
    let browser: Browser;
    before(async () => (browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] })));
    after(() => browser?.close());

    for (const [name, e, size] of [["chain-view", seed, { width: 1280, height: 860 }], ["chain-view-30", deep, { width: 1400, height: 1000 }]] as const) {
      it(`renders ${name}: the graph and the derivation side by side`, async () => {
        const page = await browser.newPage({ viewport: size });
        await page.setContent(renderChain(e));
        const graph = await page.locator(".graph svg").boundingBox();
        const text = await page.locator(".text").boundingBox();
        assert.ok(graph && text && graph.width > 200 && text.x > graph.x, "graph on the left, text on the right");
        mkdirSync(OUT, { recursive: true });
        await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
        await page.close();
      });
    }
  });
});
