// The generated files and their renderers, for scripts/gen.ts and the drift test.
import { renderGrammar } from "./grammar";
import { renderOpsDoc } from "./ops-doc";
import { renderTypings } from "./typings";

export const GENERATED: ReadonlyArray<readonly [file: string, render: () => string]> = [
  ["src/runtime/ops.generated.ts", renderTypings],
  ["syntaxes/chainrule-template.tmLanguage.json", renderGrammar],
  ["docs/ops.md", renderOpsDoc],
];
