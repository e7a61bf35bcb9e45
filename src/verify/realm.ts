// Runs one user bundle in a fresh JavaScript realm (a V8 context) inside the worker, and reads
// values out of it without letting checked code touch the worker. The realm has no `process`,
// `require`, timers, Buffer or network: a stub `process` whose exit throws, Node built-ins that
// throw when used, no eval, no WebAssembly, no async callbacks that outlive a call. The worker
// hands it only primitives and objects made inside it, and calls into it only through functions
// the prelude made, because anything of the worker's realm (an argument array, an error, a
// callback) would give checked code the worker's `Function` and with it the real process.

import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import vm from "node:vm";

/** Runs before any checked code in each realm; returns the realm's glue. Its objects are the realm's own. */
const PRELUDE = String.raw`(function () {
  "use strict";
  const g = globalThis;
  // Callbacks that V8 runs later as tasks would let one check run code during the next.
  delete g.FinalizationRegistry;
  delete g.WeakRef;
  delete g.WebAssembly;
  if (typeof Atomics === "object") delete Atomics.waitAsync;
  const refused = (what) => {
    const e = new Error(what + " is not available to checked code: the checker lets it compute, not reach files, the network or processes");
    e.name = "SandboxError";
    return e;
  };
  const builtin = (name) => new Proxy(function () {}, {
    get(_t, k) { return typeof k === "string" && k !== "then" && k !== "__esModule" ? function () { throw refused(name + "." + k); } : undefined; },
    apply() { throw refused(name); },
    construct() { throw refused(name); },
  });
  const exit = (what) => function (code) {
    const e = new Error(what + "(" + (code === undefined ? "" : String(code)) + ") was called; checked code may not end the checker's process");
    e.name = "ProcessExit";
    throw e;
  };
  const process = Object.freeze({ env: Object.freeze({}), argv: Object.freeze([]), platform: "sandbox", exit: exit("process.exit"), abort: exit("process.abort"), reallyExit: exit("process.reallyExit"), kill: exit("process.kill") });
  Object.defineProperty(g, "process", { value: process, writable: false, configurable: false });
  const module = { exports: {} };
  const require = (name) => {
    if (typeof name === "string") return builtin(name);
    throw refused("require");
  };
  // Locks the numeric surface F and G compute with (the runtime's Tensor, Math, typed arrays,
  // arrays, functions) before user modules run, so a file cannot redefine the DSL's ops or the
  // arithmetic under them. New properties may still be added.
  const lock = (o) => {
    if (o === null || (typeof o !== "object" && typeof o !== "function")) return;
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (!d || !d.configurable) continue;
      if ("value" in d) d.writable = false;
      d.configurable = false;
      Object.defineProperty(o, k, d);
    }
  };
  const TA = Object.getPrototypeOf(Float64Array);
  const harden = (runtime) => {
    for (const o of [Math, Number, JSON, Reflect, Object, Array, Array.prototype, Function.prototype, TA, TA.prototype,
      Float64Array, Float64Array.prototype, Map.prototype, Set.prototype, String.prototype, Symbol]) lock(o);
    for (const v of Object.values(runtime)) {
      if (typeof v === "function") { lock(v); lock(v.prototype); }
      else lock(v);
    }
  };
  // The bundle calls this once, after chainrule's runtime has loaded and before the user's modules do.
  Object.defineProperty(g, "__chainrule_harden__", { configurable: true, value: (runtime) => { delete g.__chainrule_harden__; harden(runtime); } });
  return {
    module, require,
    list: (...xs) => xs,
    parse: (s) => JSON.parse(s),
    float64: (n) => new Float64Array(n),
    error: (m) => new Error(m),
    // Every call into checked code goes through here, so that even a Proxy's traps see only this realm's objects.
    call: (f, args) => f(...args),
    construct: (C, args) => new C(...args),
    // The closures the runtime calls back (withDims, record): made here, so they are this realm's.
    body: (f, args, seed, s) => () => { seed(s); return f(...args); },
    recording: (record, body) => () => record(body),
    thunk: (f, args) => () => f(...args),
  };
})()`;

interface Glue {
  module: { exports: unknown };
  require: unknown;
  list: (...xs: unknown[]) => unknown;
  parse: (s: string) => unknown;
  float64: (n: number) => Float64Array;
  error: (m: string) => unknown;
  call: (f: unknown, args: unknown) => unknown;
  construct: (C: unknown, args: unknown) => unknown;
  body: (f: unknown, args: unknown, seed: unknown, s: number) => unknown;
  recording: (record: unknown, body: unknown) => unknown;
  thunk: (f: unknown, args: unknown) => unknown;
}

/** What the bundle exports (bundle.ts): the runtime's hooks and the functions to check. */
export interface BundleHooks {
  Tensor: unknown;
  record: unknown;
  withDims: unknown;
  seed: unknown;
  /** The runtime's probe replay (src/runtime/replay.ts): base, probe, end. */
  replay: { base: unknown; probe: unknown; end: unknown };
  fns: unknown;
}

const prelude = new vm.Script(PRELUDE, { filename: "chainrule-realm-prelude.js" });

/** A value thrown by checked code, as text the parent can show. */
export interface Thrown {
  name: string;
  message: string;
  stack: string;
}

// The worker's own intrinsics, used to read values whatever checked code did to its realm's.
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayName = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag)!.get!;
const typedArrayLength = Object.getOwnPropertyDescriptor(typedArrayProto, "length")!.get!;

/** A copy of a genuine Float64Array of any realm; null for anything else (a Proxy included). Runs no checked code. */
export function copyFloat64(x: unknown): Float64Array | null {
  if (typedArrayName.call(x) !== "Float64Array") return null;
  const out = new Float64Array(typedArrayLength.call(x) as number);
  out.set(x as Float64Array);
  return out;
}

/** Reads a property of a checked-code value; a getter or Proxy trap that throws becomes a Thrown. */
export function read(x: unknown, key: string): { value: unknown } | { thrown: unknown } {
  try {
    return { value: (x as Record<string, unknown>)[key] };
  } catch (e) {
    return { thrown: e };
  }
}

function str(x: unknown): string {
  try {
    return typeof x === "string" ? x : x === undefined ? "" : String(x);
  } catch {
    return "";
  }
}

/** Describes a value thrown by checked code using only what reading it gives. */
export function describeThrown(e: unknown): Thrown {
  if (typeof e !== "object" || e === null) return { name: "", message: str(e), stack: "" };
  const get = (k: string) => {
    const r = read(e, k);
    return "value" in r ? str(r.value) : "";
  };
  return { name: get("name"), message: get("message"), stack: get("stack") };
}

/** The bundle, compiled once per process; each realm runs it afresh. */
export class CompiledBundle {
  readonly script: vm.Script;
  private readonly code: string;
  private parsedMap: SourceMap | null | undefined;

  constructor(readonly file: string) {
    this.code = readFileSync(file, "utf8");
    // The wrapper's own line is line 0: offset it away so that stack lines are the bundle's.
    this.script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${this.code}\n})`, { filename: file, lineOffset: -1 });
  }

  /** Read when a message first needs a user's line: most runs need none, and it is most of the bundle. */
  private get map(): SourceMap | null {
    if (this.parsedMap !== undefined) return this.parsedMap;
    const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(this.code);
    try {
      this.parsedMap = m ? new SourceMap(JSON.parse(Buffer.from(m[1]!, "base64").toString("utf8"))) : null;
    } catch {
      this.parsedMap = null;
    }
    return this.parsedMap;
  }

  /** The user's file:line:col of a bundle position (1-based line and column), through the source map. */
  original(line: number, column: number): { file: string; line: number; column: number } | null {
    const e = this.map?.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!e || e.originalSource === undefined || e.originalLine === undefined) return null;
    const src = e.originalSource.replace(/^file:\/\//, "");
    return { file: path.resolve(path.dirname(this.file), src), line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
  }
}

/** One fresh realm with the user's bundle loaded in it. */
export class Realm {
  readonly hooks: BundleHooks;
  private readonly glue: Glue;

  /** Throws a Thrown-carrying LoadError when the bundle throws while loading. */
  constructor(bundle: CompiledBundle) {
    const context = vm.createContext(Object.create(null), {
      name: "chainrule check",
      codeGeneration: { strings: false, wasm: false },
      // Promise jobs run when a call into the realm returns, as part of that call.
      microtaskMode: "afterEvaluate",
    });
    this.glue = prelude.runInContext(context) as Glue;
    const wrapper = bundle.script.runInContext(context);
    const g = this.glue;
    try {
      g.call(wrapper, g.list(g.module.exports, g.require, g.module, bundle.file, path.dirname(bundle.file)));
    } catch (e) {
      throw new LoadError(describeThrown(e));
    }
    // The bundle's own code (bundle.ts) has already locked the runtime and the intrinsics; the
    // exports are read once here, and what checked code did to them afterwards is of its realm.
    const exp = read(g.module.exports, "__chainrule_verify__");
    const hooks = "value" in exp ? exp.value : undefined;
    if (typeof hooks !== "object" || hooks === null) throw new LoadError({ name: "", message: "the bundle did not export the checker's hooks", stack: "" });
    const field = (k: keyof BundleHooks) => {
      const r = read(hooks, k);
      return "value" in r ? r.value : undefined;
    };
    const replay = field("replay");
    const step = (k: string) => {
      const r = replay === undefined ? undefined : read(replay, k);
      return r && "value" in r ? r.value : undefined;
    };
    this.hooks = {
      Tensor: field("Tensor"), record: field("record"), withDims: field("withDims"), seed: field("seed"), fns: field("fns"),
      replay: { base: step("base"), probe: step("probe"), end: step("end") },
    };
  }

  /** A function of the file by name, or undefined. */
  fn(name: string): unknown {
    const r = read(this.hooks.fns, name);
    return "value" in r && typeof r.value === "function" ? r.value : undefined;
  }

  /** A Float64Array of this realm holding `data`. */
  array(data: Float64Array): Float64Array {
    const a = this.glue.float64(data.length);
    for (let i = 0; i < data.length; i++) a[i] = data[i]!;
    return a;
  }

  /** A runtime Tensor of this realm over `data` (a Float64Array of this realm). */
  tensor(shape: readonly number[], data: Float64Array): unknown {
    return this.glue.construct(this.hooks.Tensor, this.glue.list(this.glue.parse(JSON.stringify(shape)), data));
  }

  /** A plain object of this realm (from JSON-able data). */
  value(x: unknown): unknown {
    return this.glue.parse(JSON.stringify(x));
  }

  /** Calls `fn(...args)` with the dims bound and the runtime's RNG seeded: exactly what each forward pass does. */
  invoke(fn: unknown, args: unknown[], dims: unknown, seed: number): unknown {
    const g = this.glue;
    return g.call(this.hooks.withDims, g.list(dims, g.body(fn, g.list(...args), this.hooks.seed, seed)));
  }

  /** The same call wrapped by one of the runtime's replay hooks (`wrap` makes the realm's closure). */
  replayed(fn: unknown, args: unknown[], dims: unknown, seed: number, wrap: (g: Glue, body: unknown) => unknown): unknown {
    const g = this.glue;
    const body = g.body(fn, g.list(...args), this.hooks.seed, seed);
    return g.call(this.hooks.withDims, g.list(dims, wrap(g, body)));
  }

  /** Whether the bundle's runtime offers the probe replay. */
  get canReplay(): boolean {
    const r = this.hooks.replay;
    return typeof r.base === "function" && typeof r.probe === "function";
  }

  /** Drops the runtime's base pass. */
  replayEnd(): void {
    if (typeof this.hooks.replay.end === "function") this.glue.call(this.hooks.replay.end, this.glue.list());
  }

  /** The same call under the runtime's `record`: { result, nodes } of this realm. */
  record(fn: unknown, args: unknown[], dims: unknown, seed: number): unknown {
    const g = this.glue;
    const body = g.body(fn, g.list(...args), this.hooks.seed, seed);
    return g.call(this.hooks.withDims, g.list(dims, g.recording(this.hooks.record, body)));
  }
}

/**
 * F's base pass for replayed probes (src/runtime/replay.ts): the same call as `invoke`, recorded.
 * `params` are F's arguments by position, null for a number.
 */
export function replayBase(realm: Realm, fn: unknown, args: unknown[], dims: unknown, seed: number, params: unknown[]): unknown {
  return realm.replayed(fn, args, dims, seed, (g, body) => g.thunk(realm.hooks.replay.base, g.list(g.list(...params), body)));
}

/** One probe of the base pass: element `index` of parameter `param` has been moved. */
export function replayProbe(realm: Realm, fn: unknown, args: unknown[], dims: unknown, seed: number, param: number, index: number): unknown {
  return realm.replayed(fn, args, dims, seed, (g, body) => g.thunk(realm.hooks.replay.probe, g.list(param, index, body)));
}

export class LoadError extends Error {
  constructor(readonly thrown: Thrown) {
    super(thrown.message);
  }
}
