/** What the CLI touches of the outside world, passed in so tests run it in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Aborted on Ctrl-C / SIGTERM by the binary; the run then stops cleanly with exit 130. */
  signal?: AbortSignal;
}
