// Runs checks in a child node process under a sandbox: Node's permission model (read access to the
// worker and the bundle only; no writes, no child processes, no worker threads), a V8 heap limit,
// a resident-memory watchdog for off-heap allocations, an empty environment, and a per-check
// timeout. One process serves a file's checks in turn; after any error it is killed and the next
// check gets a fresh one, so a broken check cannot leave state behind for the others.

import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { CheckSpec, RunMessage, WorkerMessage, WorkerOutcome } from "./types";

export interface SandboxOptions {
  timeoutMs: number;
  /** V8 old-space limit (--max-old-space-size). */
  heapMb: number;
  /** Resident set size at which the watchdog kills the process (typed arrays live off the V8 heap). */
  memoryMb: number;
  cwd: string;
  internal: string[];
}

/**
 * The permission model's flag: `--permission` since Node 22.13; Node 24 rejects the old name
 * ("bad option", exit 9) — and the editor's server runs under whatever Node the editor ships.
 */
function permissionFlag(): string {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 13) ? "--permission" : "--experimental-permission";
}

/** Node's flags for the child: the sandbox itself. Exposed for tests and docs. */
export function sandboxArgs(worker: string, bundle: string, heapMb: number): string[] {
  return [
    permissionFlag(),
    // Node 20 takes one path per flag; a comma-separated list would be read as one path.
    `--allow-fs-read=${worker}`,
    `--allow-fs-read=${bundle}`,
    `--max-old-space-size=${heapMb}`,
    "--enable-source-maps",
    // The permission model's ExperimentalWarning would otherwise land on stderr on every start.
    "--no-warnings",
  ];
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function errorOutcome(spec: CheckSpec, message: string): WorkerOutcome {
  return { wrt: spec.wrt, status: "error", maxAbsError: null, maxRelError: null, worst: null, diagnosis: null, message };
}

/** A worker process for one bundled file, restarted after any check that errors. */
export class Session {
  private child: ChildProcess | null = null;
  private stderr = "";
  /** Processes started, for measurements. */
  spawned = 0;

  constructor(private readonly worker: string, private readonly bundle: string, private readonly opts: SandboxOptions) {}

  private start(): ChildProcess {
    this.stderr = "";
    const child = fork(this.worker, [], {
      execArgv: sandboxArgs(this.worker, this.bundle, this.opts.heapMb),
      // No inherited environment: nothing of the caller's (tokens, NODE_OPTIONS) reaches user code.
      // Under Electron (desktop VS Code's server) the binary is the editor itself: it must be told to run as Node.
      env: process.versions.electron ? { ELECTRON_RUN_AS_NODE: "1" } : {},
      cwd: this.opts.cwd,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8192);
    });
    this.spawned++;
    return child;
  }

  async run(spec: CheckSpec): Promise<WorkerOutcome> {
    const child = (this.child ??= this.start());
    const outcome = await new Promise<WorkerOutcome>((resolve) => {
      let phase = "starting";
      let done = false;
      const finish = (o: WorkerOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(watch);
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(o);
      };
      const kill = (why: string) => {
        child.kill("SIGKILL");
        finish(errorOutcome(spec, `${why} (while ${phase}); the process was killed`));
      };
      const onMessage = (raw: unknown) => {
        const m = raw as WorkerMessage;
        if (m.type === "phase") phase = m.text;
        else if (m.type === "result") finish(m.outcome);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        finish(errorOutcome(spec, this.describeExit(code, signal, phase)));
      };
      const timer = setTimeout(() => kill(`timed out after ${this.opts.timeoutMs} ms`), this.opts.timeoutMs);
      const watch = setInterval(() => {
        const rss = child.pid === undefined ? null : rssMb(child.pid);
        if (rss !== null && rss > this.opts.memoryMb) kill(`used more than ${this.opts.memoryMb} MB of memory`);
      }, 50);
      child.on("message", onMessage);
      child.on("exit", onExit);
      const msg: RunMessage = { type: "run", bundle: this.bundle, spec, cwd: this.opts.cwd, internal: this.opts.internal, budgetMs: this.opts.timeoutMs };
      child.send(msg, (err) => {
        if (err) finish(errorOutcome(spec, `could not reach the worker process: ${err.message}`));
      });
    });
    if (outcome.status === "error") this.close();
    return outcome;
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null, phase: string): string {
    const err = this.stderr;
    if (/heap out of memory|Reached heap limit|Allocation failed/i.test(err)) {
      return `ran out of memory (V8 heap limit ${this.opts.heapMb} MB) while ${phase}`;
    }
    if (/ERR_ACCESS_DENIED/.test(err)) {
      const res = /resource: '([^']*)'/.exec(err)?.[1];
      return `the sandbox denied access${res ? ` to ${res}` : ""} while ${phase}; checked code may only compute`;
    }
    const first = err.split("\n").find((l) => /Error|error/.test(l))?.trim();
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    return `the checking process ${how} while ${phase}${first ? `: ${first}` : ""}`;
  }

  close(): void {
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null && c.signalCode === null) {
      if (c.connected) c.disconnect();
      c.kill("SIGKILL");
    }
  }
}
