/** The fleet's commands: enqueue, worker, fleet status, fleet wait (src/fleet/ does the work). */
import { errorMessage, type ErrorCode, MolimportError } from '../errors.js';
import { enqueueSet } from '../fleet/enqueue.js';
import { fleetStatus, waitForSet, type FleetStatus } from '../fleet/status.js';
import { runWorker } from '../fleet/worker.js';
import type { DataSource } from '../types.js';
import { createCliLogger } from './logger.js';
import { importOptionsFromCli } from './import-options.js';
import type { CliIo } from './io.js';
import type {
  DatabaseCliOptions,
  EnqueueCliOptions,
  FleetStatusCliOptions,
  FleetWaitCliOptions,
  WorkerCliOptions,
} from './program.js';

type Env = Record<string, string | undefined>;

function fail(err: unknown, io: CliIo, json: boolean): number {
  const code: ErrorCode = err instanceof MolimportError ? err.code : 'MOLIMPORT_ERROR';
  const exit = err instanceof MolimportError ? err.exitCode : 1;
  io.stderr.write(`molimport: ${errorMessage(err)}\n`);
  if (json)
    io.stdout.write(
      JSON.stringify({ status: 'failed', exitCode: exit, error: errorMessage(err), errorCode: code }) + '\n',
    );
  return exit;
}

function logger(opts: Pick<DatabaseCliOptions, 'logLevel' | 'logFile'>, io: CliIo) {
  return createCliLogger({
    level: opts.logLevel,
    logFile: opts.logFile,
    stderr: io.stderr,
  });
}

export async function enqueueCommand(
  source: DataSource,
  files: string[],
  opts: EnqueueCliOptions,
  io: CliIo,
  env: Env,
  cwd: string,
): Promise<number> {
  const json = Boolean(opts.json);
  try {
    const { expandFiles } = await import('./expand-files.js');
    const result = await enqueueSet({
      importOptions: importOptionsFromCli(source, await expandFiles(files, cwd), opts, env, cwd),
      set: opts.set,
      retries: opts.retries,
      leaseSeconds: opts.leaseSeconds,
    });
    io.stdout.write(
      json
        ? JSON.stringify(result) + '\n'
        : `set ${result.set}: ${result.jobs} job(s) queued into ${result.table}\n` +
            `run on each machine: molimport worker --db <url> --set ${result.set}\n`,
    );
    if (!json && opts.set === undefined) io.stderr.write(`molimport: job set ${result.set}\n`);
    return 0;
  } catch (err) {
    return fail(err, io, json);
  }
}

export async function workerCommand(
  opts: WorkerCliOptions,
  io: CliIo,
  env: Env,
  cwd: string,
): Promise<number> {
  const { logger: log, flush } = logger(opts, io);
  try {
    const summary = await runWorker({
      database: opts.db,
      env,
      cwd,
      schema: opts.schema,
      concurrency: opts.concurrency,
      drain: Boolean(opts.drain),
      set: opts.set,
      pollMs: opts.pollMs,
      maintenanceIntervalSeconds: opts.maintenanceSeconds,
      signal: io.signal,
      logger: log,
    });
    if (opts.json) io.stdout.write(JSON.stringify(summary) + '\n');
    return summary.exitCode;
  } catch (err) {
    return fail(err, io, Boolean(opts.json));
  } finally {
    flush();
  }
}

/** `fleet status`, or with `pollMs` (`fleet wait`) block until the set is done. */
export async function fleetStatusCommand(
  opts: FleetStatusCliOptions | FleetWaitCliOptions,
  io: CliIo,
  env: Env,
  cwd: string,
): Promise<number> {
  const json = Boolean(opts.json);
  const wait = 'pollMs' in opts;
  try {
    const target = { database: opts.db, env, cwd, schema: opts.schema, set: opts.set };
    const status =
      'pollMs' in opts
        ? await waitForSet({ ...target, set: opts.set, pollMs: opts.pollMs, signal: io.signal })
        : await fleetStatus(target);
    io.stdout.write(json ? JSON.stringify(status) + '\n' : renderStatus(status));
    if (wait && io.signal?.aborted) return 130;
    return wait ? status.exitCode : 0;
  } catch (err) {
    return fail(err, io, json);
  }
}

function renderStatus(s: FleetStatus): string {
  const lines = s.files.map((f) =>
    [
      f.set,
      f.state.padEnd(9),
      f.worker ? `${f.worker.host}:${f.worker.pid}` : '-',
      `read ${f.read}`,
      `${f.moleculesPerSecond}/s`,
      `rejected ${f.rejected}`,
      `attempts ${f.attempts}`,
      f.path,
    ].join('  '),
  );
  const c = s.counts;
  lines.push(
    `${s.status}: ${c.completed} completed, ${c.running} running, ${c.queued + c.retrying} queued, ${c.failed} failed; ` +
      `read ${s.read} = inserted ${s.inserted} + updated ${s.updated} + unchanged ${s.unchanged} + duplicates ${s.duplicates} + rejected ${s.rejected} + skipped ${s.skipped}`,
  );
  return lines.join('\n') + '\n';
}
