/**
 * One importer per target table: a session-level advisory lock keyed by ('moli', hashtext of
 * "schema.table"), held on a dedicated connection for as long as the import runs. It is released
 * explicitly, or by PostgreSQL when that connection ends (including `kill -9` of the importer).
 */
import { InterruptedError, TableLockedError } from '../errors.js';
import type { SqlClient } from './driver.js';
import type { TableTarget } from './identifiers.js';
import { ADVISORY_LOCK_NAMESPACE } from './schema.js';

/** Gives a table lock back; the server also ends it when its connection ends. */
export type ReleaseLock = () => Promise<void>;

/** `schema.table`: the name a table lock (and messages) use for `target`. */
export function lockName(target: TableTarget): string {
  return `${target.schema}.${target.table}`;
}

/** How long to keep trying, and what else ends the wait. */
export interface LockWait {
  /** Wait for the holder to finish (`--wait-lock`). */
  wait: boolean;
  /** Ends any wait at once with `InterruptedError`. */
  signal?: AbortSignal | undefined;
  /**
   * Wait even without `wait`, up to `timeoutMs`, while the holder's connection is named
   * `applicationName`: the backends of a killed run that is being resumed, which end on their own.
   * `onWait` is called once when such a wait begins.
   */
  patient?: { applicationName: string; timeoutMs: number; onWait?: () => void } | undefined;
  /** Who holds the lock now (for `patient`). */
  holderName?: (() => Promise<string | undefined>) | undefined;
}

const POLL_MS = 200;

/**
 * Take the lock on `session` (which must stay open while it is held). Waiting polls the lock
 * rather than blocking in `pg_advisory_lock`, so a signal ends the wait at once.
 */
export async function takeAdvisoryLock(
  session: SqlClient,
  target: TableTarget,
  how: LockWait | boolean,
): Promise<ReleaseLock> {
  const opts: LockWait = typeof how === 'boolean' ? { wait: how } : how;
  const name = lockName(target);
  let patientUntil: number | undefined;
  for (;;) {
    if (opts.signal?.aborted) throw new InterruptedError('interrupted while waiting for the table lock');
    const { rows } = await session.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
      [ADVISORY_LOCK_NAMESPACE, name],
    );
    if (rows[0]?.ok === true) break;
    if (!opts.wait) {
      const p = opts.patient;
      if (p === undefined || opts.holderName === undefined) throw new TableLockedError(name);
      if (patientUntil === undefined) {
        if ((await opts.holderName()) !== p.applicationName) throw new TableLockedError(name);
        patientUntil = Date.now() + p.timeoutMs;
        p.onWait?.();
      } else if (Date.now() > patientUntil) {
        throw new TableLockedError(name);
      }
    }
    await sleep(POLL_MS, opts.signal);
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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
