// Reads chainrule's JSDoc tags off a function: `@gradient F [P]`, `@dims D=4 H=5`,
// `@sample P normal|positive|onehot|probability`. Pure syntax (the compiler API's JSDoc nodes),
// shared by the static pairing checks and the gradient checker.

import { ts } from "ts-morph";

export type SampleKind = "normal" | "positive" | "onehot" | "probability";
export const SAMPLE_KINDS: readonly SampleKind[] = ["normal", "positive", "onehot", "probability"];

export interface TagProblem {
  /** Which tag is malformed. */
  tag: "gradient" | "dims" | "sample";
  /** Offsets into the source file. */
  start: number;
  end: number;
  message: string;
}

export interface GradientTag {
  of: string;
  /** Absent for the object form `@gradient F`. */
  wrt?: string;
  /** Offsets of the tag's text (`loss x`), for diagnostics. */
  start: number;
  end: number;
}

export interface FunctionTags {
  gradient?: GradientTag;
  dims: Record<string, number>;
  samples: Record<string, SampleKind>;
  problems: TagProblem[];
}

/** The node JSDoc hangs off: the function itself, or for `const F = (…) => …` its variable statement. */
export function jsDocHost(fn: ts.Node): ts.Node {
  let n: ts.Node = fn;
  if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
    if (n.parent && ts.isVariableDeclaration(n.parent)) n = n.parent;
  }
  if (ts.isVariableDeclaration(n) && n.parent && ts.isVariableDeclarationList(n.parent) && n.parent.parent) {
    n = n.parent.parent;
  }
  return n;
}

function commentText(c: ts.JSDocTag["comment"]): string {
  if (c === undefined) return "";
  if (typeof c === "string") return c;
  return c.map((p) => p.text).join("");
}

/**
 * Read once per node and source file: inference, the unit's metadata and the file's @gradient
 * targets each ask for the same function's tags. Keyed by the source file too, because an
 * incremental reparse reuses nodes with their offsets moved. The result is shared: never mutated.
 */
const tagCache = new WeakMap<ts.Node, { sf: ts.SourceFile; tags: FunctionTags }>();

export function readTags(fn: ts.Node, sf: ts.SourceFile): FunctionTags {
  const hit = tagCache.get(fn);
  if (hit && hit.sf === sf) return hit.tags;
  const tags = readTagsAfresh(fn, sf);
  tagCache.set(fn, { sf, tags });
  return tags;
}

function readTagsAfresh(fn: ts.Node, sf: ts.SourceFile): FunctionTags {
  const out: FunctionTags = { dims: {}, samples: {}, problems: [] };
  for (const tag of ts.getJSDocTags(jsDocHost(fn))) {
    const name = tag.tagName.text;
    if (name !== "gradient" && name !== "dims" && name !== "sample") continue;
    const text = commentText(tag.comment).trim();
    const start = tag.tagName.getStart(sf);
    const end = tag.end;
    const words = text.split(/\s+/).filter(Boolean);
    if (name === "gradient") {
      if (words.length === 0 || words.length > 2) {
        out.problems.push({ tag: "gradient", start, end, message: "@gradient takes the function it differentiates and optionally one parameter: `@gradient F P`" });
        continue;
      }
      out.gradient = { of: words[0]!, ...(words[1] ? { wrt: words[1] } : {}), start, end };
    } else if (name === "dims") {
      for (const w of words) {
        const m = /^([A-Za-z_$][\w$]*)=(\d+)$/.exec(w);
        if (m && Number(m[2]) > 0) out.dims[m[1]!] = Number(m[2]);
        else out.problems.push({ tag: "dims", start, end, message: `@dims expects NAME=SIZE with a positive size, got \`${w}\`` });
      }
    } else {
      const [param, kind] = words;
      if (param && kind && (SAMPLE_KINDS as readonly string[]).includes(kind)) out.samples[param] = kind as SampleKind;
      else out.problems.push({ tag: "sample", start, end, message: `@sample expects a parameter and one of ${SAMPLE_KINDS.join("|")}` });
    }
  }
  return out;
}
