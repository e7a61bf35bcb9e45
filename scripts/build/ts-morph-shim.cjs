// What the bundles get for `import { ts } from "ts-morph"`: the TypeScript compiler ts-morph
// ships, without ts-morph's own wrappers and embedded lib files (4 MB the analyzer never uses).
exports.ts = require("@ts-morph/common/dist/typescript.js");
