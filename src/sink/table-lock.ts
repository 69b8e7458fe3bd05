/**
 * One importer per target table: a session-level advisory lock keyed by ('moli', hashtext of
 * "schema.table"), held on a dedicated connection for as long as the import runs. It is released
 * explicitly, or by PostgreSQL when that connection ends (including `kill -9` of the importer).
 */
import { TableLockedError } from '../errors.js';
import type { SqlClient } from './driver.js';
import type { TableTarget } from './identifiers.js';
import { ADVISORY_LOCK_NAMESPACE } from './schema.js';

// Defined in errors.ts with the other public errors; re-exported here for the sink's callers.
export { TableLockedError };

export type ReleaseLock = () => Promise<void>;

export function lockName(target: TableTarget): string {
  return `${target.schema}.${target.table}`;
}

/** Take the lock on `session` (which must stay open while it is held). */
export async function takeAdvisoryLock(
  session: SqlClient,
  target: TableTarget,
  wait: boolean,
): Promise<ReleaseLock> {
  const name = lockName(target);
  if (wait) {
    await session.query('SELECT pg_advisory_lock($1, hashtext($2))', [ADVISORY_LOCK_NAMESPACE, name]);
  } else {
    const { rows } = await session.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
      [ADVISORY_LOCK_NAMESPACE, name],
    );
    if (rows[0]?.ok !== true) throw new TableLockedError(name);
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      await session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [ADVISORY_LOCK_NAMESPACE, name]);
    } finally {
      // Ending the session drops the lock even if the unlock statement failed.
      session.release(true);
    }
  };
}
