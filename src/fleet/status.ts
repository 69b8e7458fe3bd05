/**
 * `molimport fleet status` and `fleet wait`: per file, the lease row (who, how far, how often) and
 * the queue's state; the totals in the contract of one run's JSON
 * (read = inserted + updated + unchanged + duplicates + rejected + skipped).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT_ERROR_LIMIT, EXIT_FATAL, EXIT_OK, UsageError } from '../errors.js';
import { connectFleet, type FleetTarget } from './connect.js';
import { ensureFleetTables, readLeases, type LeaseRow } from '../sink/fleet-leases.js';
import { openBoss, queueName, type PgBoss } from './queue.js';
import { emptyCounts, type RecordCounts } from '../import/stats.js';

export type FileState = 'queued' | 'running' | 'retrying' | 'completed' | 'failed';

/** Per file, with the counts of one run's JSON. */
export interface FleetFileStatus extends RecordCounts {
  set: string;
  path: string;
  state: FileState;
  worker: { host: string; pid: number } | null;
  attempts: number;
  runId: number | null;
  /** Records per second of the attempt now holding the file, or of the last one. */
  moleculesPerSecond: number;
  exitCode: number | null;
  error: string | null;
}

/** The set, with the totals of its files in the counts of one run's JSON. */
export interface FleetStatus extends RecordCounts {
  set: string | null;
  /** `completed`, `failed` or `running` (work left), like one run's status. */
  status: 'running' | 'completed' | 'failed';
  /** What `fleet wait` exits with once done: 0, 1 when a file failed, 3 when one hit its error limit. */
  exitCode: number;
  files: FleetFileStatus[];
  counts: Record<FileState, number>;
}

export async function fleetStatus(o: FleetTarget & { set?: string }): Promise<FleetStatus> {
  const conn = await connectFleet(o);
  let boss: PgBoss | undefined;
  try {
    await ensureFleetTables(conn.db);
    const leases = await readLeases(conn.db, o.set);
    if (o.set !== undefined && leases.length === 0) throw new UsageError(`no job set named ${o.set}`);
    boss = await openBoss({
      connectionString: conn.connectionString,
      supervise: false,
      onError: () => undefined,
    });
    const files: FleetFileStatus[] = [];
    for (const l of leases) {
      const job = await boss.getJobById(queueName(l.setName), l.jobId, { includeArchive: true });
      files.push(fileStatus(l, job?.state));
    }
    return summarize(o.set ?? null, files);
  } finally {
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await conn.db.close().catch(() => undefined);
  }
}

/** Poll until no file of the set is queued, running or retrying. */
export async function waitForSet(
  o: FleetTarget & { set: string; pollMs?: number; signal?: AbortSignal },
): Promise<FleetStatus> {
  for (;;) {
    const s = await fleetStatus(o);
    if (s.status !== 'running' || o.signal?.aborted) return s;
    await sleep(o.pollMs ?? 2_000, undefined, { signal: o.signal }).catch(() => undefined);
  }
}

function fileStatus(l: LeaseRow, queueState: string | undefined): FleetFileStatus {
  const state: FileState =
    queueState === 'completed'
      ? l.state === 'failed'
        ? 'failed'
        : 'completed'
      : queueState === 'failed' || queueState === 'cancelled'
        ? 'failed'
        : queueState === 'active'
          ? 'running'
          : queueState === 'retry'
            ? 'retrying'
            : 'queued';
  const c = l.counts;
  const read = c.inserted + c.updated + c.unchanged + c.duplicates + c.rejected;
  const end = l.finishedAt ?? l.updatedAt;
  const seconds = l.takenAt && end ? (end.getTime() - l.takenAt.getTime()) / 1000 : 0;
  return {
    set: l.setName,
    path: l.path,
    state,
    worker: l.workerHost === null || l.workerPid === null ? null : { host: l.workerHost, pid: l.workerPid },
    attempts: l.attempts,
    runId: l.runId,
    read,
    ...c,
    skipped: 0,
    // Over the whole file when one attempt did it all; else a rough figure over the last attempt.
    moleculesPerSecond: seconds > 0 ? Math.round(read / seconds) : 0,
    exitCode: l.exitCode,
    error: l.error,
  };
}

function summarize(set: string | null, files: FleetFileStatus[]): FleetStatus {
  const counts: Record<FileState, number> = { queued: 0, running: 0, retrying: 0, completed: 0, failed: 0 };
  const total = emptyCounts();
  for (const f of files) {
    counts[f.state]++;
    for (const k of Object.keys(total) as (keyof RecordCounts)[]) total[k] += f[k];
  }
  const done = counts.queued + counts.running + counts.retrying === 0;
  const failedFiles = files.filter((f) => f.state === 'failed');
  const exitCode =
    failedFiles.length === 0
      ? EXIT_OK
      : failedFiles.every((f) => f.exitCode === EXIT_ERROR_LIMIT)
        ? EXIT_ERROR_LIMIT
        : EXIT_FATAL;
  return {
    set,
    status: !done ? 'running' : exitCode === EXIT_OK ? 'completed' : 'failed',
    exitCode: done ? exitCode : EXIT_OK,
    files,
    ...total,
    counts,
  };
}
