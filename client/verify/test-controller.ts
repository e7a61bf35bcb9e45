// The Test Explorer view of gradients: every `@gradient` function is a test (grouped by file),
// listed by the server's analysis without running anything; running one runs its numeric check.
// Results of checks run from a CodeLens or the palette are shown here too.

import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { ListGradients, VerifyCommand, type CheckResult, type VerifyArgs } from "../../server/protocol";
import { resultDetail, verdictHeading } from "../../src/text/verify-text";
import { normalizeUri, type ResultEvent, type Results } from "./results";
import type { Runner } from "./runner";

const toRange = (r: ListGradients.Gradient["range"]) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

/** Run ids of the Test Explorer's requests. */
export const TESTS_PREFIX = "tests-";
let nextRun = 1;

export class GradientTests implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController("chainrule.gradients", "chainrule gradients");
  /** Test runs started from the Test Explorer, by the run id their requests carry. */
  private readonly active = new Map<string, { run: vscode.TestRun; reported: Set<vscode.TestItem> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly ready: Promise<void>,
    private readonly runner: Runner,
    results: Results,
  ) {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover(undefined);
    };
    this.controller.refreshHandler = () => this.discover(undefined);
    this.controller.createRunProfile("Verify gradient", vscode.TestRunProfileKind.Run, (request, token) => this.runTests(request, token), true);
    const isTs = (d: vscode.TextDocument) => d.uri.scheme === "file" && (d.languageId === "typescript" || d.languageId === "typescriptreact");
    this.subs.push(
      this.controller,
      results.onResult((e) => this.report(e)),
      vscode.workspace.onDidOpenTextDocument((d) => isTs(d) && this.refreshSoon(d.uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => isTs(e.document) && this.refreshSoon(e.document.uri.toString())),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((f) => this.controller.items.delete(f.toString()))),
    );
  }

  /** Lists one file's gradients (or the workspace's) and updates the tree to match. */
  private async discover(uri: string | undefined): Promise<void> {
    await this.ready;
    const client = this.client();
    if (!client) return;
    const params: ListGradients.Params = uri ? { uri } : {};
    const listed = await client.sendRequest<ListGradients.Result>(ListGradients.method, params);
    for (const f of listed.files) this.upsert(f.uri, f.gradients);
  }

  private refreshSoon(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(uri, setTimeout(() => {
      this.timers.delete(uri);
      void this.discover(uri).catch(() => undefined);
    }, 400));
  }

  private upsert(rawUri: string, gradients: ListGradients.Gradient[]): void {
    const id = normalizeUri(rawUri);
    if (gradients.length === 0) {
      this.controller.items.delete(id);
      return;
    }
    const uri = vscode.Uri.parse(id);
    const file = this.controller.items.get(id) ?? this.controller.createTestItem(id, vscode.workspace.asRelativePath(uri), uri);
    file.children.replace(
      gradients.map((g) => {
        const item = file.children.get(`${id}#${g.name}`) ?? this.controller.createTestItem(`${id}#${g.name}`, g.name, uri);
        item.range = toRange(g.range);
        item.description = `∂${g.of}/∂${g.wrt.join(", ") || "…"}`;
        return item;
      }),
    );
    this.controller.items.add(file);
  }

  private item(uri: string, gradient: string): vscode.TestItem | undefined {
    const id = normalizeUri(uri);
    return this.controller.items.get(id)?.children.get(`${id}#${gradient}`);
  }

  private async runTests(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    const excluded = new Set(request.exclude ?? []);
    const leaves = (i: vscode.TestItem): vscode.TestItem[] => (i.children.size ? [...iterate(i.children)].filter((c) => !excluded.has(c)) : [i]);
    // What to ask for: nothing selected means everything; a file means all its gradients in one bundle.
    const jobs: Array<{ command: string; args: VerifyArgs; items: vscode.TestItem[] }> = [];
    if (!request.include) {
      jobs.push({ command: VerifyCommand.verifyAll, args: {}, items: [...iterate(this.controller.items)].flatMap(leaves) });
    } else {
      for (const i of request.include) {
        if (excluded.has(i) || !i.uri) continue;
        const isFile = i.children.size > 0;
        const gradient = isFile ? undefined : i.id.slice(i.id.lastIndexOf("#") + 1);
        jobs.push({ command: VerifyCommand.verifyGradient, args: { uri: i.uri.toString(), ...(gradient ? { gradient } : {}) }, items: leaves(i) });
      }
    }
    for (const job of jobs) job.items.forEach((i) => run.enqueued(i));
    try {
      for (const job of jobs) {
        if (token.isCancellationRequested) break;
        const runId = `${TESTS_PREFIX}${nextRun++}`;
        const reported = new Set<vscode.TestItem>();
        this.active.set(runId, { run, reported });
        job.items.forEach((i) => run.started(i));
        try {
          const res = await this.runner.run(job.command, job.args, { token, runId });
          if (res?.refused) job.items.forEach((i) => run.skipped(i));
        } finally {
          this.active.delete(runId);
        }
        // Cancelled, refused or untrusted: what did not report did not run.
        job.items.filter((i) => !reported.has(i)).forEach((i) => run.skipped(i));
      }
    } finally {
      run.end();
    }
  }

  /** A finished check: into the Test Explorer run that asked for it, or a run of its own (lens, palette, save). */
  private report(e: ResultEvent): void {
    let item = this.item(e.uri, e.result.gradient);
    if (!item) {
      // A file the explorer had not listed yet (verify all before discovery): list it, then report.
      void this.discover(e.uri).then(() => {
        const listed = this.item(e.uri, e.result.gradient);
        if (listed) this.reportInto(this.ownRun(listed), listed, e.result, true);
      }).catch(() => undefined);
      return;
    }
    const active = this.active.get(e.runId);
    if (active) {
      active.reported.add(item);
      this.reportInto(active.run, item, e.result, false);
    } else {
      this.reportInto(this.ownRun(item), item, e.result, true);
    }
  }

  private ownRun(item: vscode.TestItem): vscode.TestRun {
    return this.controller.createTestRun(new vscode.TestRunRequest([item]), `chainrule: ${item.label}`, false);
  }

  private reportInto(run: vscode.TestRun, item: vscode.TestItem, r: CheckResult, end: boolean): void {
    if (r.status === "pass") run.passed(item, r.ms);
    else {
      const md = new vscode.MarkdownString(undefined, true);
      md.appendMarkdown(`**${verdictHeading(r)}** — `);
      md.appendText(resultDetail(r));
      const args = encodeURIComponent(JSON.stringify([{ uri: item.uri?.toString(), gradient: r.gradient }]));
      md.appendMarkdown(`\n\n[Show report](command:${VerifyCommand.showReport}?${args})`);
      md.isTrusted = { enabledCommands: [VerifyCommand.showReport] };
      const message = new vscode.TestMessage(md);
      if (item.uri && item.range) message.location = new vscode.Location(item.uri, item.range);
      if (r.status === "fail") run.failed(item, message, r.ms);
      else run.errored(item, message, r.ms);
    }
    if (end) run.end();
  }

  dispose(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.subs.forEach((s) => s.dispose());
  }
}

function* iterate(c: vscode.TestItemCollection): Iterable<vscode.TestItem> {
  const out: vscode.TestItem[] = [];
  c.forEach((i) => out.push(i));
  yield* out;
}
