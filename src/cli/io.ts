// Where a CLI command writes and which folder it runs in: injected so tests run commands in-process.

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}
