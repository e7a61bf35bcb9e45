// Renders docs/diagnostics.md from the registry, so the page and the codes cannot drift apart
// (a test compares the file with this output; `npm run docs` rewrites it).

import { DIAGNOSTICS, DIAGNOSTIC_CODES } from "./registry";

export function renderDiagnosticsDoc(): string {
  const out: string[] = [
    "# chainrule diagnostics",
    "",
    "Generated from `src/diagnostics/registry.ts` by `npm run docs`; do not edit by hand.",
    "Each code is stable; editors link here through `codeDescription.href`.",
    "",
    "| code | severity | when |",
    "| --- | --- | --- |",
    ...DIAGNOSTIC_CODES.map((c) => `| [\`${c}\`](#${c}) | ${DIAGNOSTICS[c].severity} | ${DIAGNOSTICS[c].summary} |`),
    "",
  ];
  for (const c of DIAGNOSTIC_CODES) {
    const d = DIAGNOSTICS[c];
    out.push(`## ${c}`, "", `Severity: **${d.severity}**. ${d.summary[0]!.toUpperCase()}${d.summary.slice(1)}.`, "", d.explanation, "");
  }
  return out.join("\n");
}
