/**
 * The SQL of the fleet's own two tables, next to molimport_runs: the job sets (their import
 * options) and one lease row per file, which is also the fencing token (see src/fleet/leases.ts
 * for how attempts and batches use it). Each function is one statement; none throws for a lost
 * lease, it reports it (false, null, no row) for the fleet to decide.
 */
import type { SqlExecutor, SqlRow } from './driver.js';
import { qualifiedName, quoteIdent } from './identifiers.js';

/** One row per job set: its name, source, target table and stored import options. */
export const SETS_TABLE = 'molimport_fleet_sets';
/** One row per file of a set: the lease (attempt, worker, run, counts, end state). */
export const LEASES_TABLE = 'molimport_fleet_leases';

/** A file's state as the lease table records it (the queue's own state is pg-boss's). */
export type LeaseState = 'queued' | 'running' | 'completed' | 'failed';

/** What a batch adds to its lease row (the import's `FleetBatchCounts`). */
export interface LeaseCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  rejected: number;
}

/** One lease row. */
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
  counts: LeaseCounts;
  exitCode: number | null;
  error: string | null;
  takenAt: Date | null;
  updatedAt: Date | null;
  finishedAt: Date | null;
}

/** The two tables' qualified names in one schema. */
export interface FleetTables {
  sets: string;
  leases: string;
}

/** What the fleet's statements run on: autocommit statements (e.g. `DatabaseOperations`). */
export interface FleetDb {
  readonly schema: string;
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** The tables of `schema` (validated and quoted; `ConfigurationError` for an invalid name). */
export function fleetTables(schema: string): FleetTables {
  return {
    sets: qualifiedName({ schema, table: SETS_TABLE }),
    leases: qualifiedName({ schema, table: LEASES_TABLE }),
  };
}

/** Create the schema and both tables when missing. */
export async function ensureFleetTables(db: FleetDb): Promise<FleetTables> {
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

/** Inside the enqueue transaction: the set's row. */
export async function insertJobSet(
  tx: Pick<SqlExecutor, 'query'>,
  schema: string,
  set: { name: string; source: string; targetTable: string; options: unknown },
): Promise<void> {
  await tx.query(
    `INSERT INTO ${fleetTables(schema).sets} (set_name, source, target_table, options) VALUES ($1, $2, $3, $4::text::jsonb)`,
    [set.name, set.source, set.targetTable, JSON.stringify(set.options)],
  );
}

/** Inside the enqueue transaction: one file's lease row (state `queued`). */
export async function insertLease(
  tx: Pick<SqlExecutor, 'query'>,
  schema: string,
  lease: { setName: string; fileIndex: number; path: string; jobId: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO ${fleetTables(schema).leases} (set_name, file_index, path, job_id) VALUES ($1, $2, $3, $4)`,
    [lease.setName, lease.fileIndex, lease.path, lease.jobId],
  );
}

/** End the sessions named like `like` (SQL LIKE pattern) except `keep` and this one. */
export async function terminateSessions(db: FleetDb, like: string, keep: string): Promise<void> {
  await db.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE application_name LIKE $1 AND application_name <> $2 AND pid <> pg_backend_pid()`,
    [like, keep],
  );
}

/** A lease row whose file is done for good: completed, or stopped by its error limit (exit 3). */
const FINAL = `(state = 'completed' OR (state = 'failed' AND exit_code = 3))`;

/** What an earlier attempt recorded when it ended the file for good (see `claimLease`). */
export interface EndedLease {
  attempt: number;
  state: LeaseState;
  exitCode: number;
  error: string | null;
  runId: number | null;
}

/**
 * Mark the lease `running` under `attempt` when it holds an earlier attempt. Returns the run an
 * earlier attempt started (`runId: undefined` when none); `{ ended }` when an earlier attempt already
 * finished the file for good (completed, or stopped by its error limit) but could not complete the
 * job, because pg-boss had expired it meanwhile (it ran past its lease with nobody taking it over):
 * the caller only completes the job; or null when the row already holds this or a later attempt.
 */
export async function claimLease(
  db: FleetDb,
  jobId: string,
  attempt: number,
  worker: { host: string; pid: number },
): Promise<{ runId: number | undefined } | { ended: EndedLease } | null> {
  const t = fleetTables(db.schema);
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

/** Record the run `attempt` writes under; false when the lease is no longer `attempt`'s. */
export async function setLeaseRun(
  db: FleetDb,
  jobId: string,
  attempt: number,
  runId: number,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE ${fleetTables(db.schema).leases} SET run_id = $3, updated_at = now() WHERE job_id = $1 AND attempt = $2 RETURNING 1 AS ok`,
    [jobId, attempt, runId],
  );
  return rows.length > 0;
}

/** Inside a batch's transaction: add its counts to the lease row; false when the lease is no longer `attempt`'s. */
export async function countBatchOnLease(
  tx: Pick<SqlExecutor, 'query'>,
  schema: string,
  jobId: string,
  attempt: number,
  b: LeaseCounts,
): Promise<boolean> {
  const r = await tx.query(
    `UPDATE ${fleetTables(schema).leases} SET inserted = inserted + $3, updated = updated + $4, unchanged = unchanged + $5,
       duplicates = duplicates + $6, rejected = rejected + $7, updated_at = now()
     WHERE job_id = $1 AND attempt = $2`,
    [jobId, attempt, b.inserted, b.updated, b.unchanged, b.duplicates, b.rejected],
  );
  return r.rowCount > 0;
}

/** End `attempt` on the lease row, inside `tx`; false when the lease is no longer `attempt`'s. */
export async function endLease(
  tx: Pick<SqlExecutor, 'query'>,
  schema: string,
  jobId: string,
  attempt: number,
  end: { state: LeaseState; exitCode: number | null; error: string | null; extraRejected: number },
): Promise<boolean> {
  const r = await tx.query(
    `UPDATE ${fleetTables(schema).leases} SET state = $3, exit_code = $4, error = $5, rejected = rejected + $6, updated_at = now(),
       finished_at = CASE WHEN $3 IN ('completed', 'failed') THEN now() ELSE NULL END
     WHERE job_id = $1 AND attempt = $2`,
    [jobId, attempt, end.state, end.exitCode, end.error, end.extraRejected],
  );
  return r.rowCount > 0;
}

/** The sets that still have a file queued or running, by name. */
export async function openJobSets(db: FleetDb): Promise<string[]> {
  const rows = await db.query<{ set_name: string }>(
    `SELECT DISTINCT set_name FROM ${fleetTables(db.schema).leases} WHERE state IN ('queued', 'running') ORDER BY set_name`,
  );
  return rows.map((r) => r.set_name);
}

/** The lease rows of one set, or of all, by set and file. */
export async function readLeases(db: FleetDb, setName?: string): Promise<LeaseRow[]> {
  const rows = await db.query(
    `SELECT * FROM ${fleetTables(db.schema).leases} ${setName === undefined ? '' : 'WHERE set_name = $1'} ORDER BY set_name, file_index`,
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
