// The functions of a file that a `@gradient F …` tag in the same file differentiates. DSL.md:
// "F must return a scalar". A fix inside F that changes its declared return to a non-scalar
// (annotation-mismatch → "Change the annotation to [1,D]" on `function loss(…): Scalar`) checks
// where it is, but adds gradient-of-nonscalar at the tag; CLI.md's preferred fix leaves the
// function agreeing with its annotations and @gradient shapes, so such a fix is offered, never
// preferred (fixes.ts reads the scalar expectation this gives F).

import { ts } from "ts-morph";
import { readTags } from "../gradient/tags";
import { unwrapFunction } from "./infer";

/** The functions the file's `@gradient` tags name, and a key that is equal for equal sets. */
export interface GradientTargets {
  readonly names: ReadonlySet<string>;
  readonly key: string;
}

export const NO_TARGETS: GradientTargets = { names: new Set(), key: "" };

/** The names `F` of every `@gradient F …` on a top-level function (declaration or `const g = (…) => …`) of the file. */
export function gradientTargets(sf: ts.SourceFile): GradientTargets {
  const names = new Set<string>();
  // Read once a parse, on every keystroke: reading a function's tags parses its JSDoc, so only
  // statements whose text mentions the tag are read (≈ 0.8 ms warm for a 2,000-line file that
  // tags 84 functions). One scan of the file finds where the tag is written; statements come in
  // order, so one pointer suffices.
  const at: number[] = [];
  for (let i = sf.text.indexOf("@gradient"); i >= 0; i = sf.text.indexOf("@gradient", i + 1)) at.push(i);
  let k = 0;
  for (const st of sf.statements) {
    while (k < at.length && at[k]! < st.pos) k++;
    if (k === at.length) break;
    if (at[k]! >= st.end) continue;
    const fns: ts.Node[] = [];
    if (ts.isFunctionDeclaration(st)) fns.push(st);
    else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) {
        const f = unwrapFunction(d.initializer);
        if (f) fns.push(f);
      }
    }
    for (const f of fns) {
      const of = readTags(f, sf).gradient?.of;
      if (of) names.add(of);
    }
  }
  return names.size ? { names, key: [...names].sort().join(",") } : NO_TARGETS;
}
