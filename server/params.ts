// Checks the shape of each request's params before a handler reads them: a client that sends
// `null`, a numeric uri or a position without a line gets InvalidParams naming what is wrong,
// never an InternalError from deep inside a handler (safety.ts maps the error to the response).

export class InvalidParamsError extends Error {}

function bad(what: string): never {
  throw new InvalidParamsError(`invalid params: ${what}`);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

function object(x: unknown, what: string): Record<string, unknown> {
  if (!isObject(x)) bad(`${what} must be an object`);
  return x;
}

function uint(x: unknown, what: string): void {
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0) bad(`${what} must be a non-negative integer`);
}

function position(x: unknown, what: string): void {
  const p = object(x, what);
  uint(p.line, `${what}.line`);
  uint(p.character, `${what}.character`);
}

function range(x: unknown, what: string): void {
  const r = object(x, what);
  position(r.start, `${what}.start`);
  position(r.end, `${what}.end`);
}

function textDocument(p: Record<string, unknown>): void {
  const td = object(p.textDocument, "textDocument");
  if (typeof td.uri !== "string") bad("textDocument.uri must be a string");
}

/** hover, completion: { textDocument: { uri }, position }. */
export function textDocumentPosition<T>(params: T): T {
  const p = object(params, "params");
  textDocument(p);
  position(p.position, "position");
  return params;
}

/** inlayHint: { textDocument, range }. */
export function textDocumentRange<T>(params: T): T {
  const p = object(params, "params");
  textDocument(p);
  range(p.range, "range");
  return params;
}

/** codeLens and other requests about one document: { textDocument }. */
export function textDocumentOnly<T>(params: T): T {
  textDocument(object(params, "params"));
  return params;
}

/** codeAction: { textDocument, range, context: { diagnostics: [] } }. */
export function codeActionParams<T>(params: T): T {
  const p = object(params, "params");
  textDocument(p);
  range(p.range, "range");
  const c = object(p.context, "context");
  if (!Array.isArray(c.diagnostics)) bad("context.diagnostics must be an array");
  c.diagnostics.forEach((d, i) => {
    const o = object(d, `context.diagnostics[${i}]`);
    range(o.range, `context.diagnostics[${i}].range`);
  });
  if (c.only !== undefined && (!Array.isArray(c.only) || c.only.some((k) => typeof k !== "string"))) bad("context.only must be an array of strings");
  return params;
}

/** workspace/executeCommand: { command: string, arguments?: [] }. */
export function executeCommandParams<T>(params: T): T {
  const p = object(params, "params");
  if (typeof p.command !== "string") bad("command must be a string");
  if (p.arguments !== undefined && !Array.isArray(p.arguments)) bad("arguments must be an array");
  return params;
}

/** Custom requests whose params are an object with optional string fields. */
export function optionalStrings<T>(params: T, ...keys: string[]): T {
  const p = params === undefined || params === null ? {} : object(params, "params");
  for (const k of keys) if (p[k] !== undefined && typeof p[k] !== "string") bad(`${k} must be a string`);
  return params;
}
