// Renders docs/images/icon.svg to docs/images/icon.png (the extension's icon: VS Code and the
// Marketplace take PNG only) with the Chromium the real-editor tests use. Run after editing the
// SVG: `node scripts/icon.mjs`; the PNG is committed, so packaging never needs a browser.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const svg = readFileSync(path.join(root, "docs/images/icon.svg"), "utf8");
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 256, height: 256 }, deviceScaleFactor: 1 });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator("svg").screenshot({ path: path.join(root, "docs/images/icon.png"), omitBackground: true });
} finally {
  await browser.close();
}
console.log("wrote docs/images/icon.png");
