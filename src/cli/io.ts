// Where a CLI command writes and which folder it runs in: injected so tests run commands in-process.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /**
   * A transient status line (progress), replaced by the next and cleared by ""; only when stderr
   * is a terminal, so that logs and pipes get no carriage returns.
   */
  status?(line: string): void;
}
