/** Runs the CLI in-process through `main(argv, io)` and captures what it prints. */
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { ImportStats } from '../../src/import/stats.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: string[],
  opts: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    signal?: AbortSignal;
    stdin?: NodeJS.ReadableStream;
  } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  // CI is unset so that the test proves the non-TTY path is chosen from the stream, not the variable.
  const env = opts.env ?? { PATH: process.env.PATH };
  const code = await main(argv, {
    stdout,
    stderr,
    env,
    cwd: opts.cwd,
    signal: opts.signal,
    stdin: opts.stdin,
  });
  return { code, stdout: out, stderr: err };
}

/** Parses `--json` output, checking that stdout holds exactly one JSON object. */
export function parseJsonStats(stdout: string): ImportStats {
  const trimmed = stdout.trim();
  expectOneLine(trimmed);
  return JSON.parse(trimmed) as ImportStats;
}

function expectOneLine(s: string): void {
  if (s.split('\n').length !== 1)
    throw new Error(`stdout is not exactly one JSON line:\n${s.slice(0, 2000)}`);
}
