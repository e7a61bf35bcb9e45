#!/usr/bin/env node
// The `chainrule` command: the bundled CLI built by `npm run build` (run by npm install/ci via `prepare`).
require("../dist/cli.js").main();
