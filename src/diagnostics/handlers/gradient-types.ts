// A gradient-pairing diagnostic before conversion: offsets absolute in the gradient's file; a
// related location may be in the file that declares F.

import type { FileState } from "../../analysis/file-state";
import type { DiagnosticCode } from "../registry";

export interface RelatedSpot {
  /** The file the offsets are in, when not the diagnostic's own. */
  state?: FileState;
  start: number;
  end: number;
}

export interface GradientDraft {
  code: DiagnosticCode;
  message: string;
  start: number;
  end: number;
  related: Array<RelatedSpot & { message: string }>;
}
