// What the derivation's interpreter computes for an expression of the user's code: a graph node
// (tensor or number), an array or object of values, a function to inline, a class instance, a
// tensor's `.shape`, and the lexical scopes that hold them.

import type { ts } from "ts-morph";
import type { FileState } from "../analysis/file-state";
import type { Workspace } from "../analysis/workspace";
import type { GNode } from "./graph";

export type FunctionNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.ConstructorDeclaration;

/** What explaining needs of the analyzer: each file's state (a Workspace is one). */
export type ExplainHost = Pick<Workspace, "fileState">;

/** The file a piece of syntax belongs to: names in it resolve through its imports. */
export interface FileCtx {
  readonly state: FileState;
  readonly sf: ts.SourceFile;
}

export interface Callable {
  readonly name: string;
  readonly node: FunctionNode;
  readonly ctx: FileCtx;
  /** The scope the function was created in (closures see it); module functions have none. */
  readonly closure?: Scope;
  /** For a method: the instance `this` is bound to. */
  readonly self?: IValue;
}

export interface ClassInfo {
  readonly name: string;
  readonly decl: ts.ClassDeclaration;
  readonly ctx: FileCtx;
}

export type IValue =
  | { readonly k: "t"; readonly node: GNode }
  | { readonly k: "arr"; readonly items: readonly IValue[] }
  | { readonly k: "obj"; readonly props: ReadonlyMap<string, IValue> }
  | { readonly k: "fn"; readonly fn: Callable }
  | { readonly k: "inst"; readonly cls: ClassInfo; readonly fields: Map<string, IValue> }
  /** `x.shape`: indexing it gives the dims of x as numbers. */
  | { readonly k: "shape"; readonly of: GNode }
  | { readonly k: "void" };

export const VOID: IValue = { k: "void" };

export function tensorValue(node: GNode): IValue {
  return { k: "t", node };
}

export class Scope {
  private readonly vars = new Map<string, IValue>();
  constructor(readonly parent?: Scope) {}

  find(name: string): IValue | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }

  declare(name: string, v: IValue): void {
    this.vars.set(name, v);
  }

  /** Assignment: the innermost scope that declares the name. False when none does. */
  assign(name: string, v: IValue): boolean {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, v);
        return true;
      }
    }
    return false;
  }
}
