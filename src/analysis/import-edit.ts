// Turns a stored fix (offsets relative to its unit) into API edits, adding the second edit that
// imports a chainrule export the fix uses (`mul` for "use ⊙" in the function form).

import { ts } from "ts-morph";
import type { Fix, Range, TextEdit } from "./api";
import type { FileState } from "./file-state";
import type { StoredFix } from "./fixes";

/** Where to insert `name` into the file's chainrule named imports, as an edit at offsets. */
export function importEdit(s: FileState, name: string): { start: number; end: number; newText: string } | undefined {
  const sf = s.sf;
  if (!sf) return undefined;
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier) || st.moduleSpecifier.text !== "chainrule") continue;
    const clause = st.importClause;
    const nb = clause?.namedBindings;
    if (!clause || clause.isTypeOnly || !nb || !ts.isNamedImports(nb)) continue;
    const last = nb.elements[nb.elements.length - 1];
    if (last) return { start: last.end, end: last.end, newText: `, ${name}` };
    const open = nb.getStart(sf) + 1;
    return { start: open, end: open, newText: ` ${name} ` };
  }
  return undefined;
}

export function materialiseFix(s: FileState, base: number, f: StoredFix, range: (a: number, b: number) => Range): Fix | undefined {
  const edits: TextEdit[] = f.edits.map((e) => ({ range: range(base + e.start, base + e.end), newText: e.newText }));
  if (f.addImport) {
    const imp = importEdit(s, f.addImport);
    if (!imp) return undefined;
    edits.push({ range: range(imp.start, imp.end), newText: imp.newText });
  }
  return { title: f.title, isPreferred: f.isPreferred, edits };
}
