// `npm run docs`: regenerates docs/diagnostics.md from the diagnostics registry.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { renderDiagnosticsDoc } from "../src/diagnostics/docs";

writeFileSync(path.join(__dirname, "..", "docs", "diagnostics.md"), renderDiagnosticsDoc());
