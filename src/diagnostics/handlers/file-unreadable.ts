// file-unreadable: a file that `check` or `verify` could not read (permission, not a regular file,
// too large). Reported at the file's first character, so tools that list diagnostics show it.

import type { Handler } from "./types";

export const fileUnreadable: Handler<"file-unreadable"> = {
  code: "file-unreadable",
  diagnose: (site) => ({ message: `${site.display} ${site.problem}`, start: site.start, end: site.end, related: [], candidates: [] }),
};
