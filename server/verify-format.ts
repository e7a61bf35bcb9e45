// A verification finding as an LSP diagnostic. What it says and where it goes is decided in the
// core (src/verify/session.ts, src/text/verify-text.ts); this only converts.

import { DiagnosticSeverity, type Diagnostic } from "vscode-languageserver/node";
import type { VerifyFinding } from "../src/verify/session";
import { SOURCE } from "./convert";

export function verifyDiagnostic(f: VerifyFinding, docsHref?: string): Diagnostic {
  const d: Diagnostic = {
    range: f.range,
    severity: DiagnosticSeverity.Error,
    source: SOURCE,
    code: f.code,
    message: f.message,
    data: { verify: { gradient: f.gradient, status: f.status, diagnosis: f.diagnosis } },
  };
  if (docsHref) d.codeDescription = { href: docsHref };
  return d;
}
