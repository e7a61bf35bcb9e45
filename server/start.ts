// dist/server.js, what editors start (`node dist/server.js --stdio`, or VS Code over IPC): loads
// the server from dist/engine.js through the code cache and starts it.

import path from "node:path";
import type * as Engine from "./engine";
import { loadBundle } from "../src/startup/load-bundle";

loadBundle<typeof Engine>(path.join(__dirname, "engine.js")).startServer();
