// The chain view as one self-contained HTML page: the computation graph (laid out by layout.ts,
// drawn as SVG: values with their shapes, forward edges solid, backward steps dashed and labelled
// with upstream · Jacobian, coloured by the Jacobian's structure) beside the derivation text. Every
// step links to its source range through a command URI, so the page needs no script. A pure
// function of an explanation (no vscode import), so a node test can screenshot it.

import type { ExplainResult } from "../../server/protocol";
import { layoutChain, shapeText as shape, type LaidEdge, type LaidNode } from "./layout";

type Explanation = Exclude<ExplainResult, { error: unknown }>;
type Range = { start: { line: number; character: number }; end: { line: number; character: number } };

export interface ChainOptions {
  /** Content-Security-Policy `style-src` source (the webview's cspSource); inline styles are always allowed. */
  cspSource?: string;
  /** The link that reveals a range of a document (a `command:` URI in the webview). */
  link?: (uri: string, range: Range) => string;
}

const COLOURS = { diagonal: "#3fb950", linear: "#58a6ff", full: "#c297ff" } as const;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** `command:chainrule.revealRange?…`: the editor's command URI that selects `range` in `uri`. */
export function revealLink(uri: string, range: Range): string {
  return `command:chainrule.revealRange?${encodeURIComponent(JSON.stringify([uri, range]))}`;
}

function linked(inner: string, href: string | undefined, title: string): string {
  return href ? `<a href="${esc(href)}"><title>${esc(title)}</title>${inner}</a>` : inner;
}

function path(points: ReadonlyArray<{ x: number; y: number }>, dx = 0): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${(p.x + dx).toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

function nodeSvg(n: LaidNode, link: ChainOptions["link"]): string {
  const x = n.x - n.width / 2;
  const y = n.y - n.height / 2;
  const cls = `node ${n.kind}`;
  const body = `<rect class="${cls}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${n.width}" height="${n.height}" rx="7"/>
<text class="name" x="${(x + 11).toFixed(1)}" y="${(y + 19).toFixed(1)}">${esc(n.title)}<tspan class="shape" dx="8">${esc(n.shape)}</tspan></text>
<text class="formula" x="${(x + 11).toFixed(1)}" y="${(y + 36).toFixed(1)}">${esc(n.detail)}</text>`;
  const href = n.step?.range && link ? link(n.step.uri ?? "", n.step.range) : undefined;
  return linked(`<g>${body}</g>`, href, `${n.title} = ${n.step?.expr ?? n.detail} — go to the code`);
}

function edgeSvg(e: LaidEdge, link: ChainOptions["link"]): string {
  const parts = [`<path class="forward" d="${path(e.points)}" marker-end="url(#fwd)"/>`];
  if (e.backward.length === 0) return parts.join("\n");
  const colour = COLOURS[e.backward[0]!.jacobian];
  parts.push(`<path class="backward" stroke="${colour}" d="${path([...e.points].reverse(), 5)}" marker-end="url(#back-${e.backward[0]!.jacobian})"/>`);
  const l = e.label;
  if (l) {
    const x = l.x - l.width / 2;
    const y = l.y - l.height / 2;
    const lines = e.backward.map((b, i) => {
      const ty = y + 15 + i * 30;
      const text = `<text class="step" x="${(x + 6).toFixed(1)}" y="${ty.toFixed(1)}" fill="${COLOURS[b.jacobian]}">${esc(`${b.target} ${b.accumulate ? "+=" : "="} ${b.expr}`)}</text>
<text class="why" x="${(x + 6).toFixed(1)}" y="${(ty + 14).toFixed(1)}">${esc(`${b.jacobian} · ${b.op}`)}</text>`;
      return linked(text, b.range && link ? link(b.uri ?? "", b.range) : undefined, `${b.target} = ${b.expr}: ${b.why}`);
    });
    parts.push(`<rect class="label" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${l.width}" height="${l.height}" rx="4"/>`, ...lines);
  }
  return parts.join("\n");
}

function line(text: string, range: Range | null | undefined, uri: string | undefined, link: ChainOptions["link"], cls = "", note = ""): string {
  const body = `<code>${esc(text)}</code>${note ? `<span class="how">${esc(note)}</span>` : ""}`;
  return `<li class="${cls}">${range && uri && link ? `<a href="${esc(link(uri, range))}">${body}</a>` : body}</li>`;
}

export function renderChain(e: Explanation, options: ChainOptions = {}): string {
  const link = options.link ?? revealLink;
  const layout = layoutChain(e);
  const markers = (Object.entries(COLOURS) as Array<[string, string]>)
    .map(([k, c]) => `<marker id="back-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`)
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="computation graph of ${esc(e.function)}">
<defs><marker id="fwd" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow"/></marker>${markers}</defs>
${layout.edges.map((x) => edgeSvg(x, link)).join("\n")}
${layout.nodes.map((n) => nodeSvg(n, link)).join("\n")}
</svg>`;
  const f = e.function;
  const title = e.wrt.length === 1 ? `∂${f}/∂${e.wrt[0]}` : `∂${f}/∂{${e.wrt.join(", ")}}`;
  const grads = e.gradients.map((g) => `<div class="gradient"><code>∂${esc(f)}/∂${esc(g.param)} = ${esc(g.expr)}</code></div>`).join("");
  const csp = `default-src 'none'; img-src data:; style-src ${options.cspSource ? `${options.cspSource} ` : ""}'unsafe-inline';`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<title>${esc(title)}</title>
<style>
:root { color-scheme: light dark; }
body { margin: 0; padding: 14px 18px; font: 13px/1.45 var(--vscode-font-family, system-ui, sans-serif);
  background: var(--vscode-editor-background, #1f1f1f); color: var(--vscode-editor-foreground, #d4d4d4); }
h1 { font-size: 15px; margin: 0 0 4px; font-weight: 600; }
code, svg text { font-family: var(--vscode-editor-font-family, "DejaVu Sans Mono", monospace); }
.gradient code { font-size: 14px; color: var(--vscode-textLink-foreground, #4daafc); }
.main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(260px, 38%); gap: 18px; margin-top: 12px; }
.graph { overflow: auto; border: 1px solid var(--vscode-panel-border, #444); border-radius: 6px; max-height: calc(100vh - 150px); }
.text { overflow: auto; max-height: calc(100vh - 150px); }
.text h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; opacity: .75; margin: 12px 0 4px; }
.text ul { list-style: none; margin: 0; padding: 0; }
.text li { padding: 2px 4px; border-radius: 3px; }
.text li code { white-space: nowrap; }
.text .how { display: block; font-size: 11.5px; opacity: .7; padding-left: 8px; }
.text li a { color: inherit; text-decoration: none; }
.text li:hover { background: var(--vscode-list-hoverBackground, #2a2d2e); }
.text li.diagonal code { border-left: 3px solid ${COLOURS.diagonal}; padding-left: 5px; }
.text li.linear code { border-left: 3px solid ${COLOURS.linear}; padding-left: 5px; }
.text li.full code { border-left: 3px solid ${COLOURS.full}; padding-left: 5px; }
.note { opacity: .8; font-size: 12px; margin-top: 10px; white-space: normal; }
svg .node { fill: var(--vscode-editorWidget-background, #252526); stroke: var(--vscode-editorWidget-border, #6b6b6b); }
svg .node.param { stroke-dasharray: 3 2; }
svg .node.root { stroke: var(--vscode-textLink-foreground, #4daafc); stroke-width: 2; }
svg .name { font-size: 13px; font-weight: 600; fill: var(--vscode-editor-foreground, #d4d4d4); }
svg .shape, svg .why { font-size: 11px; font-weight: 400; fill: var(--vscode-descriptionForeground, #9d9d9d); }
svg .formula { font-size: 11px; fill: var(--vscode-editor-foreground, #cfcfcf); }
svg .forward { fill: none; stroke: var(--vscode-descriptionForeground, #8b8b8b); stroke-width: 1.3; }
svg .arrow { fill: var(--vscode-descriptionForeground, #8b8b8b); }
svg .backward { fill: none; stroke-width: 1.6; stroke-dasharray: 5 3; }
svg .label { fill: var(--vscode-editor-background, #1f1f1f); stroke: var(--vscode-panel-border, #444); opacity: .94; }
svg .step { font-size: 11.5px; }
svg a:hover rect.node, svg a:hover text { text-decoration: underline; }
</style></head>
<body>
<h1>${esc(title)} <span style="opacity:.6;font-weight:400">— ${esc(e.function)} in ${esc(e.uri.replace(/^.*\//, ""))}</span></h1>
${grads}
<div class="main">
<div class="graph">${svg}</div>
<div class="text">
<h2>Forward</h2><ul>${e.forward.map((s) => line(`${s.symbol} = ${s.expr}`, s.range, s.uri, link, "", shape(s.shape))).join("")}</ul>
<h2>Backward: upstream gradient · Jacobian</h2><ul>${e.backward.map((b) => line(`${b.target} ${b.accumulate ? "+=" : "="} ${b.expr}${b.simplified ? ` = ${b.simplified}` : ""}`, b.range, b.uri, link, b.jacobian, `${shape(b.shape)} · ${b.op}: ${b.how}`)).join("")}</ul>
${e.shared.length ? `<h2>Shared</h2><ul>${e.shared.map((s) => line(`${s.param} = ${s.expr}`, null, undefined, link)).join("")}</ul>` : ""}
${e.assumptions.map((a) => `<div class="note">Assuming ${esc(a)}.</div>`).join("")}
<div class="note">Solid: a value and the step that reads it. Dashed: the gradient going back, <span style="color:${COLOURS.diagonal}">green ⊙ diagonal</span> (element-wise), <span style="color:${COLOURS.linear}">blue @ linear</span>, <span style="color:${COLOURS.full}">purple full</span>. Click a step to see its code.</div>
</div></div>
</body></html>`;
}
