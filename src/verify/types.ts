// The gradient checker's plain data: what discovery plans (CheckSpec), and the per-check result
// that `chainrule verify --format json` prints (CLI.md). The worker's messages are in protocol.ts.

import type { SampleKind } from "../gradient/tags";

/** PyTorch gradcheck's defaults, fixed by CLI.md. */
export const ATOL = 1e-5;
export const RTOL = 1e-3;
/** Central-difference step in float64. */
export const EPS = 1e-6;
/** Directions tried by `--mode fast` before falling back to the full check. */
export const FAST_DIRECTIONS = 4;

export type Mode = "full" | "fast";
export type Status = "pass" | "fail" | "error";
export type Diagnosis = "transposed" | "sign-flipped" | "scaled" | "zero";

export interface ParamSpec {
  name: string;
  /** Concrete shape after dim binding; [] for a scalar. */
  shape: number[];
  /** `number` parameters are passed as plain JS numbers, tensors as runtime tensors. */
  kind: "tensor" | "number";
  sample: SampleKind;
}

/** Everything one check needs: no source text, no compiler objects. */
export interface CheckSpec {
  /** The file as the user gave it (or relative to cwd), for reports. */
  file: string;
  /** 1-based position of the gradient function's name. */
  line: number;
  column: number;
  gradient: string;
  of: string;
  /** For `@gradient F P`, [P]; for the object form, the keys read statically (may be empty: read at run time). */
  wrt: string[];
  objectForm: boolean;
  params: ParamSpec[];
  dims: Record<string, number>;
  seed: number;
  mode: Mode;
  /** Send back the full analytic and numeric arrays (`CheckResult.arrays`), for the editor's report view. */
  withArrays?: boolean;
}

/**
 * How far a long check is: element probes done of `total` (two forward passes each), with the
 * time they took and the time the rest should take at the same pace.
 */
export interface CheckProgress {
  file: string;
  gradient: string;
  done: number;
  total: number;
  elapsedMs: number;
  remainingMs: number;
}

/** One parameter's analytic and finite-difference gradients in full, row-major (the editor's heatmaps). */
export interface GradientArrays {
  param: string;
  /** The parameter's shape: the numeric gradient's. */
  shape: number[];
  /** The shape the gradient function returned, when it differs from `shape`. */
  analyticShape?: number[];
  analytic: number[];
  numeric: number[];
}

export interface Worst {
  param: string;
  index: number[];
  analytic: number;
  numeric: number;
}

/** One parameter's comparison, reported as an extra field (`params`). */
export interface ParamResult {
  param: string;
  pass: boolean;
  maxAbsError: number;
  maxRelError: number;
  diagnosis: Diagnosis | null;
  /** Human detail for the diagnosis or a shape problem. */
  note?: string;
}

/** Reverse-mode AD through the catalog's VJPs on F's recorded tape: a second reference. */
export interface AdResult {
  /** Max |AD − FD| over the compared parameters (full mode), or null when not compared. */
  vsNumeric: number | null;
  /** Max |AD − analytic| over the compared parameters. */
  vsAnalytic: number | null;
  /** Whether AD and FD agree within the pass tolerance; false means F is non-smooth at the sample or a VJP is wrong. */
  agreesWithNumeric: boolean | null;
  /** Ops recorded on F's tape. */
  ops: number;
  /** Set when AD could not run (an op outside the catalog, no tape…). */
  error?: string;
}

/**
 * The wrong factor of a failed check (CLI.md v2): the smallest sub-expression of the hand-derived
 * gradient that is wrong although its operands are right (src/explain/culprit.ts).
 */
export interface Culprit {
  /** LSP range in the gradient function's file (the method name to its closing parenthesis, or the template operator and operands). */
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** The culprit as written. */
  expr: string;
  /** What the chain has at that point (`1 − h`, `∂t2 @ W2ᵀ`). */
  expected: string;
  /** The backward step it belongs to (`∂t1 = ∂h ⊙ h ⊙ (1 − h)`). */
  step?: string;
  /** Set when the culprit is in another file (an imported helper). */
  file?: string;
  message: string;
}

/** One line of `verify --format json` (CLI.md), plus extra fields the contract allows. */
export interface CheckResult {
  file: string;
  gradient: string;
  of: string;
  wrt: string[];
  status: Status;
  mode: Mode;
  dims: Record<string, number>;
  seed: number;
  maxAbsError: number | null;
  maxRelError: number | null;
  worst: Worst | null;
  diagnosis: Diagnosis | null;
  message: string;
  ms: number;
  line: number;
  column: number;
  params?: ParamResult[];
  ad?: AdResult;
  /** Fast mode: directional derivatives tried, and whether the full check ran to localise a failure. */
  directions?: number;
  fellBack?: boolean;
  /** F's forward passes the check spent (finite differences and directional derivatives). */
  forwardPasses?: number;
  /** CPU time the worker spent on the check (less sensitive to a busy machine than `ms`). */
  cpuMs?: number;
  /** Full arrays per compared parameter, only when asked for (`VerifyOptions.withArrays`); full mode only. */
  arrays?: GradientArrays[];
  /** On a failed check (status `fail`): the wrong factor, or null when no single one explains it. */
  culprit?: Culprit | null;
}

/**
 * What the parent's check (check.ts) computes for one check: the result minus what index.ts fills
 * in from the spec. Fields added here (a `culprit`, say) flow into CheckResult through index.ts.
 */
export type CheckOutcome = Omit<CheckResult, "file" | "gradient" | "of" | "dims" | "seed" | "mode" | "ms" | "line" | "column">;
/** The former name of CheckOutcome, from when the worker computed it. */
export type WorkerOutcome = CheckOutcome;
