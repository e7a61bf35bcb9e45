// Lexical scopes of local variables during inference, with the snapshot/restore that joins
// control-flow paths (if/else, loops) variable by variable.

import { join, Value } from "./values";

export interface Var {
  value: Value;
  /** The annotated value, when the declaration has a type annotation; it wins over inference. */
  declared?: Value;
  /** Where that annotation is (offsets in the analysed text), for "where did dim H come from". */
  annotation?: { start: number; end: number };
}

export class Scope {
  readonly vars = new Map<string, Var>();
  constructor(readonly parent?: Scope) {}

  find(name: string): Var | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }

  /** The name a variable is known by in this scope chain, for messages. */
  nameOf(v: Var): string | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) for (const [n, w] of s.vars) if (w === v) return n;
    return undefined;
  }

  snapshot(): Map<Var, Value> {
    const m = new Map<Var, Value>();
    for (let s: Scope | undefined = this; s; s = s.parent) for (const v of s.vars.values()) if (!m.has(v)) m.set(v, v.value);
    return m;
  }

  restore(m: ReadonlyMap<Var, Value>): void {
    for (const [v, value] of m) v.value = value;
  }

  /** Sets every variable to the join of its value on two paths (a path that returned is skipped). */
  joinPaths(a: ReadonlyMap<Var, Value> | null, b: ReadonlyMap<Var, Value> | null): void {
    const keys = a ?? b;
    if (!keys) return;
    for (const v of keys.keys()) {
      const x = a?.get(v);
      const y = b?.get(v);
      v.value = x && y ? join(x, y) : (x ?? y ?? v.value);
    }
  }
}
