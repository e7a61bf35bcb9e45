// TypeScript's parser recurses once per nesting level and overflows the stack somewhere below a
// thousand nested parentheses. Rather than lose the whole file, the analyzer blanks out what is
// nested deeper than MAX_NESTING (keeping every offset and line break, so positions elsewhere stay
// exact), parses that, and reports the blanked regions as analysis-limit findings.

import { ts } from "ts-morph";

export const MAX_NESTING = 256;

export interface MaskedRegion {
  start: number;
  end: number;
}

/**
 * The text with every region nested deeper than `limit` brackets replaced by `_$` and blanks: an
 * identifier nothing declares is valid in any bracket (an operand, a statement, a shorthand
 * property) and infers as unknown, so the blanked code can produce no finding of its own.
 */
export function maskDeepNesting(text: string, limit = MAX_NESTING): { text: string; regions: MaskedRegion[] } {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const stack: ts.SyntaxKind[] = [];
  const regions: MaskedRegion[] = [];
  let open: number | undefined;
  for (let tok = scanner.scan(); tok !== ts.SyntaxKind.EndOfFileToken; tok = scanner.scan()) {
    if (tok === ts.SyntaxKind.CloseBraceToken && stack[stack.length - 1] === ts.SyntaxKind.TemplateHead) tok = scanner.reScanTemplateToken(false);
    const opens = tok === ts.SyntaxKind.OpenParenToken || tok === ts.SyntaxKind.OpenBracketToken || tok === ts.SyntaxKind.OpenBraceToken || tok === ts.SyntaxKind.TemplateHead;
    const closes = tok === ts.SyntaxKind.CloseParenToken || tok === ts.SyntaxKind.CloseBracketToken || tok === ts.SyntaxKind.CloseBraceToken || tok === ts.SyntaxKind.TemplateTail;
    if (opens) {
      stack.push(tok);
      if (stack.length === limit && open === undefined) open = scanner.getTokenEnd();
    } else if (closes && stack.length) {
      if (stack.length === limit && open !== undefined) {
        regions.push({ start: open, end: scanner.getTokenStart() });
        open = undefined;
      }
      stack.pop();
    }
  }
  if (open !== undefined) regions.push({ start: open, end: text.length });
  if (!regions.length) return { text, regions };
  let out = "";
  let at = 0;
  for (const r of regions) {
    const blank = text.slice(r.start, r.end).replace(/[^\r\n]/g, " ");
    out += text.slice(at, r.start) + (blank.length >= 2 ? "_$" + blank.slice(2) : blank);
    at = r.end;
  }
  return { text: out + text.slice(at), regions };
}
