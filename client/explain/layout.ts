// The computation graph of an explanation, laid out with dagre: parameters and forward values as
// boxes (top to bottom, parameters first), a solid edge from each value to the steps that read
// it, and each backward step as a labelled edge going back up (upstream gradient · Jacobian).
// Pure data in, coordinates out, so the chain view and its tests share it.

import dagre from "@dagrejs/dagre";
import type { ExplainResult } from "../../server/protocol";

type Explanation = Exclude<ExplainResult, { error: unknown }>;
type Backward = Explanation["backward"][number];
type Forward = Explanation["forward"][number];

export interface LaidNode {
  id: string;
  kind: "param" | "step" | "root" | "derived";
  /** Display name (ŷ) and, for a step, its formula. */
  title: string;
  detail: string;
  shape: string;
  x: number;
  y: number;
  width: number;
  height: number;
  step?: Forward;
}

export interface LaidEdge {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
  /** The backward steps this edge carries back (the forward edge's reverse), if any. */
  backward: Backward[];
  /** Where the label sits, when there is one. */
  label?: { x: number; y: number; width: number; height: number };
}

export interface Layout {
  nodes: LaidNode[];
  edges: LaidEdge[];
  width: number;
  height: number;
}

/** Width of a line of the view's 12px monospace font (about 7.3 px a character), padded. */
export function textWidth(s: string, px = 7.3): number {
  return Math.ceil([...s].length * px);
}

export function shapeText(shape: ReadonlyArray<number | string | null> | null): string {
  return shape === null ? "[?]" : `[${shape.map((d) => (d === null ? "?" : String(d))).join(",")}]`;
}

const NODE_HEIGHT = 46;
const LABEL_LINE = 15;

export function layoutChain(e: Explanation): Layout {
  const g = new dagre.graphlib.Graph<Record<string, unknown>, { width: number; height: number; x?: number; y?: number }, { width?: number; height?: number; x?: number; y?: number; points?: Array<{ x: number; y: number }> }>({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 46, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const nodes = new Map<string, Omit<LaidNode, "x" | "y">>();
  const add = (n: Omit<LaidNode, "x" | "y" | "width" | "height">) => {
    const width = Math.max(textWidth(n.title) + textWidth(n.shape, 6.8) + 8, textWidth(n.detail, 6.8)) + 22;
    nodes.set(n.id, { ...n, width, height: NODE_HEIGHT });
    g.setNode(n.id, { width, height: NODE_HEIGHT });
  };
  for (const p of e.params) add({ id: p.name, kind: "param", title: p.name, detail: p.number ? "number" : "parameter", shape: shapeText(p.shape) });
  const last = e.forward[e.forward.length - 1];
  for (const s of e.forward) add({ id: s.name, kind: s === last ? "root" : "step", title: s.symbol, detail: `= ${s.expr}`, shape: shapeText(s.shape), step: s });
  // A transposed value (Wᵀ) the backward pass names: a node under the one it transposes.
  for (const b of e.backward) {
    if (nodes.has(b.node) || !b.node.endsWith("ᵀ")) continue;
    add({ id: b.node, kind: "derived", title: b.node, detail: "transpose", shape: shapeText(b.shape) });
    g.setEdge(b.node.slice(0, -1), b.node, {}, `f:${b.node}`);
  }
  const edgeKey = (from: string, to: string) => `${from}\0${to}`;
  const carried = new Map<string, Backward[]>();
  for (const b of e.backward) {
    const k = edgeKey(b.node, b.fromNode);
    carried.set(k, [...(carried.get(k) ?? []), b]);
  }
  const edges: Array<{ from: string; to: string; name: string }> = [];
  const forwardPairs = new Set<string>();
  for (const s of e.forward) {
    for (const i of s.inputs) {
      if (!nodes.has(i)) continue;
      forwardPairs.add(edgeKey(i, s.name));
      edges.push({ from: i, to: s.name, name: `f:${i}:${s.name}` });
    }
  }
  // A backward step whose upstream is not a direct reader (it went through values written in place) gets its own edge.
  for (const k of [...carried.keys()]) {
    if (forwardPairs.has(k)) continue;
    const [from, to] = k.split("\0") as [string, string];
    if (nodes.has(from) && nodes.has(to)) edges.push({ from, to, name: `b:${from}:${to}` });
    else carried.delete(k);
  }
  for (const ed of edges) {
    const bs = carried.get(edgeKey(ed.from, ed.to)) ?? [];
    const label = bs.length ? { width: Math.max(...bs.map((b) => Math.max(textWidth(`${b.target} = ${b.expr}`, 7.1), textWidth(`${b.jacobian} · ${b.op}`, 6.8)))) + 14, height: LABEL_LINE * 2 * bs.length + 6, labelpos: "c" as const } : {};
    g.setEdge(ed.from, ed.to, label, ed.name);
  }
  dagre.layout(g);
  const laid: LaidNode[] = [...nodes.values()].map((n) => {
    const p = g.node(n.id);
    return { ...n, x: p.x!, y: p.y! };
  });
  const laidEdges: LaidEdge[] = g.edges().map((ge: { v: string; w: string; name?: string }) => {
    const lab = g.edge(ge);
    const bs = carried.get(edgeKey(ge.v, ge.w)) ?? [];
    return {
      from: ge.v, to: ge.w, points: lab.points ?? [], backward: bs,
      ...(bs.length && lab.x !== undefined ? { label: { x: lab.x, y: lab.y!, width: lab.width!, height: lab.height! } } : {}),
    };
  });
  const graph = g.graph();
  return { nodes: laid, edges: laidEdges, width: graph.width ?? 0, height: graph.height ?? 0 };
}
