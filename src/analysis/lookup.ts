// What inference may ask about the world outside the unit it is analysing. Every answer is
// recorded (see recording()) so a cached unit result can be reused exactly when every answer it
// depended on is still the same: that is the whole incremental-analysis invariant.

import type { ts } from "ts-morph";
import type { Names } from "../diagnostics/handlers/types";
import { escape, Value, valueKey } from "./values";

/** Then call the closure the call returns at `path` with `args` (a `ClosureRef` being called). */
export interface ThenCall {
  readonly path: ReadonlyArray<string | number>;
  readonly args: readonly Value[];
}

/** A function's signature as callers see it: annotated parameters and its return value. */
export interface FnSig {
  /** Global id: `file#name`, or `file#Class.method` for a method. */
  readonly id: string;
  readonly name: string;
  /** Absolute path of the declaring file. */
  readonly file: string;
  readonly params: ReadonlyArray<{ readonly name: string; readonly value: Value; readonly rest?: true }>;
  /** Type parameters, which act as dims bound per call (`<N extends string>(x: Tensor<[1, N]>)`). */
  readonly typeParams: readonly string[];
  readonly returns: Value;
  /**
   * The result depends on the arguments beyond what the annotations say (a parameter typed plain
   * `Tensor`, unannotated, or generic over the whole shape), so each call is inferred with its
   * arguments' values (`Lookup.instantiate`).
   */
  readonly perCall: boolean;
}

/**
 * A class as code outside it sees it: its fields' values and the names of its methods, whose
 * signatures are asked one by one (`Lookup.method`): each method is a unit of its own.
 */
export interface ClassSig {
  /** `file#Name`, the `cls` of its instances' values. */
  readonly key: string;
  readonly name: string;
  readonly file: string;
  readonly fields: ReadonlyMap<string, Value>;
  /** Method names; `constructor` when it has one; getters are methods marked in `getters`. */
  readonly methods: readonly string[];
  readonly getters: ReadonlySet<string>;
  /** Static methods (`C.create()`, `C.apply(x)`): member units called without an instance. */
  readonly statics: readonly string[];
  /** The base class's key (`extends`), where methods not declared here are found. */
  readonly base?: string;
  /** A generic class's type parameters (dims its fields and methods are written in). */
  readonly typeParams: readonly string[];
}

/** A problem found inside a callee for one call's argument shapes, reported at the call. */
export interface CallProblem {
  readonly code: string;
  readonly message: string;
  /** Where in the callee (absolute offsets in `file`). */
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

/** What one call of a per-call function infers to. */
export interface CallResult {
  readonly returns: Value;
  readonly problems: readonly CallProblem[];
  /** For a constructor: the instance's fields as this call sets them. */
  readonly fields?: ReadonlyMap<string, Value>;
}

export interface AliasRef {
  readonly decl: ts.TypeAliasDeclaration | ts.InterfaceDeclaration;
  /** Lookup of the file that declares the alias, for the names inside it. */
  readonly lookup: Lookup;
  /** Cache key: changes whenever the alias might resolve differently. */
  readonly key: string;
}

export interface Lookup {
  /** The chainrule export a local name is imported as (`mm` → "matmul"), if any. */
  chainrule(local: string): string | undefined;
  /** The local name a chainrule export is imported under, if any. */
  chainruleLocal(exported: string): string | undefined;
  /** Whether `local` is a namespace import of chainrule (`import * as cr`). */
  isNamespace(local: string): boolean;
  /** Type aliases and interfaces, local or imported (`ns.Name` through a namespace import). */
  alias(name: string): AliasRef | undefined;
  /** Functions of other units: local, imported, re-exported, or `ns.f` through a namespace import. */
  fn(name: string): FnSig | undefined;
  moduleVar(name: string): Value | undefined;
  /** Classes by name as `fn` resolves functions. */
  cls(name: string): ClassSig | undefined;
  /** A class by its key (`file#Name`), for the methods of an instance value. */
  clsByKey(key: string): ClassSig | undefined;
  /** A method's signature (its own unit's), by class key and name, through `extends` when inherited. */
  method(cls: string, name: string): FnSig | undefined;
  /** One call of a per-call function (or method, or constructor `file#C.constructor`) with these arguments. */
  instantiate(id: string, args: readonly Value[], self?: Value, then?: ThenCall): CallResult | undefined;
}

const sigKeys = new WeakMap<object, string>();

function memo<T extends object>(x: T | undefined, f: (x: T) => string): string {
  if (!x) return "-";
  let k = sigKeys.get(x);
  if (k === undefined) sigKeys.set(x, (k = f(x)));
  return k;
}

/** A signature's cache key, memoised: dependency checks ask for it on every re-analysis. */
export function sigKey(s: FnSig | undefined): string {
  return memo(s, computeSigKey);
}

function computeSigKey(s: FnSig): string {
  return `${s.id}<${s.typeParams.join(",")}>(${s.params.map((p) => `${p.rest ? "..." : ""}${p.name}:${valueKey(p.value)}`).join(",")})=>${valueKey(s.returns)}${s.perCall ? "*" : ""}`;
}

function classKey(c: ClassSig | undefined): string {
  return memo(c, (x) => `${x.key}<${x.typeParams.join(",")}>{${[...x.fields].map(([n, v]) => `${n}:${valueKey(v)}`).join(",")}}[${x.methods.join(",")}]${[...x.getters].join(",")}/${x.statics.join(",")}^${x.base ?? ""}`);
}

export function callResultKey(r: CallResult | undefined): string {
  return memo(r, (x) =>
    `${valueKey(x.returns)}|${x.problems.map((p) => `${p.code}@${p.file}:${p.start}-${p.end}:${p.message}`).join("|")}` +
    (x.fields ? `|{${[...x.fields].map(([n, v]) => `${n}:${valueKey(v)}`).join(",")}}` : ""),
  );
}

/** One recorded question: its key, the answer's key, and how to ask it again of a lookup. */
export interface Dep {
  readonly answer: string;
  readonly ask: (base: Lookup) => string;
}

function answerKey(kind: string, r: unknown): string {
  switch (kind) {
    case "alias":
      return (r as AliasRef | undefined)?.key ?? "-";
    case "fn":
      return sigKey(r as FnSig | undefined);
    case "cls":
    case "clsByKey":
      return classKey(r as ClassSig | undefined);
    case "moduleVar":
      return r === undefined ? "-" : valueKey(r as Value);
    default:
      return String(r);
  }
}

type SimpleKind = "chainrule" | "chainruleLocal" | "isNamespace" | "alias" | "fn" | "moduleVar" | "cls" | "clsByKey";

/** Wraps a lookup so that every question and answer is appended to `deps`. */
export function recording(base: Lookup, deps: Map<string, Dep>): Lookup {
  // The answer last recorded per question: asked again (every use of a name asks), the same
  // answer needs no new key or record (answerKey formats signatures and values).
  const last = new Map<string, unknown>();
  const ask = <R>(kind: SimpleKind, arg: string): R => {
    const r = (base[kind] as (a: string) => unknown)(arg) as R;
    const key = kind + "\0" + arg;
    if (last.has(key) && last.get(key) === r && deps.has(key)) return r;
    last.set(key, r);
    const f = (b: Lookup) => (b[kind] as (a: string) => unknown)(arg);
    deps.set(key, { answer: answerKey(kind, r), ask: (b) => answerKey(kind, f(b)) });
    return r;
  };
  return {
    chainrule: (n) => ask("chainrule", n),
    chainruleLocal: (n) => ask("chainruleLocal", n),
    isNamespace: (n) => ask("isNamespace", n),
    alias: (n) => ask("alias", n),
    fn: (n) => ask("fn", n),
    moduleVar: (n) => ask("moduleVar", n),
    cls: (n) => ask("cls", n),
    clsByKey: (n) => ask("clsByKey", n),
    method: (cls, name) => {
      const r = base.method(cls, name);
      deps.set(`method\0${cls}\0${name}`, { answer: sigKey(r), ask: (b) => sigKey(b.method(cls, name)) });
      return r;
    },
    instantiate: (id, rawArgs, rawSelf, rawThen) => {
      // Local callables cannot cross into another unit; what remains is plain data.
      const args = rawArgs.map(escape);
      const self = rawSelf && escape(rawSelf);
      const then = rawThen && { path: rawThen.path, args: rawThen.args.map(escape) };
      const r = base.instantiate(id, args, self, then);
      const key = `instantiate\0${id}(${args.map(valueKey).join(",")})${self ? valueKey(self) : ""}${thenKey(then)}`;
      deps.set(key, { answer: callResultKey(r), ask: (b) => callResultKey(b.instantiate(id, args, self, then)) });
      return r;
    },
  };
}

/** How many classes up an `extends` chain a getter or static method is looked for. */
const MAX_BASE_CLASSES = 9;

/**
 * Whether `has` holds for class `c` or, while no class on the way declares `name` itself as an
 * instance method, for one of its bases (`get weight()` or `static create()` inherited).
 */
export function inheritedMember(lookup: Lookup, c: ClassSig | undefined, name: string, has: (c: ClassSig) => boolean): boolean {
  for (let i = 0; c && i < MAX_BASE_CLASSES; i++) {
    if (has(c)) return true;
    if (c.methods.includes(name) || !c.base) return false;
    c = lookup.clsByKey(c.base);
  }
  return false;
}

export function thenKey(then: ThenCall | undefined): string {
  return then ? `.${then.path.join(".")}(${then.args.map(valueKey).join(",")})` : "";
}

/** Whether every recorded answer is still what `base` answers now. */
export function depsHold(base: Lookup, deps: ReadonlyMap<string, Dep>): boolean {
  for (const d of deps.values()) if (d.ask(base) !== d.answer) return false;
  return true;
}

/** A lookup that also sees chainrule exports a fix would import (verification of a fix's edits). */
export function withImports(base: Lookup, added: ReadonlyMap<string, string>): Lookup {
  if (added.size === 0) return base;
  return {
    ...base,
    chainrule: (n) => base.chainrule(n) ?? added.get(n),
    chainruleLocal: (n) => base.chainruleLocal(n) ?? [...added].find(([, e]) => e === n)?.[0],
  };
}

/** What fix handlers may ask about names, answered (and recorded) by a unit's lookup. */
export function namesOf(l: Lookup): Names {
  return {
    chainrule: (n) => l.chainrule(n),
    chainruleLocal: (n) => l.chainruleLocal(n),
    taken: (n) => l.fn(n) !== undefined || l.moduleVar(n) !== undefined,
  };
}
