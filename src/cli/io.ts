import { basename, isAbsolute, relative } from 'node:path';

/** What the CLI touches of the outside world, passed in so tests run it in-process. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin?: NodeJS.ReadableStream;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Aborted on Ctrl-C / SIGTERM by the binary; the run then stops cleanly with exit 130. */
  signal?: AbortSignal;
  /**
   * How the user runs molimport, for the hints it prints: `molimport` when installed,
   * `bin/molimport.js` or `node bin/molimport.js` from a clone (a hint naming a command that is not
   * on PATH is no help).
   * @default 'molimport'
   */
  command?: string;
}

/**
 * How this process was started, as a user would type it again: see {@link CliIo.command}.
 * `direct`: the script ran as a program (its `#!` line read), so the hint names it without `node`,
 * which would skip that line's heap flags.
 */
export function invokedAs(script: string | undefined, cwd: string, direct = false): string {
  if (script === undefined || basename(script) === 'molimport') return 'molimport';
  const rel = relative(cwd, script);
  const path = rel.startsWith('..') || isAbsolute(rel) ? script : rel.includes('/') ? rel : `./${rel}`;
  return direct ? path : `node ${path}`;
}

/**
 * Live progress (spinners and bars) or log lines: progress only at a terminal that knows its width,
 * without --quiet or CI. A pty whose window size was never set reports 0 columns; ora divides by
 * them and redraws forever (the CLI hung at 100 % CPU with memory growing), so it gets log lines.
 */
export function wantsProgress(
  stderr: CliIo['stderr'],
  quiet: boolean,
  env: Record<string, string | undefined>,
): boolean {
  return Boolean(stderr.isTTY) && stderr.columns !== 0 && !quiet && !env.CI;
}
