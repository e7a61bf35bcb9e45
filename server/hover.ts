// Hover as LSP types: the core words it (src/ide/hover.ts, through Workspace.hover); this only
// picks Markdown or plain text as the client supports.

import type { Hover } from "vscode-languageserver/node";
import type { HoverContent } from "../src/ide/hover";

export function toHover(h: HoverContent, markdown: boolean): Hover {
  return { contents: markdown ? { kind: "markdown", value: h.markdown } : { kind: "plaintext", value: h.plain }, range: h.range };
}
