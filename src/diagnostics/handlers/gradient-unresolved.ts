// gradient-unresolved: `@gradient F P` where no function F is in the file or its imports, F has
// no parameter P, or an object-form key is not a parameter of F.

import type { GradientDraft } from "./gradient-types";

export function gradientUnresolved(message: string, start: number, end: number): GradientDraft {
  return { code: "gradient-unresolved", message, start, end, related: [] };
}
