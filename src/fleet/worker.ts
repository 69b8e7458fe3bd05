/**
 * `molimport worker`: take jobs from the sets' queues and import each file with `runImport`, under
 * the job's lease. Why `fetch` and not pg-boss's `work()`: `work()` completes or fails the job
 * itself when the handler returns, by job id only — a worker whose job was taken over would then
 * complete or fail the new holder's attempt. Here the job is completed, failed or handed back only
 * in one transaction with the lease check (src/fleet/leases.ts).
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, LeaseLostError } from '../errors.js';
import type { ImportOptions } from '../import/options.js';
import type { Logger } from '../logger.js';
import { runImport } from '../import/run-import.js';
import type { ImportStats } from '../import/stats.js';
import { connectFleet, type FleetConnection, type FleetTarget } from './connect.js';
import { endLease, ensureFleetTables, openJobSets, type EndedLease } from '../sink/fleet-leases.js';
import { leaseFence, noteLeaseRun, sessionName, takeLease } from './leases.js';
import { onTransaction, openBoss, queueName, type FleetJobData, type PgBoss } from './queue.js';

export interface WorkerOptions extends FleetTarget {
  /** Files imported at once by this process. Integer 1–64. @default 1 */
  concurrency?: number;
  /** Exit once the sets served have no job left to run (all completed or failed). @default false */
  drain?: boolean;
  /** Serve only this set. @default every set with work left */
  set?: string;
  /** How often to look for jobs when idle, in ms. @default 1_000 */
  pollMs?: number;
  /** pg-boss maintenance interval (expires jobs whose holder vanished), in seconds. @default 30 */
  maintenanceIntervalSeconds?: number;
  /** SIGTERM / Ctrl-C: running files commit their batches, their jobs go back to the queue. */
  signal?: AbortSignal;
  logger: Logger;
  /** Overrides for every run (e.g. `chemThreads`); never the stored options' meaning. */
  runOverrides?: Partial<ImportOptions>;
}

export interface WorkerSummary {
  /** Jobs this worker finished, by outcome. */
  completed: number;
  failed: number;
  handedBack: number;
  leaseLost: number;
  /** 130 when stopped by a signal, else 0. */
  exitCode: number;
}

export async function runWorker(o: WorkerOptions): Promise<WorkerSummary> {
  const concurrency = o.concurrency ?? 1;
  const pollMs = o.pollMs ?? 1_000;
  const log = o.logger;
  const me = { host: hostname(), pid: process.pid };
  const summary: WorkerSummary = { completed: 0, failed: 0, handedBack: 0, leaseLost: 0, exitCode: 0 };
  const conn = await connectFleet(o);
  const boss = await openBoss({
    connectionString: conn.connectionString,
    supervise: true,
    maintenanceIntervalSeconds: o.maintenanceIntervalSeconds ?? 30,
    onError: (err) => log.warn({ err: errorMessage(err) }, 'job queue error'),
  });
  const running = new Set<Promise<void>>();
  let wake: () => void = () => undefined;
  const stopped = (): boolean => o.signal?.aborted === true;
  o.signal?.addEventListener('abort', () => wake(), { once: true });
  try {
    await ensureFleetTables(conn.db);
    log.info({ worker: `${me.host}:${me.pid}`, set: o.set ?? 'all', concurrency }, 'worker started');
    while (!stopped()) {
      let took = false;
      let sets: string[] = o.set === undefined ? [] : [o.set];
      try {
        if (o.set === undefined) sets = await openSets(conn);
        for (const set of sets) {
          if (running.size >= concurrency || stopped()) break;
          const [job] = await boss.fetch<FleetJobData>(queueName(set), {
            batchSize: 1,
            includeMetadata: true,
          });
          if (job === undefined) continue;
          took = true;
          const p = runJob(conn, boss, job, me, o, summary)
            .catch((err: unknown) =>
              log.error(
                { job: job.id, err: errorMessage(err) },
                'job failed to start or end; its lease will expire',
              ),
            )
            .finally(() => {
              running.delete(p);
              wake();
            });
          running.add(p);
        }
        if (took && running.size < concurrency) continue;
        if (o.drain && running.size === 0 && !took && (await workLeft(boss, sets)) === 0) break;
      } catch (err) {
        // The database restarting or unreachable: keep the jobs we run, and look again later.
        log.warn({ err: errorMessage(err) }, 'could not reach the job queue; retrying');
      }
      // Sleep until the poll interval passes, a job ends, or a signal arrives.
      const ac = new AbortController();
      wake = () => ac.abort();
      await sleep(pollMs, undefined, { signal: ac.signal }).catch(() => undefined);
    }
    await Promise.all(running);
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await conn.db.close().catch(() => undefined);
  }
  if (stopped()) summary.exitCode = 130;
  log.info({ ...summary }, 'worker stopped');
  return summary;
}

/** Jobs not yet completed or failed (created, retry, active) in these sets' queues. */
async function workLeft(boss: PgBoss, sets: readonly string[]): Promise<number> {
  let n = 0;
  for (const set of sets) n += await boss.getQueueSize(queueName(set), { before: 'completed' });
  return n;
}

async function openSets(conn: FleetConnection): Promise<string[]> {
  return openJobSets(conn.db);
}

async function runJob(
  conn: FleetConnection,
  boss: PgBoss,
  job: PgBoss.JobWithMetadata<FleetJobData>,
  me: { host: string; pid: number },
  o: WorkerOptions,
  summary: WorkerSummary,
): Promise<void> {
  const log = o.logger;
  const attempt = job.retryCount;
  const where = { set: job.data.set, file: job.data.path, job: job.id, attempt };
  const taken = await takeLease(conn.db, job.id, attempt, me);
  if (taken === null) {
    log.warn(where, 'job already held by a later attempt; leaving it');
    return;
  }
  if ('ended' in taken) {
    await closeEndedJob(conn, boss, job, taken.ended, me, where, log);
    return;
  }
  log.info({ ...where, continuesRun: taken.runId ?? null }, 'job taken');
  const schema = conn.db.schema;
  let stats: ImportStats | undefined;
  let crash: unknown;
  try {
    stats = await runImport(
      {
        ...job.data.options,
        ...o.runOverrides,
        source: job.data.source,
        files: [job.data.path],
        database: withApplicationName(conn.connectionString, sessionName(job.id, attempt)),
        env: o.env,
        cwd: o.cwd,
        schema: job.data.options.schema ?? schema,
        signal: o.signal,
        logger: log,
      },
      {
        fleetJob: {
          leaseFence: leaseFence(schema, job.id, attempt),
          continueRunId: taken.runId,
          onRunStarted: (runId) => noteLeaseRun(conn.db, job.id, attempt, runId),
        },
      },
    );
  } catch (err) {
    crash = err;
  }
  if (stats?.errorCode === 'MOLIMPORT_LEASE_LOST' || crash instanceof LeaseLostError) {
    summary.leaseLost++;
    log.error(
      { ...where, err: stats?.error ?? errorMessage(crash) },
      'lease lost: another worker took this job over; stopped it without committing more',
    );
    return;
  }
  const exitCode = stats?.exitCode ?? 1;
  const error = stats?.error ?? (crash === undefined ? null : errorMessage(crash));
  // Interrupted by a signal: hand the job back; a fatal error: fail it (pg-boss retries it while
  // retries remain); completed, or stopped by the error limit: done, with that exit code.
  const outcome: 'completed' | 'failed' | 'handed-back' =
    exitCode === 130 ? 'handed-back' : exitCode === 0 || exitCode === 3 ? 'completed' : 'failed';
  const dbRejects = (stats?.rejectReasons['db-refused'] ?? 0) + (stats?.rejectReasons['duplicate-key'] ?? 0);
  const ended = await conn.db
    .transaction(async (tx) => {
      const state =
        outcome === 'handed-back'
          ? 'queued'
          : outcome === 'completed' && exitCode === 0
            ? 'completed'
            : 'failed';
      const ok = await endLease(tx, schema, job.id, attempt, {
        state,
        exitCode,
        error,
        extraRejected: dbRejects,
      });
      if (!ok) return 'lost' as const;
      const output = { exitCode, error, runId: stats?.runId ?? null, host: me.host, pid: me.pid };
      if (outcome !== 'completed') {
        await boss.fail(job.name, job.id, output, onTransaction(tx));
        return true;
      }
      // pg-boss 10.4.2 returns { affected } (its .d.ts says void): how many jobs it completed.
      const done = (await boss.complete(job.name, job.id, output, onTransaction(tx))) as unknown as {
        affected: number;
      };
      if (done.affected === 0) {
        // pg-boss expired the job (this attempt ran past --lease-seconds) and nobody took it over:
        // the lease row (still ours) now says done, but `complete` only ends an active job. Put it
        // back in the queue if the expiry used its last retry; whoever fetches it next finds the
        // row done and only completes it (closeEndedJob) — no second import, no false failure.
        await boss.retry(job.name, job.id, onTransaction(tx));
        return 'expired' as const;
      }
      return true;
    })
    .catch((err: unknown) => {
      log.error(
        { ...where, err: errorMessage(err) },
        'could not record the end of the job; its lease will expire',
      );
      return false;
    });
  if (ended === 'lost') {
    summary.leaseLost++;
    log.error(
      { ...where, err: error },
      'lease lost: another worker took this job over; left the job to it without recording this attempt',
    );
  }
  if (ended === 'expired')
    log.warn(
      { ...where, exitCode },
      'the job expired in the queue before it ended (it ran longer than --lease-seconds); its file is done and the next fetch only completes it',
    );
  if (ended !== true && ended !== 'expired') return;
  if (outcome === 'completed' && exitCode === 0) summary.completed++;
  else if (outcome === 'handed-back') summary.handedBack++;
  else summary.failed++;
  log.info({ ...where, outcome, exitCode, ...(error ? { err: error } : {}) }, 'job ended');
}

/**
 * The job came back although an earlier attempt finished its file for good (it had expired in the
 * queue meanwhile, see runJob): complete it with that attempt's outcome, importing nothing.
 */
async function closeEndedJob(
  conn: FleetConnection,
  boss: PgBoss,
  job: PgBoss.JobWithMetadata<FleetJobData>,
  ended: EndedLease,
  me: { host: string; pid: number },
  where: Record<string, unknown>,
  log: Logger,
): Promise<void> {
  const output = {
    exitCode: ended.exitCode,
    error: ended.error,
    runId: ended.runId,
    host: me.host,
    pid: me.pid,
  };
  await conn.db.transaction((tx) => boss.complete(job.name, job.id, output, onTransaction(tx)));
  log.info(
    { ...where, endedBy: ended.attempt, exitCode: ended.exitCode },
    'job already done by an earlier attempt whose lease had expired; completed it without importing again',
  );
}

/** The connection string with `application_name` set (it overrides the driver's default name). */
function withApplicationName(connectionString: string, name: string): string {
  try {
    const url = new URL(connectionString);
    url.searchParams.set('application_name', name);
    return url.toString();
  } catch {
    return connectionString; // not a URL: the sessions keep the driver's name (no takeover cleanup)
  }
}
