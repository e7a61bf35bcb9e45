// The gradient-check report as one self-contained HTML page: analytic, numeric and their
// difference as heatmaps side by side, the worst element ringed, shapes, dims and the diagnosis in
// a header. A pure function of a CheckResult (no vscode import, no script, no external resource),
// so the webview shows it and a node test can screenshot it. People see a transposed or a
// missing-⊙ pattern in a picture faster than they read it in numbers.

import type { CheckResult, GradientArrays } from "../../server/protocol";
import { ravel, unravel } from "../../src/shape/shape";
import { elementName, formatCell, formatError, formatValue, verdictHeading } from "../../src/text/verify-text";

export interface ReportOptions {
  /** Content-Security-Policy `style-src` source for the webview (its cspSource); inline styles are always allowed. */
  cspSource?: string;
}

type Rgb = [number, number, number];

/** Viridis, sampled: perceptually uniform, readable in greyscale and by most colour-blind readers. */
const SEQUENTIAL: Rgb[] = [
  [68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];
/** Blue–white–red (ColorBrewer RdBu): zero difference is white, so agreement disappears and errors stand out. */
const DIVERGING: Rgb[] = [
  [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43],
];

function interpolate(stops: readonly Rgb[], t: number): Rgb {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0.5)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as Rgb;
}

const css = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;
/** Dark text on light cells, light text on dark ones (relative luminance). */
const ink = (c: Rgb) => (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] > 140 ? "#111" : "#f4f4f4");

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
}


/** A shape as rows × columns for drawing: scalars and vectors as one row, higher ranks folded into rows. */
function grid(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0]! };
  const cols = shape[shape.length - 1]!;
  return { rows: shape.slice(0, -1).reduce((a, b) => a * b, 1), cols };
}

/** `[4, 3]` with no-break spaces, so a shape never wraps inside a narrow caption. */
const shapeText = (s: readonly number[]) => `[${s.join(",\u00a0")}]`;



/** One cell size for all panels of a parameter, so the same element sits at the same scale in each. */
function cellSize(shapes: ReadonlyArray<readonly number[]>): number {
  const rows = Math.max(...shapes.map((s) => grid(s).rows));
  const cols = Math.max(...shapes.map((s) => grid(s).cols));
  return Math.max(6, Math.min(46, Math.floor(Math.min(340 / cols, 300 / rows))));
}

interface Panel {
  cell: number;
  title: string;
  subtitle: string;
  shape: number[];
  data: number[];
  color: (x: number) => Rgb;
  worstFlat: number | null;
  param: string;
}

function heatmap(p: Panel): string {
  const { rows, cols } = grid(p.shape);
  const cell = p.cell;
  // Numbers only where they fit; the colour carries the pattern, the tooltip the exact value.
  const showNumbers = cell >= 40;
  const cells: string[] = [];
  for (let i = 0; i < rows * cols; i++) {
    const v = p.data[i] ?? NaN;
    const c = p.color(v);
    const idx = p.shape.length ? `[${unravel(i, p.shape).join(",")}]` : "";
    const worst = i === p.worstFlat ? " worst" : "";
    cells.push(
      `<div class="cell${worst}" style="background:${css(c)};color:${ink(c)}" title="${escapeHtml(`${p.param}${idx} = ${v}`)}">${showNumbers ? `<span>${formatCell(v)}</span>` : ""}</div>`,
    );
  }
  const colLabels = cols <= 24 ? Array.from({ length: cols }, (_, j) => `<span>${j}</span>`).join("") : "";
  const rowLabels = rows <= 24 ? Array.from({ length: rows }, (_, i) => `<span>${i}</span>`).join("") : "";
  return `<figure class="panel">
  <figcaption><span class="ptitle">${escapeHtml(p.title)}</span><span class="pshape">${escapeHtml(p.subtitle)}</span></figcaption>
  <div class="hm" style="--cols:${cols};--rows:${rows}">
    <div class="collabels">${colLabels}</div>
    <div class="rowlabels">${rowLabels}</div>
    <div class="cells">${cells.join("")}</div>
  </div>
</figure>`;
}

function legend(label: string, stops: readonly Rgb[], lo: number, hi: number, mid?: string): string {
  const gradient = stops.map((c, i) => `${css(c)} ${Math.round((i / (stops.length - 1)) * 100)}%`).join(", ");
  return `<div class="legend"><span class="ltitle">${escapeHtml(label)}</span><span class="lval">${formatValue(lo)}</span><span class="lbar" style="background:linear-gradient(90deg, ${gradient})"></span><span class="lval">${formatValue(hi)}</span>${mid ? `<span class="lnote">${escapeHtml(mid)}</span>` : ""}</div>`;
}

function paramSection(r: CheckResult, a: GradientArrays): string {
  const aShape = a.analyticShape ?? a.shape;
  const values = [...a.analytic, ...a.numeric].filter(Number.isFinite);
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  // One value scale for both, so the same colour means the same number on either side.
  const seq = (x: number) => interpolate(SEQUENTIAL, (x - lo) / (hi - lo));
  // The difference as the data are laid out (how an optimiser would apply it), in the parameter's shape.
  const diff = a.numeric.map((n, i) => (a.analytic[i] ?? NaN) - n);
  const dmax = Math.max(1e-300, ...diff.filter(Number.isFinite).map(Math.abs));
  const div = (x: number) => interpolate(DIVERGING, 0.5 + x / (2 * dmax));
  const worst = r.worst && r.worst.param === a.param ? ravel(r.worst.index, a.shape) : null;
  const cell = cellSize([aShape, a.shape]);
  const mismatch = a.analyticShape ? ` <span class="warn">but ${escapeHtml(r.gradient)} returned ${escapeHtml(shapeText(a.analyticShape))}</span>` : "";
  const panels = [
    heatmap({ cell, title: "Analytic", subtitle: `${r.gradient} →\u00a0${shapeText(aShape)}`, shape: aShape, data: a.analytic, color: seq, worstFlat: worst, param: a.param }),
    heatmap({ cell, title: "Numeric", subtitle: `finite differences →\u00a0${shapeText(a.shape)}`, shape: a.shape, data: a.numeric, color: seq, worstFlat: worst, param: a.param }),
    heatmap({ cell, title: "Analytic − numeric", subtitle: shapeText(a.shape), shape: a.shape, data: diff, color: div, worstFlat: worst, param: a.param }),
  ];
  const p = r.params?.find((x) => x.param === a.param);
  const status = p ? `<span class="chip ${p.pass ? "ok" : "bad"}">${escapeHtml(verdictHeading({ status: p.pass ? "pass" : "fail", diagnosis: p.diagnosis }))}</span>` : "";
  // The cell shrinks with the view (the webview beside an editor is narrow) so the three panels stay side by side.
  const sumCols = grid(aShape).cols + 2 * grid(a.shape).cols;
  return `<section class="param" style="--cellmax:${cell}px;--sumcols:${sumCols}">
  <h2>∂${escapeHtml(r.of)}/∂${escapeHtml(a.param)} <span class="dim">${escapeHtml(a.param)}: ${escapeHtml(shapeText(a.shape))}</span>${mismatch} ${status}</h2>
  ${p?.note && (r.arrays?.length ?? 0) > 1 ? `<p class="note">${escapeHtml(p.note)}</p>` : ""}
  <div class="panels">${panels.join("\n")}</div>
  <div class="legends">${legend("value", SEQUENTIAL, lo, hi)}${legend("difference", DIVERGING, -dmax, dmax, "white = agree")}</div>
</section>`;
}

function headline(r: CheckResult): { cls: string; text: string } {
  return { cls: r.status === "pass" ? "ok" : r.status === "error" ? "err" : "bad", text: verdictHeading(r) };
}

const DIAGNOSIS_HELP: Record<string, string> = {
  transposed: "Its transpose matches the numeric gradient: look for a missing or extra ᵀ, or operands of a matmul in the wrong order.",
  "sign-flipped": "It is the numeric gradient negated: look for a − that should be +, or (y − ŷ) in place of (ŷ − y).",
  scaled: "It is the numeric gradient times a constant: look for a missing factor (2 from a square, 1/N from a mean).",
  zero: "It is zero everywhere: the gradient does not depend on the inputs it should.",
};

/** The whole report page. */
export function renderReport(r: CheckResult, options: ReportOptions = {}): string {
  const h = headline(r);
  const dims = Object.entries(r.dims).map(([k, v]) => `<span class="kv"><b>${escapeHtml(k)}</b>=${v}</span>`).join("");
  const w = r.worst;
  const worstLine = w
    ? `<div class="stat"><span>worst element</span><b>${escapeHtml(elementName(w.param, w.index))}</b> analytic <b>${formatValue(w.analytic)}</b>, numeric <b>${formatValue(w.numeric)}</b></div>`
    : "";
  const help = r.diagnosis ? DIAGNOSIS_HELP[r.diagnosis] : undefined;
  const sections = (r.arrays ?? []).map((a) => paramSection(r, a)).join("\n");
  const noArrays = r.arrays?.length
    ? ""
    : `<p class="note">${r.status === "error" ? "No heatmaps: the check stopped before the gradients could be compared." : "No arrays were kept for this result: run Verify Gradient again to see them."}</p>`;
  // No script at all; styles inline only (plus the webview's own source when given).
  const csp = `default-src 'none'; style-src 'unsafe-inline'${options.cspSource ? ` ${options.cspSource.replace(/["<>]/g, "")}` : ""};`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(r.gradient)} — gradient check</title>
<style>${STYLE}</style></head>
<body>
<header>
  <div class="title"><h1>${escapeHtml(r.gradient)}</h1><span class="badge ${h.cls}">${escapeHtml(h.text)}</span></div>
  <div class="sub">∂${escapeHtml(r.of)}/∂${escapeHtml(r.wrt.join(", ") || "?")} · ${escapeHtml(r.file)}:${r.line} · ${dims}<span class="kv">seed ${r.seed}</span><span class="kv">${r.ms} ms</span></div>
  <div class="stats">
    <div class="stat"><span>max abs error</span><b>${formatError(r.maxAbsError)}</b></div>
    <div class="stat"><span>max rel error</span><b>${formatError(r.maxRelError)}</b></div>
    ${worstLine}
  </div>
  <p class="message ${h.cls}">${escapeHtml(r.message)}</p>
  ${help ? `<p class="help">${escapeHtml(help)}</p>` : ""}
  ${culpritBox(r)}
</header>
${sections}${noArrays}
<footer>Numeric: central finite differences in float64. Pass when |a − n| ≤ 1e-5 + 1e-3·|n| for every element. Hover a cell for its exact value.</footer>
</body></html>`;
}

/** The wrong factor (src/explain/culprit.ts): what was written, where, and what the chain has there. */
function culpritBox(r: CheckResult): string {
  const c = r.culprit;
  if (!c) return "";
  const where = `${c.file ?? r.file}:${c.range.start.line + 1}:${c.range.start.character + 1}`;
  return `<div class="culprit"><span class="label">the wrong factor</span>
  <div><code class="wrong">${escapeHtml(c.expr)}</code> <span class="dim">at ${escapeHtml(where)}</span></div>
  <div>the chain has <code class="right">${escapeHtml(c.expected)}</code> here${c.step ? `, in <code>${escapeHtml(c.step)}</code>` : ""}</div></div>`;
}

const STYLE = `
:root { color-scheme: light dark; }
body { margin: 0; padding: 20px 28px 28px; font: 13px/1.45 var(--vscode-font-family, -apple-system, "Segoe UI", Ubuntu, sans-serif);
  background: var(--vscode-editor-background, #1e1f22); color: var(--vscode-editor-foreground, #d8dade); }
h1 { font: 600 20px/1.2 var(--vscode-editor-font-family, "DejaVu Sans Mono", monospace); margin: 0; }
h2 { font-size: 14px; font-weight: 600; margin: 0 0 10px; display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
header { padding-bottom: 14px; margin-bottom: 18px; border-bottom: 1px solid var(--vscode-panel-border, #3a3d41); }
.title { display: flex; align-items: center; gap: 12px; }
.badge { padding: 3px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; letter-spacing: .02em; }
.badge.ok { background: #1f6f43; color: #e8fff1; } .badge.bad { background: #b3261e; color: #fff1f0; } .badge.err { background: #8a5a00; color: #fff7e6; }
.sub { margin-top: 6px; opacity: .85; display: flex; gap: 10px; flex-wrap: wrap; align-items: center; }
.kv { font-family: var(--vscode-editor-font-family, "DejaVu Sans Mono", monospace); font-size: 12px; padding: 1px 7px; border-radius: 4px;
  background: var(--vscode-textBlockQuote-background, rgba(127,127,127,.14)); }
.stats { display: flex; gap: 22px; margin-top: 12px; flex-wrap: wrap; }
.stat span { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .06em; opacity: .65; }
.stat b { font-family: var(--vscode-editor-font-family, "DejaVu Sans Mono", monospace); font-size: 14px; }
.message { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; border-left: 3px solid; background: rgba(127,127,127,.10); }
.message.bad { border-color: #e5484d; } .message.ok { border-color: #30a46c; } .message.err { border-color: #f5a524; }
.help { margin: 8px 0 0; opacity: .85; }
.culprit { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; border: 1px solid #e5484d; display: grid; gap: 4px; }
.culprit .label { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; opacity: .65; }
.culprit code { font-family: var(--vscode-editor-font-family, "DejaVu Sans Mono", monospace); }
.culprit code.wrong { text-decoration: underline wavy #e5484d; text-underline-offset: 3px; font-weight: 600; }
.culprit code.right { color: #4cc38a; }
.note { opacity: .8; margin: -4px 0 10px; }
.dim { font-weight: 400; opacity: .7; font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
.warn { color: #ff8a80; font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
.chip { font-size: 11px; padding: 2px 8px; border-radius: 999px; font-weight: 600; }
.chip.ok { background: rgba(48,164,108,.2); color: #4cc38a; } .chip.bad { background: rgba(229,72,77,.2); color: #ff6369; }
.param { margin-bottom: 22px; }
.panels { display: flex; gap: 26px; flex-wrap: wrap; align-items: flex-start; }
/* As wide as its heatmap: a long caption wraps instead of pushing the next panel to a new row. */
.panel { width: min-content; margin: 0; padding: 12px 14px 14px; border-radius: 8px; background: var(--vscode-sideBar-background, rgba(127,127,127,.07));
  border: 1px solid var(--vscode-panel-border, rgba(127,127,127,.25)); }
figcaption { display: flex; flex-direction: column; margin-bottom: 8px; }
.ptitle { font-weight: 600; } .pshape { font-family: var(--vscode-editor-font-family, monospace); font-size: 11px; opacity: .7; }
.param { --cell: max(8px, min(var(--cellmax), calc((100vw - 270px) / var(--sumcols) - 2px))); }
.hm { display: grid; grid-template-columns: 18px auto; grid-template-rows: 16px auto; }
.collabels { grid-column: 2; display: grid; grid-template-columns: repeat(var(--cols), var(--cell)); gap: 2px; }
.rowlabels { grid-row: 2; display: grid; grid-template-rows: repeat(var(--rows), var(--cell)); gap: 2px; }
.collabels span, .rowlabels span { font-size: 10px; opacity: .55; display: flex; align-items: center; justify-content: center; }
.cells { grid-column: 2; grid-row: 2; display: grid; grid-template-columns: repeat(var(--cols), var(--cell)); grid-auto-rows: var(--cell); gap: 2px; }
.cell { container-type: size; border-radius: 3px; display: flex; align-items: center; justify-content: center; overflow: hidden; font: 10px/1 var(--vscode-editor-font-family, "DejaVu Sans Mono", monospace); }
/* Numbers only while they fit: the cell is a size container. */
.cell span { display: block; width: 100%; text-align: center; white-space: nowrap; }
@container (max-width: 35px) { .cell span { display: none; } }
.cell.worst { box-shadow: 0 0 0 2px var(--vscode-editor-background, #1e1f22), 0 0 0 4px #ff2d78; position: relative; z-index: 1; }
.legends { display: flex; gap: 30px; margin-top: 10px; flex-wrap: wrap; }
.legend { display: flex; align-items: center; gap: 8px; font-size: 11px; }
.ltitle { opacity: .65; text-transform: uppercase; letter-spacing: .06em; } .lval { font-family: var(--vscode-editor-font-family, monospace); }
.lbar { width: 140px; height: 10px; border-radius: 3px; } .lnote { opacity: .6; }
footer { opacity: .55; font-size: 11px; margin-top: 8px; }
`;
