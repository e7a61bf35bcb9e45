// The math template t`…` as the rest of chainrule sees it: parse, evaluate over an algebra,
// infer shapes, print. The runtime tag lives in src/runtime/template.ts; this folder has no
// runtime dependency, so the analyzer can import it without loading tensors.

export * from "./ast";
export { parseTemplate } from "./parser";
export { TEMPLATE_FUNCTIONS, TEMPLATE_SYMBOLS, templateFunctionNames, suggestFunction } from "./functions";
export type { TemplateFunction, TemplateSymbol } from "./functions";
export {
  evaluateTemplate,
  inferTemplateShapes,
  nodeOp,
  shapeAlgebra,
} from "./evaluate";
export type { EvaluateOptions, NodeShape, ShapeValue, TemplateShapeProblem, TemplateShapes } from "./evaluate";
export { caretExcerpt, formatTemplateError, printTemplate, renderTemplateSource } from "./print";
export { analyzeTemplate } from "./analyze";
export type { TemplateDiagnostic, TemplateFileAnalysis, TemplateOpInfo } from "./analyze";
