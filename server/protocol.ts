// The chainrule-specific parts of the protocol, in one module that both the server and the VS Code
// client import (plain data only, no LSP library types), documented in docs/lsp.md.

/** Server → client notification: what the analysis is doing, for a status bar item. */
export namespace AnalysisStatus {
  export const method = "chainrule/analysisStatus";
  export interface Params {
    /** `analyzing` while a file is checked; `idle` after; `error` when the analysis threw. */
    state: "analyzing" | "idle" | "error";
    uri?: string;
    version?: number;
    /** Counts for the file just analysed (state `idle`). */
    errors?: number;
    warnings?: number;
    /** Wall time of the analysis of that file, in milliseconds (state `idle`). */
    ms?: number;
    /** False when the file does not import from "chainrule" (it was not analysed). */
    isDsl?: boolean;
    message?: string;
  }
}

/** One fix as carried in a diagnostic's `data`: what a code action is rebuilt from. */
export interface FixData {
  title: string;
  isPreferred: boolean;
  edits: Array<{
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    newText: string;
  }>;
}

/**
 * The `data` of every diagnostic the server publishes. Code actions are rebuilt from it alone
 * (no server-side map), and `version` lets a request against an edited document be refused.
 */
export interface DiagnosticData {
  version: number;
  fixes: FixData[];
}

/** `initializationOptions` the server understands (all optional). */
export interface InitializationOptions {
  /** Fallback for clients without workspace/configuration. Default true. */
  inlayHints?: { enabled?: boolean };
  /** Delay between the last change and the analysis, in ms. Default 50. Benchmarks set 0. */
  debounceMs?: number;
  /** Base URL that `docs/diagnostics.md#<code>` is resolved against for codeDescription.href. */
  docsBaseUrl?: string;
  /** Whether the editor trusts the workspace (VS Code's workspace trust); default true. */
  trusted?: boolean;
}

/**
 * Test hook: `CHAINRULE_LSP_INJECT_FAULT=hover,analyze` makes each named step throw once, so
 * protocol tests can check that an internal error is answered and the server keeps serving.
 */
export const INJECT_FAULT_ENV = "CHAINRULE_LSP_INJECT_FAULT";

/** The workspace/configuration section the server reads. */
export const CONFIG_SECTION = "chainrule";
