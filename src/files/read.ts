// Reads a source file the way every part of chainrule must: a regular file only (a FIFO swapped in
// cannot block, a device cannot stream forever), at most MAX_FILE_BYTES, and any failure returned
// as a reason the caller reports for that file rather than thrown through the whole run.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import type { FileHost } from "../analysis/workspace";

/** Larger source files are not analysed: 16 MiB is far beyond any hand-written module. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export type SourceRead = { text: string } | { problem: string };

/** What kind of non-regular file this is, in words. */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isDirectory()) return "a folder";
  return "not a regular file";
}

/** `size`: the file's size when stat knows it. */
export function tooLarge(size?: number): string {
  const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MiB${size ? ` (${mib(size)})` : ""}, the most chainrule reads: not analysed`;
}

/** Why a read failed, as a short phrase: "permission denied (EACCES)". */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: "permission denied", EPERM: "operation not permitted", ENOENT: "no such file", ELOOP: "too many symbolic links",
    EIO: "input/output error", EISDIR: "is a folder", ENXIO: "no such device", EAGAIN: "would block",
  };
  if (typeof err?.code === "string") return `${words[err.code] ?? err.message} (${err.code})`;
  return e instanceof Error ? e.message : String(e);
}

export function readSource(abs: string): SourceRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    fd = openSync(abs, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return { problem: `cannot be read: ${describeFsError(e)}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { problem: `is ${fileKind(st)}, not a regular file: not analysed` };
    if (st.size > MAX_FILE_BYTES) return { problem: tooLarge(st.size) };
    // Read to the cap, not to st.size: files in /proc and the like report size 0 and still have content.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, MAX_FILE_BYTES + 1 - total));
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > MAX_FILE_BYTES) return { problem: tooLarge() };
    }
    return { text: Buffer.concat(chunks, total).toString("utf8") };
  } catch (e) {
    return { problem: `cannot be read: ${describeFsError(e)}` };
  } finally {
    closeSync(fd);
  }
}

/** The analyzer's view of the disk (imported files), through readSource: an odd import reads as missing. */
export const sourceHost: FileHost = {
  readFile(p) {
    const r = readSource(p);
    return "text" in r ? r.text : undefined;
  },
};
