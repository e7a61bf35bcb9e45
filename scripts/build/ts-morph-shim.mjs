// What the bundles get for `import { ts } from "ts-morph"`: the TypeScript compiler ts-morph
// ships, without ts-morph's own wrappers and embedded lib files (4 MB the analyzer never uses).
// An ES module, so esbuild binds every `ts.x` straight to the compiler's exports object (a
// CommonJS shim went through one getter per access, esbuild's interop copy of its exports); the
// compiler itself is required, not imported, so that no interop copy of its thousands of
// exports is made at load either.
const ts = require("@ts-morph/common/dist/typescript.js");
export { ts };
