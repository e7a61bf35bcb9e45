// The chainrule-specific parts of the protocol, in one module that both the server and the VS Code
// client import (plain data only, no LSP library types), documented in docs/lsp.md: the analysis
// status, diagnostic data, initialization options, and gradient verification's commands and messages.

import type { ExplainJson } from "../src/explain/index";
import type { CheckResult } from "../src/verify/types";

export type { CheckResult, GradientArrays } from "../src/verify/types";

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


/** The workspace/configuration section the server reads. */
export const CONFIG_SECTION = "chainrule";

// Gradient verification (docs/verify-editor.md): server/verify.ts and client/verify/*.

/** `workspace/executeCommand` commands the server implements (listed in executeCommandProvider). */
export const VerifyCommand = {
  /** Verify one gradient ({uri, gradient}), the one at a position ({uri, position}), or a whole file ({uri}). */
  verifyGradient: "chainrule.verifyGradient",
  /** Verify every `@gradient` function in the workspace folders. */
  verifyAll: "chainrule.verifyAll",
  /**
   * The CodeLens after a run. Generic LSP clients get the result as a message; the VS Code client
   * intercepts it and opens the report view instead.
   */
  showReport: "chainrule.showVerifyReport",
} as const;

export const VERIFY_COMMANDS: readonly string[] = Object.values(VerifyCommand);

/** The single argument of the verify commands. Every field is optional. */
export interface VerifyArgs {
  uri?: string;
  /** One gradient function by name (the CodeLens sends this). */
  gradient?: string;
  /** The cursor (the command palette): the function around it; if none, the whole file. */
  position?: { line: number; character: number };
  /** Chosen by the client to match `chainrule/verifyProgress` notifications to its request. */
  runId?: string;
}

/** What the verify commands answer. */
export interface VerifyRunResult {
  runId: string;
  /** Set when nothing ran, with the reason to show (untrusted workspace, no gradient here…). */
  refused?: string;
  /** The request was cancelled; `checks` holds the ones that finished before. */
  cancelled: boolean;
  /** Results in the order they finished, without `arrays` (those come with the notifications). */
  checks: CheckResult[];
  /** The document of each check, in the same order as `checks`. */
  uris: string[];
  /** Worker processes started for this run. */
  processes: number;
}

/** Server → client: a run started (with the checks it will run) or one check finished. */
export namespace VerifyProgress {
  export const method = "chainrule/verifyProgress";
  export type Params =
    | { runId: string; kind: "start"; total: number; title: string }
    | { runId: string; kind: "result"; uri: string; done: number; total: number; result: CheckResult }
    /** A long check's progress (every 200 ms or so): `text` is the line to show, estimate included. */
    | { runId: string; kind: "step"; uri: string; gradient: string; done: number; total: number; remainingMs: number; text: string }
    | { runId: string; kind: "end"; cancelled: boolean };
}

/** Client → server: the editor's workspace trust changed (VS Code: trust was granted). */
export namespace SetTrusted {
  export const method = "chainrule/setTrusted";
  export interface Params {
    trusted: boolean;
  }
}

/** Client → server request: the `@gradient` functions of one file, or of the workspace (no uri), without running anything. */
export namespace ListGradients {
  export const method = "chainrule/listGradients";
  export interface Params {
    uri?: string;
  }
  export interface Gradient {
    name: string;
    of: string;
    wrt: string[];
    /** Range of the function's name. */
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
  }
  export interface Result {
    files: Array<{ uri: string; gradients: Gradient[] }>;
  }
}

/** Client → server request: the last result of one gradient, with its arrays (for the report view). */
export namespace LastResult {
  export const method = "chainrule/lastVerifyResult";
  export interface Params {
    uri: string;
    gradient: string;
  }
  export type Result = CheckResult | null;
}

/**
 * Client → server request, for tests and the status of the feature: how many verification runs
 * started and worker processes were spawned since the server started. Answered only after every
 * save notification received so far has been handled, so a test can assert that nothing ran.
 */
export namespace VerifyStats {
  export const method = "chainrule/verifyStats";
  export interface Result {
    runs: number;
    processes: number;
    checks: number;
    trusted: boolean;
  }
}

/** Extra `initializationOptions` this feature reads, for clients without workspace/configuration. */
export interface VerifyInitializationOptions {
  verify?: { onSave?: boolean; timeoutMs?: number };
}

// Explain the chain (docs/lsp.md#explain): server/explain.ts and client/explain/*.

/** `workspace/executeCommand` commands of the derivation writer. */
export const ExplainCommand = {
  /** The derivation as `chainrule explain --format json` gives it (any LSP editor). */
  explain: "chainrule.explain",
  /**
   * The CodeLenses "Explain ∂F/∂P" and "Explain gradient". Generic clients get the same answer as
   * `chainrule.explain`; the VS Code client intercepts it and opens the chain view.
   */
  showChain: "chainrule.showChain",
} as const;

export const EXPLAIN_COMMANDS: readonly string[] = Object.values(ExplainCommand);

/** The single argument of the explain commands. */
export interface ExplainArgs {
  /** The document whose function is explained (names resolve through its imports). */
  uri: string;
  /** `loss`, or `Net.loss` for a method. */
  function: string;
  /** Parameters to differentiate by; all tensor parameters when absent or empty. */
  params?: string[];
  /** Also write the gradient function (`code`), as `--emit` does. */
  emit?: boolean;
}

/** A step's place, as a URI and range (the CLI's JSON has paths). */
export interface StepLocation {
  uri?: string;
}

/** What the explain commands answer: CLI.md's JSON plus where each step is and the derivation as text and Markdown. */
export type ExplainResult =
  | (Omit<ExplainJson, "forward" | "backward"> & {
      uri: string;
      forward: Array<ExplainJson["forward"][number] & StepLocation>;
      backward: Array<ExplainJson["backward"][number] & StepLocation>;
      text: string;
      markdown: string;
    })
  | {
      version: 1;
      /** Why there is no derivation: bad arguments (`usage`) or a construct it does not follow (`unsupported`). */
      error: { kind: "usage" | "unsupported"; message: string; uri?: string; range?: { start: { line: number; character: number }; end: { line: number; character: number } } };
    };

/** The `data` of a "Generate ∂F/∂P" code action, resolved into its edit by codeAction/resolve. */
export interface GenerateGradientData {
  generate: { uri: string; version: number; function: string; params: string[] };
}
