/**
 * The CLI in one function: `main(argv, io)` parses, runs and prints, and returns the exit code.
 * It never calls process.exit (bin/molimport.js does), so tests run it in-process.
 */
import { createRequire } from 'node:module';
import { CommanderError, type Command } from 'commander';
import { errorMessage, EXIT_USAGE, MolimportError, UsageError } from '../errors.js';
import { runImport } from '../import/run-import.js';
import { listRuns } from '../import/list-runs.js';
import type { ImportOptions } from '../import/options.js';
import type { ImportEventListener } from '../import/events.js';
// The terminal and table modules (ora, cli-progress, cli-table3) are loaded only when used: a cron
// job's process never needs the progress bars, and ~4 MB of module code stays out of its RSS.
import { createEventLogger } from '../report/log-events.js';
import { runQuery } from '../import/query.js';
import { runOverlap } from '../import/overlap.js';
import type { DataSource, InputFormat } from '../types.js';
import type { WriteMode } from '../import/stats.js';
import { expandFiles } from './expand-files.js';
import { wantsProgress, type CliIo } from './io.js';
import { createCliLogger, type LogLevel } from './logger.js';
import { buildProgram } from './program.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

export type { CliIo } from './io.js';

export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const wantsJson = argv.includes('--json');
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();

  const program = buildProgram(version, {
    importCommand: async (source, files, opts) => {
      exitCode = await importCommand(source, files, opts, io, env, cwd);
    },
    runsCommand: async (opts) => {
      const target = { database: opts.db as string | undefined, env, cwd };
      exitCode = await printCommand(
        opts,
        io,
        () =>
          listRuns({
            ...target,
            schema: opts.schema as string,
            table: opts.table as string,
            limit: opts.limit as number,
          }),
        async (v) => (await import('../report/runs-table.js')).renderRunsTable(v),
      );
    },
    overlapCommand: async (opts) => {
      const target = { database: opts.db as string | undefined, env, cwd };
      const sources =
        typeof opts.sources === 'string' ? opts.sources.split(',').map((x) => x.trim()) : undefined;
      exitCode = await printCommand(
        opts,
        io,
        () => runOverlap({ ...target, schema: opts.schema as string, table: opts.table as string, sources }),
        async (v) => (await import('../report/overlap-table.js')).renderOverlap(v),
      );
    },
    queryCommand: async (sql, opts) => {
      const target = { database: opts.db as string | undefined, env, cwd };
      exitCode = await printCommand(
        opts,
        io,
        async () => (await runQuery(sql, target)).rows,
        async (v) => (await import('../report/runs-table.js')).renderRowsTable(v),
      );
    },
  });
  configure(program, io);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)
        return 0;
      if (wantsJson) writeJsonFailure(io, err.message.replace(/^error: /, ''), 'MOLIMPORT_USAGE', EXIT_USAGE);
      return EXIT_USAGE;
    }
    return reportFatal(err, io, wantsJson);
  }
}

function configure(cmd: Command, io: CliIo): void {
  cmd.exitOverride().configureOutput({
    writeOut: (s) => void io.stdout.write(s),
    writeErr: (s) => void io.stderr.write(s),
  });
  for (const sub of cmd.commands) configure(sub, io);
}

function reportFatal(err: unknown, io: CliIo, json: boolean): number {
  const code = err instanceof MolimportError ? err.code : 'MOLIMPORT_ERROR';
  const exit = err instanceof MolimportError ? err.exitCode : 1;
  io.stderr.write(`molimport: ${errorMessage(err)}\n`);
  if (json) writeJsonFailure(io, errorMessage(err), code, exit);
  return exit;
}

function writeJsonFailure(io: CliIo, message: string, code: string, exitCode: number): void {
  io.stdout.write(JSON.stringify({ status: 'failed', exitCode, error: message, errorCode: code }) + '\n');
}

interface OutputSetup {
  listener: ImportEventListener;
  logger: ReturnType<typeof createCliLogger>['logger'];
  close(): void;
}

async function setUpOutput(
  opts: Record<string, unknown>,
  io: CliIo,
  env: Record<string, string | undefined>,
): Promise<OutputSetup> {
  const interactive = wantsProgress(io.stderr, Boolean(opts.quiet), env);
  const logFile = opts.logFile as string | undefined;
  // On a terminal the bars are the output; log lines would tear them, so they go only to --log-file.
  const level: LogLevel = interactive && !logFile ? 'silent' : (opts.logLevel as LogLevel);
  const { logger, flush } = createCliLogger({ level, logFile, stderr: io.stderr });
  if (interactive) {
    const { createProgressReporter } = await import('../report/progress.js');
    const progress = createProgressReporter({ stream: io.stderr as NodeJS.WriteStream });
    const log = createEventLogger(logger);
    return {
      listener: (e) => {
        progress(e);
        if (logFile) log(e);
      },
      logger,
      close: () => {
        progress.stop();
        flush();
      },
    };
  }
  return { listener: createEventLogger(logger), logger, close: flush };
}

async function importCommand(
  source: DataSource,
  fileArgs: string[],
  opts: Record<string, unknown>,
  io: CliIo,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<number> {
  const json = Boolean(opts.json);
  let files: string[];
  try {
    files = await expandFiles(fileArgs, cwd);
    checkBatchBounds(opts);
  } catch (err) {
    return reportFatal(err, io, json);
  }
  const out = await setUpOutput(opts, io, env);
  const options: ImportOptions = {
    source,
    files,
    database: opts.db as string | undefined,
    env,
    cwd,
    schema: opts.schema as string,
    table: opts.table as string,
    mode: opts.mode as WriteMode,
    workers: opts.workers as number,
    batchSize: opts.batchSize as number | undefined,
    minBatchSize: opts.minBatchSize as number | undefined,
    maxBatchSize: opts.maxBatchSize as number | undefined,
    targetBatchMs: opts.targetBatchMs as number | undefined,
    memoryLimitBytes: opts.memoryLimit as number | undefined,
    maxBatchBytes: opts.maxBatchBytes as number | undefined,
    adaptive: opts.adaptive as boolean,
    parallel: opts.parallel as boolean,
    idField: opts.idField as string | undefined,
    format: opts.format as InputFormat | undefined,
    limit: opts.limit as number | undefined,
    dryRun: Boolean(opts.dryRun),
    rejectsFile: opts.rejects as string | undefined,
    maxErrors: opts.maxErrors as number | undefined,
    maxErrorRate: opts.maxErrorRate as number | undefined,
    resume: opts.resume === 'strict' ? 'strict' : Boolean(opts.resume),
    compute: opts.compute as ImportOptions['compute'],
    recompute: Boolean(opts.recompute),
    validate: Boolean(opts.validate),
    chemTimeoutMs: opts.chemTimeoutMs as number | undefined,
    rdkitMol: Boolean(opts.rdkitMol),
    waitLock: Boolean(opts.waitLock),
    signal: io.signal,
    logger: out.logger,
    stdin: io.stdin,
  };
  try {
    const stats = await runImport(options, { onEvent: out.listener });
    out.close();
    io.stdout.write(
      json
        ? JSON.stringify(stats) + '\n'
        : (await import('../report/stats-table.js')).renderStatsTable(stats),
    );
    if (stats.error && !json) io.stderr.write(`molimport: ${stats.error}\n`);
    return stats.exitCode;
  } catch (err) {
    out.close();
    out.logger.error({ err: errorMessage(err) }, 'import failed');
    return reportFatal(err, io, json);
  }
}

function checkBatchBounds(opts: Record<string, unknown>): void {
  const min = opts.minBatchSize as number | undefined;
  const max = opts.maxBatchSize as number | undefined;
  const initial = opts.batchSize as number | undefined;
  if (min !== undefined && max !== undefined && min > max) {
    throw new UsageError(`--min-batch-size (${min}) must not exceed --max-batch-size (${max})`);
  }
  if (initial !== undefined && max !== undefined && initial > max) {
    throw new UsageError(`--batch-size (${initial}) must not exceed --max-batch-size (${max})`);
  }
  if (initial !== undefined && min !== undefined && initial < min) {
    throw new UsageError(`--batch-size (${initial}) must not be below --min-batch-size (${min})`);
  }
}

/** `runs` and `query`: fetch, then print as a table or one JSON value. */
async function printCommand<T>(
  opts: Record<string, unknown>,
  io: CliIo,
  fetch: () => Promise<T>,
  render: (value: T) => Promise<string>,
): Promise<number> {
  const json = Boolean(opts.json);
  try {
    const value = await fetch();
    io.stdout.write(json ? JSON.stringify(value) + '\n' : await render(value));
    return 0;
  } catch (err) {
    return reportFatal(err, io, json);
  }
}
