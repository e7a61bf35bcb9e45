// Runs the in-editor suite (suite.ts) in a real VS Code session (session.ts) on a copy of the seed's
// bug and template, and does the steps the suite asks of a person: hover the squiggle and photograph
// it with its hover, and check that the math template is highlighted by our grammar and photograph it.

import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { photograph, ROOT, runSession, settled, type Session, type Workspace } from "./session";

export const SCREENSHOT = path.join(ROOT, "test-results/vscode-seed-bug.png");
export const TEMPLATE_SCREENSHOT = path.join(ROOT, "test-results/vscode-template.png");

/** The seed's bug, the corrected seed to compare with, and the seed in template form. */
export const SEED_WORKSPACE: Workspace = {
  copy: {
    "seed-bug.ts": "test/protocol/fixtures/seed-bug.ts",
    "expected-seed.ts": "test/protocol/fixtures/seed.ts",
    "seed-template.ts": "examples/seed-template.ts",
  },
  // Below the line there is room: the code above stays visible next to the hover.
  settings: { "editor.hover.above": false },
};

export type Box = { x: number; y: number; width: number; height: number };

/**
 * Screen box of one character on the first line containing `needle`: the one at column `at`, or
 * the first occurrence of `at`. A DOM Range over the rendered line's text nodes (runs in the page;
 * typed by hand because this project's lib has no DOM).
 */
export async function charBox(page: Page, needle: string, at: number | string): Promise<Box | null> {
  return page.locator(".monaco-editor .view-line", { hasText: needle }).first().evaluate((el, where) => {
    type TextNode = { textContent: string | null };
    const doc = (globalThis as unknown as {
      document: {
        createTreeWalker(root: unknown, what: number): { nextNode(): TextNode | null };
        createRange(): { setStart(n: TextNode, o: number): void; setEnd(n: TextNode, o: number): void; getBoundingClientRect(): Box };
      };
    }).document;
    const walker = doc.createTreeWalker(el, 4 /* SHOW_TEXT */);
    const nodes: TextNode[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
    let left = typeof where === "number" ? where : nodes.map((n) => n.textContent ?? "").join("").indexOf(where);
    if (left < 0) return null;
    for (const n of nodes) {
      const len = n.textContent?.length ?? 0;
      if (left < len) {
        const r = doc.createRange();
        r.setStart(n, left);
        r.setEnd(n, left + 1);
        const b = r.getBoundingClientRect();
        return { x: b.x, y: b.y, width: b.width, height: b.height };
      }
      left -= len;
    }
    return null;
  }, at);
}

/**
 * Hovers the character `at` of the first line containing `needle` until a hover saying `text`
 * shows, as a person would: move the mouse onto it and wait; if nothing comes (the line moved
 * under the mouse as hints or lenses were drawn, or the hover opened before our answer arrived),
 * move away and back onto where the character is now; last, ask for the hover from the keyboard
 * (Ctrl+K Ctrl+I) with the cursor on it. What each miss saw goes to `log`, and into the error.
 */
export async function hoverUntil(page: Page, needle: string, at: number | string, text: string, log: string[]): Promise<Locator> {
  const hover = page.locator(".monaco-hover:visible").filter({ hasText: text }).first();
  const seen: string[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    // A line just revealed can be in the DOM before it is laid out (a zero box at 0,0): wait for it.
    let box = await charBox(page, needle, at);
    for (const deadline = Date.now() + 10_000; box && box.width === 0 && Date.now() < deadline; box = await charBox(page, needle, at)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!box) throw new Error(`the line with ${JSON.stringify(needle)} is not rendered`);
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    if (attempt === 4) {
      await page.mouse.click(x, y);
      await page.keyboard.press("Control+k");
      await page.keyboard.press("Control+i");
    } else {
      await page.mouse.move(x, y + 200, { steps: 2 });
      await page.mouse.move(x, y, { steps: 5 });
    }
    try {
      await hover.waitFor({ state: "visible", timeout: attempt === 1 ? 20_000 : 10_000 });
      if (attempt > 1) log.push(`[harness] hover for ${JSON.stringify(text)} came on attempt ${attempt}; before: ${seen.join(" | ")}`);
      // The hover fades in: whoever photographs it wants it settled, not half-transparent.
      await settled(hover);
      return hover;
    } catch {
      const shown = await page.locator(".monaco-hover:visible").allInnerTexts().catch(() => []);
      seen.push(`attempt ${attempt} at (${Math.round(x)},${Math.round(y)}): ${shown.length ? shown.map((t) => JSON.stringify(t.slice(0, 200))).join(", ") : "no hover"}`);
      log.push(`[harness] no hover saying ${JSON.stringify(text)}: ${seen[seen.length - 1]}`);
    }
  }
  throw new Error(`no hover saying ${JSON.stringify(text)} after 4 tries: ${seen.join(" | ")}`);
}

/** Hovers until `text` shows (hoverUntil) and photographs the window. */
async function hoverAndPhotograph(page: Page, needle: string, at: number | string, text: string, file: string, log: string[]): Promise<string> {
  await hoverUntil(page, needle, at, text, log);
  await photograph(page, file);
  return "ok";
}

/** Hovers the mistaken `matmul` (starting at `column` of the buggy line) and photographs the editor. */
async function photographHover(page: Page, column: string, log: string[]): Promise<string> {
  const BUGGY = "matmul(h.mul(sub(1, h)))";
  await page.locator(".monaco-editor .view-line", { hasText: BUGGY }).first().waitFor({ state: "visible", timeout: 60_000 });
  await page.locator(".monaco-editor .squiggly-error").first().waitFor({ state: "attached", timeout: 60_000 });
  return hoverAndPhotograph(page, BUGGY, Number(column) + 2, "g · diag(s′) = g ⊙ s′", SCREENSHOT, log);
}

/** Rendered tokens of one editor line: text and computed colour, in order. */
type LineTokens = Array<{ text: string; color: string }>;

/** What Monaco rendered for the first line containing `needle` (typed by hand: no DOM lib here). */
async function lineTokens(page: Page, needle: string): Promise<LineTokens> {
  return page.locator(".monaco-editor .view-line", { hasText: needle }).first().evaluate((el) => {
    type El = { textContent: string | null; className: string; children: ArrayLike<El> };
    const win = globalThis as unknown as { getComputedStyle(e: El): { color: string } };
    const spans = Array.from((el as unknown as El).children[0]?.children ?? []);
    return spans.map((c) => ({ text: c.textContent ?? "", color: win.getComputedStyle(c).color }));
  });
}

/**
 * Checks in the rendered editor that the seed's gradient template is coloured by our grammar —
 * operators, ᵀ and function names in another colour than a plain string — then hovers its first
 * ⊙ (the hover gives the operand shapes and the result) and photographs the editor.
 */
async function photographTemplate(page: Page, _arg: string, log: string[]): Promise<string> {
  const GRADIENT = "(1 - ";
  await page.locator(".monaco-editor .view-line", { hasText: GRADIENT }).first().waitFor({ state: "visible", timeout: 60_000 });
  // The interpolation hints come from the language server: photograph once they are drawn.
  await page.locator(".monaco-editor .view-line", { hasText: ": [H,K]" }).first().waitFor({ state: "visible", timeout: 60_000 });
  const stringColor = (await lineTokens(page, 'from "chainrule"')).find((t) => t.text.includes('"chainrule"'))?.color;
  const grad = await lineTokens(page, GRADIENT);
  const fn = await lineTokens(page, "softmax(");
  log.push(`[harness] template tokens: string ${stringColor}; ${[...grad, ...fn].map((t) => `${JSON.stringify(t.text)}=${t.color}`).join(" ")}`);
  if (!stringColor) return "no plain string token found to compare with";
  // Tokens of one colour are merged into one span (`ᵀ ⊙ `), so look for the span holding each.
  const colorOf = (tokens: LineTokens, text: string) => tokens.find((t) => t.text.includes(text))?.color;
  const wanted: Array<[string, string | undefined]> = [
    ["@", colorOf(grad, "@")], ["⊙", colorOf(grad, "⊙")], ["ᵀ", colorOf(grad, "ᵀ")], ["softmax", colorOf(fn, "softmax")],
  ];
  const bad = wanted.filter(([, c]) => c === undefined || c === stringColor).map(([t, c]) => `${t} is ${c ?? "not rendered"}`);
  if (bad.length) return `template math not highlighted (string colour ${stringColor}): ${bad.join(", ")}`;
  return hoverAndPhotograph(page, GRADIENT, "⊙", "[1,H] ⊙ [1,H] → [1,H]", TEMPLATE_SCREENSHOT, log);
}

export async function runVsCodeSession(): Promise<Session & { templateScreenshot?: string }> {
  // A picture left by an earlier run must not stand in for this one's.
  rmSync(TEMPLATE_SCREENSHOT, { force: true });
  const session = await runSession({
    name: "vscode", suite: "suite.ts", workspace: SEED_WORKSPACE, trusted: true,
    // Tells the suite that a browser is there to take its screenshots.
    env: { CHAINRULE_SCREENSHOT_HARNESS: "1" },
    viewport: { width: 1280, height: 800 },
    steps: { hover: photographHover, template: photographTemplate },
  });
  return { ...session, templateScreenshot: existsSync(TEMPLATE_SCREENSHOT) ? TEMPLATE_SCREENSHOT : undefined };
}
