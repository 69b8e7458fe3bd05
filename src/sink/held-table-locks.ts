/**
 * The table locks one `DatabaseOperations` holds: the server's session advisory lock per target
 * (table-lock.ts) on its own connection, an in-process guard (the only lock on the embedded
 * database, which one process owns), and the fence every batch into a locked table checks inside
 * its transaction (lock-fence.ts), taking the lock again when its connection dropped.
 */
import { LockLostError, TableLockedError } from '../errors.js';
import type { SqlClient, SqlDriver, SqlExecutor } from './driver.js';
import { resolveTableTarget, type TableTarget } from './identifiers.js';
import { drainWriters, fenceHolds, lockHolder, sessionIdentity, type LockHolder } from './lock-fence.js';
import type { SinkLogger } from './logger.js';
import { lockName, takeAdvisoryLock, type LockWait, type ReleaseLock } from './table-lock.js';
import type { TransactionRunner } from './transactions.js';

/** The server-side table lock behind `acquire`, and what it takes to check and renew it. */
export interface Fence {
  name: string;
  target: TableTarget;
  session: SqlClient;
  release: ReleaseLock;
  holder: LockHolder;
  label: string | undefined;
  relocking?: Promise<void> | undefined;
}

/** Inside a batch transaction: the run's lock session no longer holds the table lock. */
export class LockMissing extends Error {
  constructor() {
    super('the table lock is no longer held by this run');
  }
}

/** The table locks of one `DatabaseOperations` instance. */
export class HeldTableLocks {
  readonly #driver: SqlDriver;
  readonly #runner: TransactionRunner;
  readonly #logger: SinkLogger;
  readonly #schema: string;
  /** Locks held by this instance (also guards the embedded database, which has no lock to take). */
  readonly #held = new Map<string, Promise<void>>();
  /** The tables this instance holds the server's advisory lock on, checked by every batch. */
  readonly #fences = new Map<string, Fence>();

  constructor(driver: SqlDriver, runner: TransactionRunner, logger: SinkLogger, schema: string) {
    this.#driver = driver;
    this.#runner = runner;
    this.#logger = logger;
    this.#schema = schema;
  }

  /** See `DatabaseOperations.acquireTableLock`. */
  async acquire(
    target: Partial<TableTarget> | string,
    options: Omit<LockWait, 'holderName'>,
  ): Promise<ReleaseLock> {
    const resolved = resolveTableTarget(target, this.#schema);
    const name = lockName(resolved);
    while (this.#held.has(name)) {
      if (!options.wait) throw new TableLockedError(name);
      await this.#held.get(name);
    }
    let releaseLocal!: () => void;
    this.#held.set(name, new Promise<void>((resolve) => (releaseLocal = resolve)));
    const dropLocal = (): void => {
      this.#held.delete(name);
      releaseLocal();
    };
    if (this.#driver.kind === 'embedded') {
      return () => Promise.resolve(dropLocal());
    }
    try {
      const fence = await this.#lockOnNewSession(resolved, {
        ...options,
        holderName: async () => (await this.#runner.onClient((c) => lockHolder(c, name)))?.applicationName,
      });
      this.#fences.set(name, fence);
      return async () => {
        try {
          if (this.#fences.get(name) === fence) this.#fences.delete(name);
          await fence.release();
        } finally {
          dropLocal();
        }
      };
    } catch (err) {
      dropLocal();
      throw err;
    }
  }

  /** See `DatabaseOperations.labelTableLock`. */
  async label(target: Partial<TableTarget> | string, label: string): Promise<void> {
    const fence = this.#fences.get(lockName(resolveTableTarget(target, this.#schema)));
    if (fence === undefined) return;
    fence.label = label;
    await fence.session.query("SELECT set_config('application_name', $1, false)", [label]);
  }

  /** The fence of `target` when this instance holds its server lock. */
  fenceOf(target: TableTarget): Fence | undefined {
    return this.#fences.get(lockName(target));
  }

  /** Inside a batch transaction: throw {@link LockMissing} unless `fence`'s session still holds the lock. */
  async check(tx: SqlExecutor, fence: Fence): Promise<void> {
    if (!(await fenceHolds(tx, fence.name, fence.holder))) throw new LockMissing();
  }

  /** The lock's connection dropped: take the lock again on a new one, or throw `LockLostError` if another run has it. */
  async relock(fence: Fence): Promise<void> {
    fence.relocking ??= (async () => {
      this.#logger.warn(
        { table: fence.name },
        'the table lock was lost with its connection; taking it again',
      );
      await fence.release().catch(() => undefined);
      let next: Fence;
      try {
        next = await this.#lockOnNewSession(fence.target, { wait: false });
      } catch (err) {
        if (err instanceof TableLockedError) throw new LockLostError(fence.name);
        throw err;
      }
      fence.session = next.session;
      fence.release = next.release;
      fence.holder = next.holder;
      if (fence.label !== undefined)
        await fence.session.query("SELECT set_config('application_name', $1, false)", [fence.label]);
      this.#logger.warn({ table: fence.name }, 'the table lock is held again');
    })().finally(() => {
      fence.relocking = undefined;
    });
    await fence.relocking;
  }

  async #lockOnNewSession(target: TableTarget, how: LockWait): Promise<Fence> {
    const name = lockName(target);
    const session = await this.#driver.openSession();
    try {
      const release = await takeAdvisoryLock(session, target, how);
      // Batches of an earlier holder (whose connection dropped) may still be in flight: let them end.
      await drainWriters(session, name);
      return { name, target, session, release, holder: await sessionIdentity(session), label: undefined };
    } catch (err) {
      session.release(true);
      throw err;
    }
  }
}
