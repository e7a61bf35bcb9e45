// Runs jobs in a child node process under a sandbox: Node's permission model (read access to the
// worker and the bundle only; no writes, no child processes, no worker threads), a V8 heap limit,
// a resident-memory watchdog for off-heap allocations, an empty environment, no network and death
// with the parent where the platform allows (isolation.ts), and a per-job timeout. One process
// serves a file's jobs in turn; after any error it is killed and the next job gets a fresh one.
// Every message from the worker is checked against the schema and the job it must answer
// (protocol.ts); anything else ends that job as an error and the process with it.

import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { isolation } from "./isolation";
import { ProtocolError, validateMessage, type Answer, type Job, type JobMessage, type TapeData } from "./protocol";

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
 * How long a process that has served jobs may take to acknowledge the next one. Work left behind
 * by an earlier job can only delay the acknowledgement, never happen inside a started job, so a
 * job not acknowledged in time is retried once in a fresh process rather than blamed.
 */
const ACK_MS = 2000;

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
    // Node 20 takes one path per flag; a comma-separated list would be read as one path, and the
    // same path twice aborts Node 20.20 at start (an assertion in its permission tree).
    ...[...new Set([worker, bundle])].map((p) => `--allow-fs-read=${p}`),
    `--max-old-space-size=${heapMb}`,
    // The permission model's ExperimentalWarning would otherwise land on stderr on every start.
    "--no-warnings",
  ];
}

/** Every worker process alive, so that the CLI can take them down with it on SIGINT/SIGTERM. */
const live = new Set<ChildProcess>();

/** Kills every worker this process started and that still runs. */
export function killAllWorkers(): void {
  for (const c of live) c.kill("SIGKILL");
  live.clear();
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** How far a job's element probes are: `done` of `total` after `ms` of probing. */
export interface JobProgress {
  done: number;
  total: number;
  ms: number;
}

/** What a job's caller hears before its answer: how far its probes are, and F's tape once recorded. */
export interface JobEvents {
  progress?(p: JobProgress): void;
  /** F's tape, sent as soon as it is recorded, so that the parent's AD overlaps the probes. */
  tape?(t: TapeData | { error: string }): void;
}

/** What one job came to: the worker's validated answer, or why there is none. */
export type JobResult = { answer: Answer } | { error: string };

/** A worker process for one bundled file, restarted after any job that errors. */
export class Session {
  private child: ChildProcess | null = null;
  private stderr = "";
  private served = 0;
  private nextId = 1;
  private starts = 0;
  private sibling: Session | null = null;

  /** Processes started (the second one's included), for measurements. */
  get spawned(): number {
    return this.starts + (this.sibling?.spawned ?? 0);
  }

  constructor(private readonly worker: string, private readonly bundle: string, private readonly opts: SandboxOptions) {}

  private start(): ChildProcess {
    this.stderr = "";
    this.served = 0;
    const iso = isolation();
    const [cmd, ...args] = [...iso.prefix, process.execPath, ...sandboxArgs(this.worker, this.bundle, this.opts.heapMb), this.worker, this.bundle];
    const child = spawn(cmd!, args, {
      // No inherited environment: nothing of the caller's (tokens, NODE_OPTIONS) reaches user code.
      // Under Electron (desktop VS Code's server) the binary is the editor itself: it must be told to run as Node.
      env: process.versions.electron ? { ELECTRON_RUN_AS_NODE: "1" } : {},
      cwd: this.opts.cwd,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      // Typed arrays travel as bytes (structured clone), not as JSON numbers.
      serialization: "advanced",
    });
    live.add(child);
    child.once("exit", () => live.delete(child));
    // A channel that breaks (the worker died mid-write) must not become an uncaught error here.
    child.on("error", () => undefined);
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8192);
    });
    // A message when no job is waiting answers nothing: the process cannot be trusted with the next job.
    child.on("message", () => {
      if (this.child === child && !this.busy) this.close();
    });
    this.starts++;
    return child;
  }

  private busy = false;

  /** Runs one job: a fresh process if needed; once more in a fresh one if a reused process never started it. */
  async run(job: Job, file: string, events: JobEvents = {}): Promise<JobResult> {
    const reused = this.child !== null && this.served > 0;
    const first = await this.attempt(job, file, reused, events);
    if ("retry" in first) {
      this.close();
      const again = await this.attempt(job, file, false, events);
      return "retry" in again ? { error: again.retry } : again;
    }
    return first;
  }

  private attempt(job: Job, file: string, reused: boolean, events: JobEvents): Promise<JobResult | { retry: string }> {
    const child = (this.child ??= this.start());
    const id = this.nextId++;
    this.busy = true;
    return new Promise<JobResult | { retry: string }>((resolve) => {
      let phase = "starting";
      let tape: TapeData | { error: string } | undefined;
      let started = false;
      let done = false;
      const finish = (r: JobResult | { retry: string }) => {
        if (done) return;
        done = true;
        this.busy = false;
        clearTimeout(timer);
        clearTimeout(ackTimer);
        clearInterval(watch);
        child.off("message", onMessage);
        child.off("exit", onExit);
        if (!("answer" in r) || r.answer.error !== undefined) this.close();
        else this.served++;
        resolve(r);
      };
      const kill = (why: string) => {
        child.kill("SIGKILL");
        finish({ error: `${why} (while ${phase}); the process was killed` });
      };
      const onMessage = (raw: unknown) => {
        let m;
        try {
          m = validateMessage(raw, id, job);
        } catch (e) {
          child.kill("SIGKILL");
          const why = e instanceof ProtocolError ? e.message : String(e);
          finish({ error: `the checking process sent a malformed message (${why}) while ${phase}; the process was killed` });
          return;
        }
        if (m.type === "started") {
          started = true;
          clearTimeout(ackTimer);
        } else if (m.type === "phase") phase = m.text;
        else if (m.type === "progress") events.progress?.({ done: m.done, total: m.total, ms: m.ms });
        else if (m.type === "tape") {
          tape = m.tape;
          events.tape?.(m.tape);
        } else finish({ answer: tape !== undefined && m.answer.tape === undefined ? { ...m.answer, tape } : m.answer });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        const why = this.describeExit(code, signal, phase);
        finish(reused && !started ? { retry: why } : { error: why });
      };
      const timer = setTimeout(() => kill(`timed out after ${this.opts.timeoutMs} ms`), this.opts.timeoutMs);
      const ackTimer = reused
        ? setTimeout(() => {
            if (started) return;
            child.kill("SIGKILL");
            finish({ retry: "the checking process did not start the check" });
          }, Math.min(ACK_MS, this.opts.timeoutMs))
        : undefined;
      const watch = setInterval(() => {
        const rss = child.pid === undefined ? null : rssMb(child.pid);
        if (rss !== null && rss > this.opts.memoryMb) kill(`used more than ${this.opts.memoryMb} MB of memory`);
      }, 50);
      child.on("message", onMessage);
      child.on("exit", onExit);
      const msg: JobMessage = { type: "job", id, job, file, cwd: this.opts.cwd, internal: this.opts.internal };
      try {
        child.send(msg, (err) => {
          if (err) finish(reused && !started ? { retry: err.message } : { error: `could not reach the worker process: ${err.message}` });
        });
      } catch (e) {
        finish({ error: `could not reach the worker process: ${e instanceof Error ? e.message : String(e)}` });
      }
    });
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

  /**
   * Starts the process now, ahead of its first job: it reads the bundle only when that job comes,
   * so its start (75–250 ms) can overlap discovery and bundling, on the other core.
   */
  warm(): void {
    this.child ??= this.start();
  }

  /**
   * A second process for the same bundle, under the same sandbox, started on first use: a long
   * check splits its probes with it (check.ts). Closing this session closes it too.
   */
  second(): Session {
    return (this.sibling ??= new Session(this.worker, this.bundle, this.opts));
  }

  close(): void {
    this.sibling?.close();
    const c = this.child;
    this.child = null;
    if (c && c.exitCode === null && c.signalCode === null) {
      if (c.connected) c.disconnect();
      c.kill("SIGKILL");
    }
  }
}
