// "Explain the chain" in the language server, as LSP: the derivation hover on a `@gradient`
// function's name or tag, the Explain CodeLenses, the `chainrule.explain` command and the code
// action "Generate ∂F/∂P". src/explain/index.ts decides all of it; this converts URIs and
// positions and wraps the answers in LSP's types.

import {
  CodeAction,
  type ClientCapabilities,
  type CodeActionParams,
  type CodeLens,
  type CodeLensParams,
  type Connection,
  type Hover,
  type HoverParams,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import type { ExplainService } from "../src/explain/index";
import { uriToPath } from "./convert";
import type { OpenFiles } from "./files";
import { EXPLAIN_COMMANDS, ExplainCommand, type ExplainArgs, type ExplainResult, type GenerateGradientData } from "./protocol";
import { guard, type Logger } from "./safety";
import type { Verification } from "./verify";

/** The refactoring kind of "Generate ∂F/∂P" (a child of `refactor`, so refactor menus list it). */
export const GENERATE_KIND = "refactor.generate.gradient";

export class Explanations {
  private readonly service: ExplainService;
  private resolveEdits = false;
  private documentChanges = false;

  constructor(connection: Connection, private readonly files: OpenFiles, private readonly log: Logger, verification: Verification) {
    this.service = files.analyzer.explainer();
    verification.extra.lenses = (p) => this.lenses(p);
    verification.extra.commands = (command, args) => (EXPLAIN_COMMANDS.includes(command) ? this.command(args) : undefined);
    verification.extra.commandNames.push(...EXPLAIN_COMMANDS);
    connection.onCodeActionResolve((action) => guard(log, "codeActionResolve", () => this.resolve(action)));
  }

  initialize(caps: ClientCapabilities): void {
    this.resolveEdits = caps.textDocument?.codeAction?.resolveSupport?.properties.includes("edit") === true;
    this.documentChanges = caps.workspace?.workspaceEdit?.documentChanges === true;
  }

  /** The open document's path, with the analyzer brought up to date; undefined for others. */
  private openFile(uri: string): string | undefined {
    const file = uriToPath(uri);
    if (file === undefined || !this.files.get(uri)) return undefined;
    this.files.syncAll();
    return file;
  }

  /** A bug in the derivation is logged and the shape hover answers instead: a hover must not fail. */
  hover(params: HoverParams, markdown: boolean): Hover | null {
    try {
      const file = this.openFile(params.textDocument.uri);
      const h = file === undefined ? null : this.service.hover(file, params.position);
      return h && { contents: markdown ? { kind: "markdown", value: h.markdown } : { kind: "plaintext", value: h.plain }, range: h.range };
    } catch (e) {
      this.log.error(`chainrule: internal error in the explain hover: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return null;
    }
  }

  private lenses(params: CodeLensParams): CodeLens[] {
    const uri = params.textDocument.uri;
    const file = this.openFile(uri);
    if (file === undefined) return [];
    return this.service.lenses(file).map((l) => {
      const args: ExplainArgs = { uri, function: l.fn, params: l.params };
      return { range: l.range, command: { title: l.title, command: ExplainCommand.showChain, arguments: [args] } };
    });
  }

  private command(raw: unknown): ExplainResult {
    const args = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<ExplainArgs>;
    const file = typeof args.uri === "string" ? uriToPath(args.uri) : undefined;
    if (file === undefined || typeof args.function !== "string") {
      return { version: 1, error: { kind: "usage", message: "chainrule.explain takes { uri, function, params?, emit? }" } };
    }
    this.files.syncAll();
    const params = Array.isArray(args.params) ? args.params.filter((p): p is string => typeof p === "string") : [];
    const a = this.service.answer(file, args.function, params, args.emit === true);
    if ("error" in a) {
      const { file: where, ...rest } = a.error;
      return { version: 1, error: { ...rest, ...(where ? { uri: this.files.uriOf(where) } : {}) } };
    }
    const uriOf = <T extends { file?: string }>(s: T) => ({ ...s, uri: s.file ? this.files.uriOf(s.file) : args.uri! });
    return { ...a.json, file: args.uri!, uri: args.uri!, forward: a.json.forward.map(uriOf), backward: a.json.backward.map(uriOf), text: a.text, markdown: a.markdown };
  }

  /** "Generate ∂F/∂P" on a scalar function's signature; the edit comes on resolve when the client can. */
  codeActions(params: CodeActionParams): CodeAction[] {
    const only = params.context.only;
    if (only && !only.some((k) => k === "" || GENERATE_KIND === k || GENERATE_KIND.startsWith(`${k}.`))) return [];
    const uri = params.textDocument.uri;
    const doc = this.files.get(uri);
    const file = this.openFile(uri);
    if (!doc || file === undefined) return [];
    return this.service.generateChoices(file, params.range.start).map((c) => {
      const action = CodeAction.create(c.title, GENERATE_KIND);
      const data: GenerateGradientData = { generate: { uri, version: doc.version, function: c.fn, params: c.params } };
      action.data = data;
      return this.resolveEdits ? action : this.resolve(action);
    });
  }

  private resolve(action: CodeAction): CodeAction {
    const data = (action.data as Partial<GenerateGradientData> | undefined)?.generate;
    const doc = data && this.files.get(data.uri);
    const file = data && this.openFile(data.uri);
    if (!data || !doc || file === undefined) return action;
    if (doc.version !== data.version) return { ...action, disabled: { reason: "the document changed; ask again" } };
    const r = this.service.generateEdits(file, data.function, data.params);
    if ("disabled" in r) return { ...action, disabled: { reason: r.disabled } };
    const edit: WorkspaceEdit = this.documentChanges
      ? { documentChanges: [{ textDocument: { uri: data.uri, version: data.version }, edits: r.edits }] }
      : { changes: { [data.uri]: r.edits } };
    return { ...action, edit };
  }
}
