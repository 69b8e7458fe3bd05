/**
 * The fleet's own two tables, next to molimport_runs: the sets (their import options) and one row
 * per file, which is also the fencing token. pg-boss hands out jobs; its retry count, copied here
 * when a worker takes a job, is the attempt (lease) number. Every batch transaction of that attempt
 * updates its row only while the attempt still matches, and the takeover by a later attempt updates
 * the same row: the row lock orders the two, so a batch either commits before the takeover (and the
 * new attempt's resume sees it in the ledger) or finds the lease gone and rolls back.
 */
import { LeaseLostError } from '../errors.js';
import type { FleetBatchCounts } from '../import/run-import.js';
import { qualifiedName, quoteIdent, type DatabaseOperations, type SqlExecutor } from '../sink/index.js';

const SESSION_PREFIX = 'mfleet:';

/** The `application_name` of an attempt's import sessions, so a later attempt can find them. */
export function sessionName(jobId: string, attempt: number): string {
  return `${SESSION_PREFIX}${jobId}:${attempt}`;
}

export const SETS_TABLE = 'molimport_fleet_sets';
export const LEASES_TABLE = 'molimport_fleet_leases';

/** A file's state as this table records it (the queue's own state is pg-boss's). */
export type LeaseState = 'queued' | 'running' | 'completed' | 'failed';

export interface LeaseRow {
  setName: string;
  fileIndex: number;
  path: string;
  jobId: string;
  attempt: number;
  attempts: number;
  state: LeaseState;
  workerHost: string | null;
  workerPid: number | null;
  runId: number | null;
  counts: FleetBatchCounts;
  exitCode: number | null;
  error: string | null;
  takenAt: Date | null;
  updatedAt: Date | null;
  finishedAt: Date | null;
}

export interface FleetTables {
  sets: string;
  leases: string;
}

export function fleetTables(schema: string): FleetTables {
  return {
    sets: qualifiedName({ schema, table: SETS_TABLE }),
    leases: qualifiedName({ schema, table: LEASES_TABLE }),
  };
}

export async function ensureFleetTables(db: DatabaseOperations): Promise<FleetTables> {
  const t = fleetTables(db.schema);
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db.schema)}`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${t.sets} (
       set_name text PRIMARY KEY,
       source text NOT NULL,
       target_table text NOT NULL,
       options jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now())`,
  );
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${t.leases} (
       set_name text NOT NULL REFERENCES ${t.sets} (set_name),
       file_index int NOT NULL,
       path text NOT NULL,
       job_id uuid NOT NULL UNIQUE,
       attempt int NOT NULL DEFAULT -1,
       attempts int NOT NULL DEFAULT 0,
       state text NOT NULL DEFAULT 'queued',
       worker_host text,
       worker_pid int,
       run_id bigint,
       inserted bigint NOT NULL DEFAULT 0,
       updated bigint NOT NULL DEFAULT 0,
       unchanged bigint NOT NULL DEFAULT 0,
       duplicates bigint NOT NULL DEFAULT 0,
       rejected bigint NOT NULL DEFAULT 0,
       exit_code int,
       error text,
       taken_at timestamptz,
       updated_at timestamptz,
       finished_at timestamptz,
       PRIMARY KEY (set_name, file_index))`,
  );
  return t;
}

/** A lease row whose file is done for good: completed, or stopped by its error limit (exit 3). */
const FINAL = `(state = 'completed' OR (state = 'failed' AND exit_code = 3))`;

/** What an earlier attempt recorded when it ended the file for good (see `takeLease`). */
export interface EndedLease {
  attempt: number;
  state: LeaseState;
  exitCode: number;
  error: string | null;
  runId: number | null;
}

/**
 * Record that attempt `attempt` holds the job. Returns the run an earlier attempt started (to
 * continue); `{ ended }` when an earlier attempt already finished the file for good (completed, or
 * stopped by its error limit) but could not complete the job, because pg-boss had expired it
 * meanwhile (it ran past its lease with nobody taking it over): the caller only completes the job;
 * or `null` when the row already holds this or a later attempt (a stale fetch).
 */
export async function takeLease(
  db: DatabaseOperations,
  jobId: string,
  attempt: number,
  worker: { host: string; pid: number },
): Promise<{ runId: number | undefined } | { ended: EndedLease } | null> {
  const t = fleetTables(db.schema);
  // Sessions of earlier attempts still open (a paused or cut-off worker) may hold row locks: on the
  // lease row, or on keys of an uncommitted batch this attempt is about to write again. The fence
  // keeps them from committing; ending their sessions keeps them from blocking this attempt.
  await db.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE application_name LIKE $1 AND application_name <> $2 AND pid <> pg_backend_pid()`,
    [`${SESSION_PREFIX}${jobId}:%`, sessionName(jobId, attempt)],
  );
  const rows = await db.query<{ run_id: string | null }>(
    `UPDATE ${t.leases} SET attempt = $2, attempts = attempts + 1, state = 'running', worker_host = $3,
       worker_pid = $4, taken_at = now(), updated_at = now(), exit_code = NULL, error = NULL
     WHERE job_id = $1 AND attempt < $2 AND NOT ${FINAL} RETURNING run_id`,
    [jobId, attempt, worker.host, worker.pid],
  );
  const row = rows[0];
  if (row !== undefined) return { runId: row.run_id === null ? undefined : Number(row.run_id) };
  const [done] = await db.query<{
    attempt: number;
    state: LeaseState;
    exit_code: number;
    error: string | null;
    run_id: string | null;
  }>(
    `SELECT attempt, state, exit_code, error, run_id FROM ${t.leases} WHERE job_id = $1 AND attempt < $2 AND ${FINAL}`,
    [jobId, attempt],
  );
  if (done === undefined) return null;
  return {
    ended: {
      attempt: Number(done.attempt),
      state: done.state,
      exitCode: Number(done.exit_code),
      error: done.error,
      runId: done.run_id === null ? null : Number(done.run_id),
    },
  };
}

function lost(jobId: string, attempt: number, what: string): LeaseLostError {
  return new LeaseLostError(
    `lease lost: job ${jobId} attempt ${attempt} was taken over by another worker; ${what}`,
  );
}

/** The run this attempt writes under (so a later attempt continues it). Fenced. */
export async function noteLeaseRun(
  db: DatabaseOperations,
  jobId: string,
  attempt: number,
  runId: number,
): Promise<void> {
  const t = fleetTables(db.schema);
  const rows = await db.query(
    `UPDATE ${t.leases} SET run_id = $3, updated_at = now() WHERE job_id = $1 AND attempt = $2 RETURNING 1 AS ok`,
    [jobId, attempt, runId],
  );
  if (rows.length === 0) throw lost(jobId, attempt, 'not starting the import');
}

/**
 * The fence of one batch, inside its transaction: count the batch on the lease row while the lease
 * is still this attempt's, else throw (the batch rolls back).
 */
export function leaseFence(
  schema: string,
  jobId: string,
  attempt: number,
): (tx: SqlExecutor, batch: FleetBatchCounts) => Promise<void> {
  const t = fleetTables(schema);
  return async (tx, b) => {
    const r = await tx.query(
      `UPDATE ${t.leases} SET inserted = inserted + $3, updated = updated + $4, unchanged = unchanged + $5,
         duplicates = duplicates + $6, rejected = rejected + $7, updated_at = now()
       WHERE job_id = $1 AND attempt = $2`,
      [jobId, attempt, b.inserted, b.updated, b.unchanged, b.duplicates, b.rejected],
    );
    if (r.rowCount === 0) throw lost(jobId, attempt, 'this batch rolled back and the worker stops the job');
  };
}

/**
 * End this attempt on the lease row, inside `tx` (where the caller also completes or fails the
 * job in the queue). False when the lease was lost: then the caller must not touch the job.
 */
export async function endLease(
  tx: SqlExecutor,
  schema: string,
  jobId: string,
  attempt: number,
  end: { state: LeaseState; exitCode: number | null; error: string | null; extraRejected: number },
): Promise<boolean> {
  const t = fleetTables(schema);
  const r = await tx.query(
    `UPDATE ${t.leases} SET state = $3, exit_code = $4, error = $5, rejected = rejected + $6, updated_at = now(),
       finished_at = CASE WHEN $3 IN ('completed', 'failed') THEN now() ELSE NULL END
     WHERE job_id = $1 AND attempt = $2`,
    [jobId, attempt, end.state, end.exitCode, end.error, end.extraRejected],
  );
  return r.rowCount > 0;
}

export async function readLeases(db: DatabaseOperations, setName?: string): Promise<LeaseRow[]> {
  const t = fleetTables(db.schema);
  const rows = await db.query(
    `SELECT * FROM ${t.leases} ${setName === undefined ? '' : 'WHERE set_name = $1'} ORDER BY set_name, file_index`,
    setName === undefined ? [] : [setName],
  );
  return rows.map((r) => ({
    setName: String(r.set_name),
    fileIndex: Number(r.file_index),
    path: String(r.path),
    jobId: String(r.job_id),
    attempt: Number(r.attempt),
    attempts: Number(r.attempts),
    state: r.state as LeaseState,
    workerHost: (r.worker_host as string | null) ?? null,
    workerPid: r.worker_pid === null ? null : Number(r.worker_pid),
    runId: r.run_id === null ? null : Number(r.run_id),
    counts: {
      inserted: Number(r.inserted),
      updated: Number(r.updated),
      unchanged: Number(r.unchanged),
      duplicates: Number(r.duplicates),
      rejected: Number(r.rejected),
    },
    exitCode: r.exit_code === null ? null : Number(r.exit_code),
    error: (r.error as string | null) ?? null,
    takenAt: (r.taken_at as Date | null) ?? null,
    updatedAt: (r.updated_at as Date | null) ?? null,
    finishedAt: (r.finished_at as Date | null) ?? null,
  }));
}
