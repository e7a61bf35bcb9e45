// How a worker process is started: Node's permission model and heap cap, and on Linux, when the
// tools allow it, no network (a fresh network namespace, `unshare -n`, or `unshare -rn` for a user
// who is not root) and death with its parent (`setpriv --pdeathsig KILL`: the kernel kills the
// worker the moment the process that started it dies, even by SIGKILL). Each is probed once per
// process; what is missing is reported in `isolation()` and documented as a limit in docs/verify.md.

import { spawnSync } from "node:child_process";

export interface Isolation {
  /** The worker cannot open network connections. */
  network: boolean;
  /** The worker dies with its parent, whatever kills the parent. */
  diesWithParent: boolean;
  /** Why a guarantee is missing, for messages and docs. */
  notes: string[];
  /** Command-line prefix that applies them, before the node binary. */
  prefix: string[];
}

let probed: Isolation | null = null;

function works(cmd: string, args: string[]): boolean {
  try {
    const r = spawnSync(cmd, [...args, "true"], { stdio: "ignore", timeout: 5000 });
    return r.status === 0;
  } catch {
    return false;
  }
}

/** What this machine allows, probed once (a few milliseconds of `unshare`/`setpriv … true`). */
export function isolation(): Isolation {
  if (probed) return probed;
  const notes: string[] = [];
  const prefix: string[] = [];
  let network = false;
  let diesWithParent = false;
  if (process.platform === "linux" && process.env.CHAINRULE_VERIFY_NO_ISOLATION !== "1") {
    // Root may create a network namespace; anyone else needs a user namespace for it (-r).
    const netArgs = works("unshare", ["-n", "--"]) ? ["-n"] : works("unshare", ["-r", "-n", "--"]) ? ["-r", "-n"] : null;
    if (netArgs) {
      network = true;
      prefix.push("unshare", ...netArgs, "--");
    }
    if (!network) notes.push("`unshare -n` is not available or not permitted here, so checked code is not cut off from the network");
    if (works("setpriv", ["--pdeathsig", "KILL", "--"])) {
      diesWithParent = true;
      prefix.push("setpriv", "--pdeathsig", "KILL", "--");
    } else notes.push("`setpriv --pdeathsig` is not available, so a worker busy in a loop outlives a parent killed with SIGKILL until its timeout");
  } else if (process.platform !== "linux") {
    notes.push(`network isolation and parent-death signals need Linux; on ${process.platform} checked code is not cut off from the network`);
  } else notes.push("isolation turned off by CHAINRULE_VERIFY_NO_ISOLATION=1");
  probed = { network, diesWithParent, notes, prefix };
  return probed;
}
