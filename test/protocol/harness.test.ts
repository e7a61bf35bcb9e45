// The protocol harness itself: a server cut off mid-message must not keep the test process alive.

import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { StreamMessageReader } from "vscode-languageserver-protocol/node";
import { messageReader } from "./harness";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** Feeds a reader half a message, as a server killed while writing leaves it, and disposes it. */
function halfMessage(reader: StreamMessageReader, stream: PassThrough): void {
  reader.listen(() => assert.fail("half a message is not a message"));
  stream.write('Content-Length: 100\r\n\r\n{"jsonrpc":');
  reader.dispose();
}

test("a half-read message leaves no timer behind (vscode-jsonrpc's default re-arms one for good)", async () => {
  const before = timers();
  const plainStream = new PassThrough();
  const plain = new StreamMessageReader(plainStream);
  halfMessage(plain, plainStream);
  await new Promise((r) => setImmediate(r));
  // The default reader: a ref'd partial-message timer outlives dispose (why the harness sets none).
  assert.equal(timers(), before + 1);
  plain.partialMessageTimeout = 0;
  (plain as unknown as { clearPartialMessageTimer(): void }).clearPartialMessageTimer();

  const stream = new PassThrough();
  halfMessage(messageReader(stream), stream);
  await new Promise((r) => setImmediate(r));
  assert.equal(timers(), before);
});
