/**
 * The CLI in one function: `main(argv, io)` parses, runs and prints, and returns the exit code.
 * It never calls process.exit (bin/molimport.js does), so tests run it in-process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CommanderError, type Command } from 'commander';
import { errorMessage, type ErrorCode, EXIT_USAGE, MolimportError, UsageError } from '../errors.js';
import { runImport } from '../import/run-import.js';
import { listRuns } from '../import/list-runs.js';
import type { ImportOptions } from '../import/options.js';
import type { ImportEventListener } from '../import/events.js';
// The terminal and table modules (ora, cli-progress, cli-table3) are loaded only when used: a cron
// job's process never needs the progress bars, and ~4 MB of module code stays out of its RSS.
import { createEventLogger } from '../report/log-events.js';
import { runQuery } from '../import/query.js';
import { checkConnectionString } from '../sink/database-url.js';
import { runOverlap } from '../import/overlap.js';
import type { DataSource } from '../types.js';
import { expandFiles } from './expand-files.js';
import { wantsProgress, type CliIo } from './io.js';
import { createCliLogger, type LogLevel } from './logger.js';
import { writeNotice } from './notice.js';
import { wantsColor } from '../report/color.js';
import type { ImportStats } from '../import/stats.js';
import {
  buildProgram,
  type DatabaseCliOptions,
  type DeleteCliOptions,
  type ImportCliOptions,
} from './program.js';
import { importOptionsFromCli } from './import-options.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

export type { CliIo } from './io.js';

export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const wantsJson = argv.includes('--json');
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();

  const program = buildProgram(version, {
    deleteCommand: async (source, opts) => {
      exitCode = await deleteCommand(source, opts, io, env, cwd);
    },
    importCommand: async (source, files, opts) => {
      exitCode = await importCommand(source, files, opts, io, env, cwd);
    },
    runsCommand: async (opts) => {
      const target = { database: opts.db, env, cwd };
      exitCode = await printCommand(
        opts,
        io,
        () =>
          listRuns({
            ...target,
            schema: opts.schema,
            table: opts.table,
            limit: opts.limit,
          }),
        async (v) => (await import('../report/runs-table.js')).renderRunsTable(v, stdoutWidth(io)),
      );
    },
    overlapCommand: async (opts) => {
      const target = { database: opts.db, env, cwd };
      const sources = opts.sources?.split(',').map((x) => x.trim());
      exitCode = await printCommand(
        opts,
        io,
        () =>
          runOverlap({
            ...target,
            schema: opts.schema,
            table: opts.table,
            sources,
            by: opts.by,
          }),
        async (v) => (await import('../report/overlap-table.js')).renderOverlap(v, stdoutWidth(io)),
      );
    },
    enqueueCommand: async (source, files, opts) => {
      exitCode = await (
        await import('./fleet-commands.js')
      ).enqueueCommand(source, files, opts, io, env, cwd);
    },
    workerCommand: async (opts) => {
      exitCode = await (await import('./fleet-commands.js')).workerCommand(opts, io, env, cwd);
    },
    fleetStatusCommand: async (opts) => {
      exitCode = await (await import('./fleet-commands.js')).fleetStatusCommand(opts, io, env, cwd);
    },
    fleetWaitCommand: async (opts) => {
      exitCode = await (await import('./fleet-commands.js')).fleetStatusCommand(opts, io, env, cwd);
    },
    queryCommand: async (sql, opts) => {
      const target = { database: opts.db, env, cwd };
      exitCode = await printCommand(
        opts,
        io,
        async () => (await runQuery(sql, target)).rows,
        async (v) => (await import('../report/runs-table.js')).renderRowsTable(v, stdoutWidth(io)),
      );
    },
  });
  // Without a terminal, commander's error text is gathered and written as one JSON log line.
  const usageText: string[] = [];
  configure(program, io, usageText);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)
        return 0;
      if (usageText.length > 0) {
        const text = usageText
          .join('')
          .trim()
          .replace(/^error: /, '');
        writeNotice(io.stderr, 'error', text, { code: 'MOLIMPORT_USAGE', exitCode: EXIT_USAGE });
      }
      if (wantsJson) writeJsonFailure(io, err.message.replace(/^error: /, ''), 'MOLIMPORT_USAGE', EXIT_USAGE);
      return EXIT_USAGE;
    }
    return reportFatal(err, io, wantsJson);
  }
}

function configure(cmd: Command, io: CliIo, usageText: string[]): void {
  cmd.exitOverride().configureOutput({
    writeOut: (s) => void io.stdout.write(s),
    writeErr: (s) => void (io.stderr.isTTY ? io.stderr.write(s) : usageText.push(s)),
  });
  for (const sub of cmd.commands) configure(sub, io, usageText);
}

function reportFatal(err: unknown, io: CliIo, json: boolean): number {
  const code: ErrorCode = err instanceof MolimportError ? err.code : 'MOLIMPORT_ERROR';
  const exit = err instanceof MolimportError ? err.exitCode : 1;
  writeNotice(io.stderr, 'error', errorMessage(err), { code, exitCode: exit });
  if (json) writeJsonFailure(io, errorMessage(err), code, exit);
  return exit;
}

/** A terminal's width for tables on stdout; a file or pipe gets the full layout. */
function stdoutWidth(io: CliIo): number {
  return io.stdout.isTTY ? io.stdout.columns || 80 : Infinity;
}

function writeJsonFailure(io: CliIo, message: string, code: string, exitCode: number): void {
  io.stdout.write(JSON.stringify({ status: 'failed', exitCode, error: message, errorCode: code }) + '\n');
}

interface OutputSetup {
  listener: ImportEventListener;
  logger: ReturnType<typeof createCliLogger>['logger'];
  /** Text lines for a person at the terminal (progress or `-q`); else stderr is JSON log lines. */
  text: boolean;
  /** A notice (signal received) printed without tearing the progress bar. */
  notice(level: 'warn' | 'error', text: string): void;
  close(): void;
}

/**
 * Three ways to report a run on stderr: a progress bar at a terminal; at a terminal with `-q`, only
 * warnings and errors, as text; without a terminal (or under CI), JSON log lines. The run's end is
 * not logged at a terminal: the table on stdout says it.
 */
async function setUpOutput(
  opts: Pick<DatabaseCliOptions, 'quiet' | 'logFile' | 'logLevel'>,
  io: CliIo,
  env: Record<string, string | undefined>,
): Promise<OutputSetup> {
  const interactive = wantsProgress(io.stderr, Boolean(opts.quiet), env);
  const text = Boolean(io.stderr.isTTY) && !env.CI && io.stderr.columns !== 0;
  const logFile = opts.logFile;
  const chosen: LogLevel = opts.logLevel;
  // On a terminal the bars are the output; log lines would tear them, so they go only to --log-file.
  const level: LogLevel =
    interactive && !logFile ? 'silent' : text && !logFile ? atLeastWarn(chosen) : chosen;
  const { logger, flush } = createCliLogger({
    level,
    logFile,
    stderr: io.stderr,
    text: text && !logFile,
  });
  if (interactive) {
    const { createProgressReporter } = await import('../report/progress.js');
    const progress = createProgressReporter({
      stream: io.stderr as NodeJS.WriteStream,
      color: wantsColor(env, true),
    });
    const log = createEventLogger(logger);
    return {
      listener: (e) => {
        progress(e);
        if (logFile) log(e);
      },
      logger,
      text: true,
      notice: (lvl, msg) => {
        progress.notice(`molimport: ${msg}`);
        if (logFile) logger[lvl](msg);
      },
      close: () => {
        progress.stop();
        flush();
      },
    };
  }
  const log = createEventLogger(logger, { done: !text || Boolean(logFile) });
  return {
    listener: log,
    logger,
    text,
    notice: (lvl, msg) => {
      if (text) writeNotice(io.stderr, lvl, msg);
      if (logFile || !text) logger[lvl](msg);
    },
    close: flush,
  };
}

function atLeastWarn(level: LogLevel): LogLevel {
  return level === 'error' || level === 'fatal' || level === 'silent' ? level : 'warn';
}

/** A run that failed before reading a record (no database, a missing file): the table would be all zeros. */
function failedBeforeReading(stats: ImportStats): boolean {
  return stats.status === 'failed' && stats.read === 0 && stats.runId === null;
}

async function importCommand(
  source: DataSource,
  fileArgs: string[],
  opts: ImportCliOptions,
  io: CliIo,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<number> {
  const json = Boolean(opts.json);
  let files: string[];
  try {
    checkDbOption(opts);
    const listed = opts.inputsFrom === undefined ? [] : await readInputList(opts.inputsFrom, io, cwd);
    if (listed.length > 0 && fileArgs.includes('-'))
      throw new UsageError('--inputs-from - reads standard input, so - cannot also be an input');
    files = await expandFiles([...fileArgs, ...listed], cwd);
    if (files.length === 0) throw new UsageError('no inputs: give files or URLs, or --inputs-from FILE');
  } catch (err) {
    return reportFatal(err, io, json);
  }
  const out = await setUpOutput(opts, io, env);
  const onSignal = (): void => {
    const reason = io.signal?.reason as unknown;
    const name = reason instanceof Error ? reason.message : 'a signal';
    out.notice('warn', `${name} received, finishing in-flight batches (again to exit now)`);
  };
  io.signal?.addEventListener('abort', onSignal, { once: true });
  const options: ImportOptions = {
    ...importOptionsFromCli(source, files, opts, env, cwd),
    signal: io.signal,
    logger: out.logger,
    stdin: io.stdin,
  };
  try {
    const stats = await runImport(options, { onEvent: out.listener });
    io.signal?.removeEventListener('abort', onSignal);
    out.close();
    // The error is printed once: in the table when a person reads it at this terminal, else (the
    // table went to a file, or --json) on stderr; without a terminal the `done` log line has it.
    const tableOnScreen = !json && Boolean(io.stdout.isTTY);
    const showTable = !(tableOnScreen && failedBeforeReading(stats));
    if (json) io.stdout.write(JSON.stringify(stats) + '\n');
    else if (showTable)
      io.stdout.write(
        (await import('../report/stats-table.js')).renderStatsTable(stats, stdoutWidth(io), io.command),
      );
    if (stats.error && out.text && !(tableOnScreen && showTable))
      writeNotice(
        io.stderr,
        stats.status === 'failed' && stats.exitCode !== 3 ? 'error' : 'warn',
        stats.error,
      );
    return stats.exitCode;
  } catch (err) {
    io.signal?.removeEventListener('abort', onSignal);
    out.close();
    return reportFatal(err, io, json);
  }
}

/** `--db` is checked here so the message names the flag (the library names its `database` option). */
function checkDbOption(opts: { db?: string }): void {
  if (opts.db !== undefined) checkConnectionString(opts.db, '--db');
}

/** `--inputs-from`: one path or URL a line; blank lines and `#` comments ignored. */
async function readInputList(from: string, io: CliIo, cwd: string): Promise<string[]> {
  let text: string;
  if (from === '-') {
    const stdin = io.stdin ?? process.stdin;
    const parts: Buffer[] = [];
    for await (const c of stdin as AsyncIterable<Buffer | string>)
      parts.push(typeof c === 'string' ? Buffer.from(c) : c);
    text = Buffer.concat(parts).toString('utf8');
  } else {
    try {
      text = await readFile(path.resolve(cwd, from), 'utf8');
    } catch (err) {
      throw new UsageError(`--inputs-from ${from}: cannot read it (${errorMessage(err)})`);
    }
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

async function deleteCommand(
  source: string,
  opts: DeleteCliOptions,
  io: CliIo,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<number> {
  const json = Boolean(opts.json);
  const out = await setUpOutput(opts, io, env);
  try {
    const { runDelete } = await import('../import/run-delete.js');
    const stats = await runDelete(
      {
        source: source as DataSource,
        idsFile: opts.idsFile,
        database: opts.db,
        env,
        cwd,
        schema: opts.schema,
        table: opts.table,
        dryRun: Boolean(opts.dryRun),
        resume: Boolean(opts.resume),
        batchSize: opts.batchSize,
        waitLock: Boolean(opts.waitLock),
        httpRetries: opts.httpRetries,
        httpRetryDelayMs: opts.httpRetryDelayMs,
        signal: io.signal,
        logger: out.logger,
        stdin: io.stdin,
      },
      { onEvent: out.listener },
    );
    out.close();
    io.stdout.write(
      json
        ? JSON.stringify(stats) + '\n'
        : `${stats.dryRun ? 'would delete' : 'deleted'} ${stats.deleted} of ${stats.read} IDs (${stats.notFound} not found) from ${stats.table}, source ${stats.source}${stats.runId === null ? '' : `, run ${stats.runId}`}\n`,
    );
    if (stats.error && !json) io.stderr.write(`molimport: ${stats.error}\n`);
    return stats.exitCode;
  } catch (err) {
    out.close();
    return reportFatal(err, io, json);
  }
}

/** `runs` and `query`: fetch, then print as a table or one JSON value. */
async function printCommand<T>(
  opts: { db?: string; json?: true },
  io: CliIo,
  fetch: () => Promise<T>,
  render: (value: T) => Promise<string>,
): Promise<number> {
  const json = Boolean(opts.json);
  try {
    checkDbOption(opts);
    const value = await fetch();
    io.stdout.write(json ? JSON.stringify(value) + '\n' : await render(value));
    return 0;
  } catch (err) {
    return reportFatal(err, io, json);
  }
}
