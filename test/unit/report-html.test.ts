// The gradient-check report page (client/verify/report-html.ts) rendered from real engine results:
// a transposed ∂L/∂W2 and a ∂L/∂W1 missing its ⊙ σ′ factor. Checks the structure (three heatmaps
// per parameter, the worst element ringed in each, nothing external, text escaped), then renders
// it in headless Chromium and saves test-results/verify-report*.png to be looked at.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { renderReport } from "../../client/verify/report-html";
import { verify, type CheckResult } from "../../src/verify/index";

const ROOT = path.resolve(__dirname, "../..");
const OUT = path.join(ROOT, "test-results");
const CHROMIUM = "/usr/bin/chromium";

// The seed network with larger dims (so the pictures have a pattern to show) and two classic slips.
const SOURCE = `import { Tensor, sigmoid, softmax, crossEntropy, sub } from "chainrule";

/** @dims D=5 H=6 K=8 */
export function loss(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                     W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return crossEntropy(yhat, y);
}

/** @gradient loss W2 */
export function dLoss_dW2(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return yhat.sub(y).T.matmul(h);
}

/** @gradient loss W1 */
export function dLoss_dW1(x: Tensor<[1, "D"]>, W1: Tensor<["D", "H"]>, b1: Tensor<[1, "H"]>,
                          W2: Tensor<["H", "K"]>, b2: Tensor<[1, "K"]>, y: Tensor<[1, "K"]>) {
  const h = sigmoid(x.matmul(W1).add(b1));
  const yhat = softmax(h.matmul(W2).add(b2));
  return x.T.matmul(yhat.sub(y).matmul(W2.T));
}
`;

function count(html: string, re: RegExp): number {
  return html.match(re)?.length ?? 0;
}

describe("gradient-check report page", () => {
  let dir: string;
  const checks = new Map<string, CheckResult>();
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "chainrule-report-"));
    writeFileSync(path.join(dir, "network.ts"), SOURCE);
    const r = await verify(["network.ts"], { cwd: dir, withArrays: true });
    for (const c of r.checks) checks.set(c.gradient, c);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("the engine gives the arrays the report needs: transposed W2 in its own shape, W1 as its parameter", () => {
    const w2 = checks.get("dLoss_dW2")!;
    assert.equal(w2.status, "fail");
    assert.equal(w2.diagnosis, "transposed");
    assert.deepEqual(w2.arrays?.map((a) => [a.param, a.shape, a.analyticShape]), [["W2", [6, 8], [8, 6]]]);
    const w1 = checks.get("dLoss_dW1")!;
    assert.equal(w1.status, "fail");
    assert.deepEqual(w1.arrays?.map((a) => [a.param, a.shape, a.analyticShape]), [["W1", [5, 6], undefined]]);
  });

  it("has three heatmaps per parameter with every element, the worst one ringed once in each", () => {
    const r = checks.get("dLoss_dW2")!;
    const html = renderReport(r);
    assert.equal(count(html, /<figure class="panel">/g), 3);
    assert.equal(count(html, /class="cell[ "]/g), 3 * 48);
    assert.equal(count(html, /class="cell worst"/g), 3);
    const w = r.worst!;
    // The ringed numeric cell is the worst element at its index, with its exact value.
    assert.match(html, new RegExp(`class="cell worst"[^>]*title="W2\\[${w.index.join(",")}\\] = ${String(w.numeric).replace(/[.+-]/g, "\\$&")}"`));
    assert.match(html, /✗ transposed/);
    assert.match(html, /W2: \[6,\u00a08\]/);
    assert.match(html, /<span class="kv"><b>H<\/b>=6<\/span>/);
    assert.match(html, /finite differences →\u00a0\[6,\u00a08\]/);
    assert.match(html, /dLoss_dW2 →\u00a0\[8,\u00a06\]/);
  });

  it("loads nothing from outside and escapes what comes from user code", () => {
    const r = { ...checks.get("dLoss_dW2")!, message: `<img src=x onerror=alert(1)> "quoted"`, gradient: "<b>g</b>" };
    const html = renderReport(r);
    assert.ok(!html.includes("<img"), "user text must be escaped");
    assert.ok(!/<(script|link|iframe|object)\b|https?:\/\//i.test(html), "no script, no external resource");
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
    assert.match(html, /&lt;b&gt;g&lt;\/b&gt;/);
  });

  it("an errored check renders its message and says why there is no picture", () => {
    const r: CheckResult = { ...checks.get("dLoss_dW2")!, status: "error", diagnosis: null, worst: null, maxAbsError: null, maxRelError: null, message: "dLoss_dW2 threw: boom", arrays: undefined as never };
    delete (r as { arrays?: unknown }).arrays;
    const html = renderReport(r);
    assert.equal(count(html, /<figure class="panel">/g), 0);
    assert.match(html, /could not run/);
    assert.match(html, /stopped before the gradients could be compared/);
  });

  describe("in Chromium", { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)` }, () => {
    let browser: Browser;
    before(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
      mkdirSync(OUT, { recursive: true });
    });
    after(async () => {
      await browser?.close();
    });

    for (const [gradient, file] of [["dLoss_dW2", "verify-report.png"], ["dLoss_dW1", "verify-report-missing-hadamard.png"]] as const) {
      it(`lays out ${gradient}'s three heatmaps side by side and saves ${file}`, async () => {
        const page = await browser.newPage({ viewport: { width: 1240, height: 760 }, deviceScaleFactor: 1 });
        await page.setContent(renderReport(checks.get(gradient)!));
        const boxes = await page.locator("figure.panel").evaluateAll((els) => els.map((e) => {
          const r = e.getBoundingClientRect();
          return { top: r.top, left: r.left, right: r.right };
        }));
        assert.equal(boxes.length, 3);
        assert.ok(boxes.every((b) => Math.abs(b.top - boxes[0]!.top) < 1), "panels on one row");
        assert.ok(boxes[0]!.right < boxes[1]!.left && boxes[1]!.right < boxes[2]!.left, "panels do not overlap");
        assert.ok(boxes[2]!.right <= 1240, "fits the viewport");
        // Runs in the page: the browser's getComputedStyle (this file is compiled without the DOM library).
        const ring = await page.locator(".cell.worst").first().evaluate((e) => (globalThis as unknown as { getComputedStyle(x: unknown): { boxShadow: string } }).getComputedStyle(e).boxShadow);
        assert.match(ring, /rgb\(255, 45, 120\)/);
        await page.screenshot({ path: path.join(OUT, file), fullPage: true });
        // A webview beside an editor is narrow: the cells shrink, the panels stay on one row.
        await page.setViewportSize({ width: 560, height: 760 });
        const narrow = await page.locator("figure.panel").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
        assert.ok(narrow.every((t) => Math.abs(t - narrow[0]!) < 1), "panels on one row at 560 px");
        await page.close();
      });
    }
  });
});
