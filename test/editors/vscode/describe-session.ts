// The node:test side of a real-VS-Code session (session.ts): one describe() that runs the session
// once, then reports each in-editor test by name, so a failure names the test and its log.

import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { missingInstall, ROOT, type Session } from "./session";

/**
 * `inEditor` lists the suite's tests by name: one that did not run fails here too. `more` adds
 * tests on the whole session (exit code, screenshots); it gets the session once `before` has run.
 */
export function describeSession<S extends Session>(title: string, start: () => Promise<S>, inEditor: string[], more: (session: () => S) => void): void {
  describe(title, () => {
    let session: S;
    before(async () => {
      const missing = missingInstall();
      assert.equal(missing, undefined, missing);
      session = await start();
      const t = session.timings;
      console.log(`# ${title}: server ${t.serverReadyMs} ms, workbench ${t.workbenchMs ?? "?"} ms, total ${t.totalMs} ms`);
    });

    for (const name of inEditor) {
      it(name, () => {
        assert.equal(session.tests.get(name), "PASS", `${session.tests.get(name) ?? "did not run"} (see ${path.relative(ROOT, session.logFile)})`);
      });
    }
    more(() => session);
  });
}
