// Splits a math template's literal parts into tokens, with an operand token per interpolation.
// Characters that cannot start a token become errors (with a hint for the usual confusions)
// and are skipped, so the parser still sees the rest.

import type { BinaryToken, TemplatePos, TemplateSpan, TemplateSyntaxError } from "./ast";
import { TEMPLATE_FUNCTIONS } from "./functions";

export type Token =
  | { readonly kind: "operand"; readonly index: number; readonly span: TemplateSpan; readonly text: string }
  | { readonly kind: "number"; readonly value: number; readonly span: TemplateSpan; readonly text: string }
  | { readonly kind: "ident"; readonly span: TemplateSpan; readonly text: string }
  | { readonly kind: "binop"; readonly span: TemplateSpan; readonly text: BinaryToken }
  | { readonly kind: "transpose"; readonly span: TemplateSpan; readonly text: "ᵀ" | ".T" }
  | { readonly kind: "^"; readonly span: TemplateSpan; readonly text: "^" }
  | { readonly kind: "(" | ")" | ","; readonly span: TemplateSpan; readonly text: string }
  | { readonly kind: "eof"; readonly span: TemplateSpan; readonly text: "" };

export interface LexResult {
  readonly tokens: readonly Token[];
  readonly errors: readonly TemplateSyntaxError[];
}

// `1`, `0.5`, `1.`, `.5`, `1e-3`; a `.` followed by T is the transpose, not a decimal point.
const NUMBER = /(?:[0-9]+(?:\.(?!T)[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
// Letters, digits and _, except ᵀ (a modifier letter, Unicode class Lm), which is the transpose.
const IDENT = /(?:(?!ᵀ)[\p{L}_])(?:(?!ᵀ)[\p{L}\p{N}_])*/uy;
const IDENT_CHAR = /(?:(?!ᵀ)[\p{L}\p{N}_])/u;
const SPACE = /\s/u;
// A backslash and what follows it in a JavaScript escape, so one error covers `\u2299`.
const ESCAPE = /\\(?:u\{[0-9a-fA-F]*\}?|u[0-9a-fA-F]{0,4}|x[0-9a-fA-F]{0,2}|[\s\S])?/y;
const BINOPS: ReadonlySet<string> = new Set(["@", "⊙", "*", "/", "+", "-"]);

/** What users reach for when they mean something the template spells differently. */
const HINTS: Readonly<Record<string, string>> = {
  "×": "write @ (matmul) or ⊙ (element-wise) for a product",
  "·": "write @ (matmul) or ⊙ (element-wise) for a product",
  "⋅": "write @ (matmul) or ⊙ (element-wise) for a product",
  "∘": "write ⊙ for the element-wise (Hadamard) product",
  "−": "write - (ASCII hyphen-minus) for a minus",
  "[": "indexing is not supported in a math template",
  "]": "indexing is not supported in a math template",
  "'": "write ᵀ or .T for a transpose",
  "=": "a math template is one expression, without assignment or comparison",
};

function pos(part: number, offset: number): TemplatePos {
  return { part, offset };
}

function span(part: number, start: number, end: number): TemplateSpan {
  return { start: pos(part, start), end: pos(part, end) };
}

/** Tokenise `parts` (the template's literal texts, raw as in the source); never throws. */
export function lex(parts: readonly string[]): LexResult {
  const tokens: Token[] = [];
  const errors: TemplateSyntaxError[] = [];
  const bad = (message: string, s: TemplateSpan) => errors.push({ kind: "unexpected-character", message, span: s });

  for (let p = 0; p < parts.length; p++) {
    const text = parts[p]!;
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (SPACE.test(c)) {
        i++;
        continue;
      }
      NUMBER.lastIndex = i;
      const num = NUMBER.exec(text);
      if (num) {
        const end = i + num[0].length;
        tokens.push({ kind: "number", value: Number(num[0]), text: num[0], span: span(p, i, end) });
        i = end;
        continue;
      }
      IDENT.lastIndex = i;
      const id = IDENT.exec(text);
      if (id) {
        const end = i + id[0].length;
        tokens.push({ kind: "ident", text: id[0], span: span(p, i, end) });
        i = end;
        continue;
      }
      if (c === "*" && text[i + 1] === "*") {
        bad("there is no ** operator: write ^ for a power, as in ${x} ^ 2", span(p, i, i + 2));
        i += 2;
        continue;
      }
      if (BINOPS.has(c)) {
        tokens.push({ kind: "binop", text: c as BinaryToken, span: span(p, i, i + 1) });
        i++;
        continue;
      }
      if (c === "^") {
        tokens.push({ kind: "^", text: "^", span: span(p, i, i + 1) });
        i++;
        continue;
      }
      if (c === "ᵀ") {
        tokens.push({ kind: "transpose", text: "ᵀ", span: span(p, i, i + 1) });
        i++;
        continue;
      }
      if (c === "." && text[i + 1] === "T" && !IDENT_CHAR.test(text[i + 2] ?? " ")) {
        tokens.push({ kind: "transpose", text: ".T", span: span(p, i, i + 2) });
        i += 2;
        continue;
      }
      if (c === "(" || c === ")" || c === ",") {
        tokens.push({ kind: c, text: c, span: span(p, i, i + 1) });
        i++;
        continue;
      }
      if (c === "\\") {
        ESCAPE.lastIndex = i;
        const esc = ESCAPE.exec(text)![0];
        const decoded = decodeEscape(esc);
        const type = decoded ? `: type ${decoded} directly` : "";
        bad(`escape sequence '${esc}' is not supported in a math template${type}`, span(p, i, i + esc.length));
        i += esc.length;
        continue;
      }
      if (c === ".") {
        // `.sum`, `.matmul`: method syntax. One error for the whole member, naming the call form.
        IDENT.lastIndex = i + 1;
        const member = IDENT.exec(text)?.[0] ?? "";
        const end = i + 1 + member.length;
        const fix = TEMPLATE_FUNCTIONS.has(member) ? `'.${member}' is method syntax: write ${member}(…) in a math template` : undefined;
        bad(fix ?? `unexpected '.${member}': only .T (transpose) may follow an operand`, span(p, i, end));
        i = end;
        continue;
      }
      // Report a whole code point (surrogate pairs included) so the caret covers the character.
      const cp = String.fromCodePoint(text.codePointAt(i)!);
      const hint = HINTS[cp];
      bad(`unexpected character '${cp}'${hint ? `: ${hint}` : ""}`, span(p, i, i + cp.length));
      i += cp.length;
    }
    if (p < parts.length - 1) {
      tokens.push({ kind: "operand", index: p, text: "${…}", span: { start: pos(p, text.length), end: pos(p + 1, 0) } });
    }
  }
  const last = parts.length - 1;
  const endOffset = last >= 0 ? parts[last]!.length : 0;
  tokens.push({ kind: "eof", text: "", span: span(Math.max(last, 0), endOffset, endOffset) });
  return { tokens, errors };
}

/** The character a complete \uXXXX, \u{…} or \xXX escape stands for, if it is one. */
function decodeEscape(esc: string): string | undefined {
  const m = /^\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2}))$/.exec(esc);
  const hex = m?.[1] ?? m?.[2] ?? m?.[3];
  if (hex === undefined) return undefined;
  const cp = parseInt(hex, 16);
  return cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined;
}
