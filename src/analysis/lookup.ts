// What inference may ask about the world outside the function it is analysing. Every answer is
// recorded (see recording()) so a cached function result can be reused exactly when every answer
// it depended on is still the same: that is the whole incremental-analysis invariant.

import type { ts } from "ts-morph";
import { Value, valueKey } from "./values";

/** A function's signature as callers see it: annotated parameters and its return value. */
export interface FnSig {
  readonly name: string;
  /** Absolute path of the declaring file. */
  readonly file: string;
  readonly params: ReadonlyArray<{ readonly name: string; readonly value: Value }>;
  /** Type parameters, which act as dims bound per call (`<N extends string>(x: Tensor<[1, N]>)`). */
  readonly typeParams: readonly string[];
  readonly returns: Value;
}

export interface AliasRef {
  readonly decl: ts.TypeAliasDeclaration;
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
  alias(name: string): AliasRef | undefined;
  fn(name: string): FnSig | undefined;
  moduleVar(name: string): Value | undefined;
}

const sigKeys = new WeakMap<FnSig, string>();

/** A signature's cache key, memoised: dependency checks ask for it on every re-analysis. */
export function sigKey(s: FnSig | undefined): string {
  if (!s) return "-";
  let k = sigKeys.get(s);
  if (k === undefined) sigKeys.set(s, (k = computeSigKey(s)));
  return k;
}

function computeSigKey(s: FnSig): string {
  return `${s.file}#${s.name}<${s.typeParams.join(",")}>(${s.params.map((p) => `${p.name}:${valueKey(p.value)}`).join(",")})=>${valueKey(s.returns)}`;
}

/** One recorded question: its kind, its argument and the answer's key. */
export type Dep = readonly [kind: keyof Lookup, arg: string, answer: string];

function answerKey(kind: keyof Lookup, r: unknown): string {
  switch (kind) {
    case "alias":
      return (r as AliasRef | undefined)?.key ?? "-";
    case "fn":
      return sigKey(r as FnSig | undefined);
    case "moduleVar":
      return r === undefined ? "-" : valueKey(r as Value);
    default:
      return String(r);
  }
}

/** Wraps a lookup so that every question and answer is appended to `deps`. */
export function recording(base: Lookup, deps: Map<string, Dep>): Lookup {
  const ask = <R>(kind: keyof Lookup, arg: string, f: () => R): R => {
    const r = f();
    deps.set(kind + "\0" + arg, [kind, arg, answerKey(kind, r)]);
    return r;
  };
  return {
    chainrule: (n) => ask("chainrule", n, () => base.chainrule(n)),
    chainruleLocal: (n) => ask("chainruleLocal", n, () => base.chainruleLocal(n)),
    isNamespace: (n) => ask("isNamespace", n, () => base.isNamespace(n)),
    alias: (n) => ask("alias", n, () => base.alias(n)),
    fn: (n) => ask("fn", n, () => base.fn(n)),
    moduleVar: (n) => ask("moduleVar", n, () => base.moduleVar(n)),
  };
}

/** Whether every recorded answer is still what `base` answers now. */
export function depsHold(base: Lookup, deps: ReadonlyMap<string, Dep>): boolean {
  for (const [kind, arg, answer] of deps.values()) {
    const now = (base[kind] as (a: string) => unknown)(arg);
    if (answerKey(kind, now) !== answer) return false;
  }
  return true;
}

/** A lookup that also sees chainrule exports a fix would import (verification of a fix's edits). */
export function withImports(base: Lookup, added: ReadonlyMap<string, string>): Lookup {
  if (added.size === 0) return base;
  return {
    chainrule: (n) => base.chainrule(n) ?? added.get(n),
    chainruleLocal: (n) => base.chainruleLocal(n) ?? [...added].find(([, e]) => e === n)?.[0],
    isNamespace: (n) => base.isNamespace(n),
    alias: (n) => base.alias(n),
    fn: (n) => base.fn(n),
    moduleVar: (n) => base.moduleVar(n),
  };
}
