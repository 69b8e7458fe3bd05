/**
 * Keeping the table lock honest when its connection drops (server restart, terminated backend).
 * The session advisory lock goes with its connection, so a run could go on writing while another
 * run takes the lock. Two locks and one check stop that:
 * - the table lock L (table-lock.ts), on the run's lock session, as before;
 * - a writer lock W on the same name: every batch transaction takes W shared, and a run that has
 *   just taken L takes W exclusively once, which waits for the batches of an earlier holder that
 *   are still in flight;
 * - the fence: inside every batch transaction, after W, a check that L is still held by this run's
 *   lock session (its pid and start time, so a reused pid cannot pass). A batch of a run whose lock
 *   is gone fails the check and rolls back; the run takes the lock again or stops.
 * Together: once a run holds L and has drained W, no batch of another run can commit.
 */
import type { SqlExecutor } from './driver.js';
import { ADVISORY_LOCK_NAMESPACE } from './schema.js';

/** The writer lock's first key ('molw'); the table lock's is ADVISORY_LOCK_NAMESPACE ('moli'). */
export const WRITER_LOCK_NAMESPACE = 0x6d6f6c77;

/** Who holds a table lock: its backend, identified across pid reuse. */
export interface LockHolder {
  pid: number;
  backendStart: string;
  applicationName: string;
}

/** The lock session's own identity, read on that session once it holds the lock. */
export async function sessionIdentity(session: SqlExecutor): Promise<LockHolder> {
  const { rows } = await session.query<{ pid: number; backend_start: string; application_name: string }>(
    `SELECT pid, backend_start::text AS backend_start, application_name
       FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
  );
  const row = rows[0];
  if (row === undefined) throw new Error('cannot read the lock session from pg_stat_activity');
  return { pid: Number(row.pid), backendStart: row.backend_start, applicationName: row.application_name };
}

/** The backend holding table lock `name`, if any. */
export async function lockHolder(db: SqlExecutor, name: string): Promise<LockHolder | undefined> {
  const { rows } = await db.query<{ pid: number; backend_start: string; application_name: string }>(
    `SELECT a.pid, a.backend_start::text AS backend_start, a.application_name
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
        AND l.classid = $1::bigint::oid AND l.objid = (hashtext($2)::bigint & 4294967295)::oid
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [ADVISORY_LOCK_NAMESPACE, name],
  );
  const row = rows[0];
  return row === undefined
    ? undefined
    : { pid: Number(row.pid), backendStart: row.backend_start, applicationName: row.application_name };
}

/**
 * Inside a batch transaction: take W shared (held to commit), then check that `holder` still holds
 * L. False means the lock was lost: the caller rolls back.
 */
export async function fenceHolds(tx: SqlExecutor, name: string, holder: LockHolder): Promise<boolean> {
  await tx.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [WRITER_LOCK_NAMESPACE, name]);
  const current = await lockHolder(tx, name);
  return current !== undefined && current.pid === holder.pid && current.backendStart === holder.backendStart;
}

/** On the lock session, right after taking L: wait for the batches of an earlier holder to end. */
export async function drainWriters(session: SqlExecutor, name: string): Promise<void> {
  await session.query('SELECT pg_advisory_lock($1, hashtext($2))', [WRITER_LOCK_NAMESPACE, name]);
  await session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [WRITER_LOCK_NAMESPACE, name]);
}
