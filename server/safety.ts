// Keeps the server alive: every request and background job runs through `guard`, which logs an
// internal error and turns it into an error response instead of letting it take the process down.

import { ErrorCodes, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
import { CancelledError } from "../src/analysis/api";
import { InvalidParamsError } from "./params";

export interface Logger {
  error(message: string): void;
  info(message: string): void;
}

/**
 * Test hook: `CHAINRULE_LSP_INJECT_FAULT=hover,analyze` makes each named step throw once, so
 * protocol tests can check that an internal error is answered and the server keeps serving.
 */
export const INJECT_FAULT_ENV = "CHAINRULE_LSP_INJECT_FAULT";

/** Faults still to inject, from the environment; each fires once. */
const pendingFaults = new Set(
  (process.env[INJECT_FAULT_ENV] ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0),
);

/** Throws if a fault was requested for this step and has not fired yet. */
export function maybeInjectFault(step: string): void {
  if (pendingFaults.delete(step)) throw new Error(`injected fault in ${step} (${INJECT_FAULT_ENV})`);
}

export function describeError(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/**
 * Runs one request handler. A cancelled analysis answers ContentModified (the document changed
 * under the request, as rust-analyzer does); ill-typed params (params.ts) answer InvalidParams;
 * anything else is logged with its stack and answered as InternalError, and the server goes on serving.
 */
export async function guard<T>(log: Logger, step: string, work: () => T | Promise<T>): Promise<T | ResponseError<void>> {
  try {
    maybeInjectFault(step);
    return await work();
  } catch (e) {
    if (e instanceof CancelledError) {
      return new ResponseError(LSPErrorCodes.ContentModified, "chainrule: the document changed during the request");
    }
    // The client's mistake, not ours: said as such, and not logged as an internal error.
    if (e instanceof InvalidParamsError) return new ResponseError(ErrorCodes.InvalidParams, `chainrule: ${step}: ${e.message}`);
    log.error(`chainrule: internal error in ${step}: ${describeError(e)}`);
    return new ResponseError(ErrorCodes.InternalError, `chainrule: internal error in ${step}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Last line of defence for timers and event handlers that have no response to carry an error:
 * a language server that exits on one bad file loses every open editor's features, so log and go on.
 */
export function installProcessGuards(log: Logger): void {
  const report = (what: string, e: unknown) => {
    // With the client gone (broken pipe) there is nobody to serve, and logging would only raise
    // the same error again: exit instead of looping.
    const code = (e as { code?: unknown } | null)?.code;
    if (code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_WRITE_AFTER_END") process.exit(0);
    try {
      log.error(`chainrule: ${what}: ${describeError(e)}`);
    } catch {
      // Logging itself failed; nothing better to do than carry on.
    }
  };
  process.on("uncaughtException", (e) => report("uncaught exception", e));
  process.on("unhandledRejection", (e) => report("unhandled rejection", e));
}
