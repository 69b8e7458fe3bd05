/**
 * The sink's public face (the seed's "enhanced database operations"): the `db` that
 * `BatchProcessingManager` takes and the one the CLI uses. It composes the sink's rooms and adds
 * per-operation timings:
 * - open-driver.ts: which database, and its passwords;
 * - transactions.ts: connections, transactions, transient-error retry;
 * - batch-insert-sql.ts: the generic `batchInsert` statement (pure);
 * - molecule-writer.ts: one batch of molecules with its statuses;
 * - runs-ledger.ts: `molimport_runs` and `molimport_batches`;
 * - held-table-locks.ts: one importer per table, checked by every batch.
 */
import { InterruptedError } from '../errors.js';
import {
  buildBatchInsert,
  readBatchInsertResult,
  TABLE_SHAPE_SQL,
  tableShapeOf,
  type BatchInsertOptions,
  type BatchInsertResult,
  type TableShape,
} from './batch-insert-sql.js';
import { toDatabaseError } from './connection.js';
import type { DatabaseKind, SqlDriver, SqlRow } from './driver.js';
import { hostNotFoundError } from './host-not-found.js';
import { HeldTableLocks, LockMissing } from './held-table-locks.js';
import { qualifiedName, resolveTableTarget, validateIdentifier, type TableTarget } from './identifiers.js';
import { SILENT_LOGGER, type SinkLogger } from './logger.js';
import {
  summarize,
  withDirectCopyFallback,
  writeMoleculesInTransaction,
  type MoleculeBatchOptions,
  type MoleculeWriteResult,
} from './molecule-writer.js';
import { openDriver } from './open-driver.js';
import { OperationTimings, type OperationStats } from './operation-stats.js';
import { fillRetry, type DatabaseOperationsOptions } from './options.js';
import {
  RunsLedger,
  type CommittedRange,
  type RunRecord,
  type RunStartInfo,
  type RunStatus,
} from './runs-ledger.js';
import { ensureSchema } from './schema.js';
import { lockName, type LockWait, type ReleaseLock } from './table-lock.js';
import { isCommitFailure, TransactionRunner, type Transaction } from './transactions.js';
import { parseWriteMode } from './write-mode.js';

/** Options of {@link DatabaseOperations.writeMolecules}. */
export type WriteMoleculesOptions = Omit<MoleculeBatchOptions, 'bookkeepingSchema' | 'directCopy'> & {
  /** Run inside this transaction (no retry: the caller owns it; no direct COPY path either). */
  tx?: Transaction | undefined;
  /**
   * COPY a batch whose keys are all new straight into the table (see molecule-writer.ts); ignored
   * with `tx`. @default true
   */
  directCopy?: boolean;
};

/** How many times a batch takes the table lock again after its connection dropped, before failing. */
const MAX_RELOCKS = 3;

/**
 * Transactions on pooled connections, generic and molecule batch writes, transient-error retry,
 * the runs ledger, the per-table lock, and per-operation timings. Make one with
 * {@link DatabaseOperations.open}; `close()` it when done.
 */
export class DatabaseOperations {
  /** Schema of `molimport_runs` / `molimport_batches`, and of tables named without a schema. */
  readonly schema: string;
  readonly #driver: SqlDriver;
  readonly #logger: SinkLogger;
  readonly #runner: TransactionRunner;
  readonly #ledger: RunsLedger;
  readonly #locks: HeldTableLocks;
  readonly #timings: OperationTimings;
  readonly #tables = new Map<string, TableShape>();

  private constructor(
    driver: SqlDriver,
    schema: string,
    logger: SinkLogger,
    runner: TransactionRunner,
    timings: OperationTimings,
    secrets: readonly string[],
  ) {
    this.#driver = driver;
    this.schema = schema;
    this.#logger = logger;
    this.#runner = runner;
    this.#timings = timings;
    this.#ledger = new RunsLedger(
      schema,
      {
        query: (text, params) => this.query(text, params),
        queryUntimed: <R extends SqlRow>(text: string, params?: readonly unknown[]) =>
          runner.onClient(async (c) => (await c.query<R>(text, params)).rows),
        transaction: (fn) => runner.transaction(fn),
      },
      secrets,
    );
    this.#locks = new HeldTableLocks(driver, runner, logger, schema);
  }

  /**
   * Open the database `options` name and check the connection (`SELECT 1`, retried on transient
   * errors). Throws `ConfigurationError` for invalid options (more than one target, `schema` not a
   * plain identifier, `maxConnections` outside 1–100, retry values out of range), `DatabaseError`
   * (no password in it) when the database stays unreachable, `InterruptedError` when `signal`
   * aborts a retry's wait.
   */
  static async open(options: DatabaseOperationsOptions = {}): Promise<DatabaseOperations> {
    const logger = options.logger ?? SILENT_LOGGER;
    const schema = validateIdentifier(options.schema ?? 'public', 'schema name');
    const retry = fillRetry(options.retry);
    const { driver, secrets } = await openDriver(options, logger);
    const timings = new OperationTimings();
    const runner = new TransactionRunner(driver, {
      logger,
      secrets,
      retry,
      signal: options.signal,
      onRetry: options.onRetry ?? (() => undefined),
      timings,
    });
    const ops = new DatabaseOperations(driver, schema, logger, runner, timings, secrets);
    try {
      await runner.withRetry('connect', () => runner.onClient((c) => c.query('SELECT 1')));
    } catch (err) {
      await driver.close().catch(() => undefined);
      if (err instanceof InterruptedError) throw err;
      const wrapped = toDatabaseError(err, secrets, `cannot connect to ${driver.target}`);
      throw hostNotFoundError(wrapped, driver.target) ?? wrapped;
    }
    logger.info({ target: driver.target, kind: driver.kind }, 'database connected');
    return ops;
  }

  /** Where the data goes (password-free) and which kind of database it is. */
  describe(): { kind: DatabaseKind; target: string; maxConnections: number } {
    return {
      kind: this.#driver.kind,
      target: this.#driver.target,
      maxConnections: this.#driver.maxConnections,
    };
  }

  /**
   * Create the target table and the bookkeeping tables when missing (idempotent, race-safe),
   * retried on transient errors. `target` defaults to `molecules` in {@link schema}.
   */
  async ensureSchema(target: Partial<TableTarget> | string = {}): Promise<TableTarget> {
    const resolved = resolveTableTarget(target, this.schema);
    await this.#timings.time('ensureSchema', () =>
      this.#runner.withRetry('ensureSchema', () =>
        this.#runner.onClient((c) => ensureSchema(c, resolved, this.schema)),
      ),
    );
    this.#tables.clear();
    return resolved;
  }

  /**
   * Run `fn` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK and
   * rethrow when anything throws. A connection broken by an error is destroyed, not reused. Not
   * retried (the caller knows whether `fn` may run twice). The handle throws `DatabaseError` once
   * the transaction ended; every call throws `DatabaseError` after `close()`.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#timings.time('transaction', () => this.#runner.transaction(fn));
  }

  /** One statement outside any transaction (autocommit), not retried. Values only through `params`. */
  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#timings.time(
      'query',
      () => this.#runner.onClient(async (c) => (await c.query<R>(text, params)).rows),
      (rows) => rows.length,
    );
  }

  /**
   * Insert generic records (keys = column names, validated against the table) with one statement
   * whatever the batch size (see batch-insert-sql.ts). Without `tx`, in its own transaction,
   * retried on transient errors. Throws `ConfigurationError` for an invalid `mode`, a missing
   * table, an unknown or invalid column name, or upsert/replace into a table without a primary key
   * and no `conflictColumns`; `DatabaseError` when the database refuses the rows (e.g. 23505 in
   * `insert` mode: nothing of the call is written).
   */
  async batchInsert(options: BatchInsertOptions): Promise<BatchInsertResult> {
    const run = (tx: Transaction): Promise<BatchInsertResult> => this.#batchInsert(tx, options);
    return this.#timings.time(
      'batchInsert',
      () =>
        options.tx !== undefined
          ? run(options.tx)
          : this.#runner.withRetry('batchInsert', () => this.#runner.transaction(run)),
      (r) => r.inserted + r.updated,
    );
  }

  /**
   * Write one batch of molecules in one transaction (see `molecule-writer.ts` for the status rules),
   * with the resume ledger rows in the same transaction. Retries transient failures on a fresh
   * connection with exponential backoff; other errors propagate as `DatabaseError` for the engine
   * to split the batch. When the reply to COMMIT was lost, the ledger tells whether the batch
   * committed before it is written again. Into a table this instance locked, every batch checks
   * the lock inside its transaction and takes it again (up to 3 times) when its connection
   * dropped: `LockLostError` when another run has it. `ConfigurationError` for an invalid mode, a
   * ledger without `runId`, or a `seqOf` that is not a safe integer.
   */
  async writeMolecules(options: WriteMoleculesOptions): Promise<MoleculeWriteResult> {
    const { tx, directCopy, ...rest } = options;
    const batch: MoleculeBatchOptions = { ...rest, bookkeepingSchema: this.schema };
    const own = (b: MoleculeBatchOptions): Promise<MoleculeWriteResult> => {
      // Set when a COMMIT was sent and its reply lost: before writing again, ask the ledger.
      let commitUnknown = false;
      const fence = this.#locks.fenceOf(b.target);
      return this.#runner.withRetry('writeMolecules', async () => {
        if (commitUnknown && b.runId !== null && b.ledger !== undefined && b.ledger.length > 0) {
          const committed = await this.#ledger.committedStatuses(b.runId, b.ledger);
          if (committed !== undefined) {
            this.#logger.warn(
              { operation: 'writeMolecules', rows: committed.length },
              'the reply to COMMIT was lost but the batch is in the ledger: counted once, not written again',
            );
            return summarize(committed);
          }
          commitUnknown = false;
        }
        for (let relocks = 0; ; relocks++) {
          try {
            return await this.#runner.transaction(async (t) => {
              if (fence !== undefined) await this.#locks.check(t, fence);
              return writeMoleculesInTransaction(t, b);
            });
          } catch (err) {
            if (isCommitFailure(err)) commitUnknown = true;
            if (!(err instanceof LockMissing) || fence === undefined || relocks >= MAX_RELOCKS) throw err;
            await this.#locks.relock(fence);
          }
        }
      });
    };
    return this.#timings.time(
      'writeMolecules',
      () =>
        tx !== undefined
          ? writeMoleculesInTransaction(tx, batch)
          : withDirectCopyFallback({ ...batch, directCopy: directCopy ?? true }, own),
      (r) => r.statuses.length,
    );
  }

  // ---- runs and the resume ledger (runs-ledger.ts) ---------------------------------------------

  /**
   * Record a new run (status `running`) and return its id. With `continues`, in the same
   * transaction: the earlier run's committed ranges of the files that did not change are copied
   * into the new run's ledger under their new file positions (so the new run skips them, and so
   * does a resume of it), and the earlier run is marked `superseded`. Options and file
   * descriptions are stored without connection-string passwords.
   */
  async startRun(
    info: RunStartInfo,
    continues?: { runId: number; files: readonly { from: number; to: number }[] },
  ): Promise<number> {
    return this.#ledger.startRun(info, continues);
  }

  /** Mark an unfinished run `running` again (no end time): `--resume` continues it. */
  async reopenRun(runId: number): Promise<void> {
    return this.#ledger.reopenRun(runId);
  }

  /** Add keys to a run's recorded options (e.g. where its rejects go, known once it has an id). */
  async noteRunOptions(runId: number, options: Record<string, unknown>): Promise<void> {
    return this.#ledger.noteRunOptions(runId, options);
  }

  /** Record how a run ended, its stats (JSON) and error message (passwords scrubbed), and when. */
  async finishRun(runId: number, status: RunStatus, stats: unknown, error?: string): Promise<void> {
    return this.#ledger.finishRun(runId, status, stats, error);
  }

  /** Most recent runs first. `limit` 1–10,000 (else `ConfigurationError`). @default limit 20 */
  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    return this.#ledger.listRuns(options);
  }

  /** The run with this id, or undefined. */
  async getRun(runId: number): Promise<RunRecord | undefined> {
    return this.#ledger.getRun(runId);
  }

  /** The records a run has committed, per file, adjacent ranges merged, ordered by file and record. */
  async committedRanges(runId: number): Promise<CommittedRange[]> {
    return this.#ledger.committedRanges(runId);
  }

  /**
   * How many records of a run's committed ranges it rejected (see batch-outcome.ts), so a resumed
   * run can count them against its error limits; undefined for a ledger older than this version.
   */
  async committedRejects(runId: number): Promise<number | undefined> {
    return this.#ledger.committedRejects(runId);
  }

  /**
   * The latest run for this source and table, when it did not complete (running — e.g. killed —,
   * interrupted or failed). `fingerprintMatches` is false when the inputs changed since: refuse to
   * resume then.
   */
  async findResumableRun(query: {
    source: string;
    table: TableTarget | string;
    fingerprint?: string | undefined;
  }): Promise<{ run: RunRecord; fingerprintMatches: boolean } | undefined> {
    return this.#ledger.findResumableRun(query);
  }

  // ---- one importer per table (held-table-locks.ts) ---------------------------------------------

  /**
   * Make this process the only writer of `target`: a session advisory lock on a dedicated
   * connection (PostgreSQL drops it if the process dies). `wait: false` throws `TableLockedError`
   * at once when another run holds it (but see `patient`); a `signal` ends any wait with
   * `InterruptedError`. While it is held, every `writeMolecules` into `target` checks inside its
   * transaction that the lock is still held (see lock-fence.ts): when its connection dropped, the
   * lock is taken again, or, if another run has it, the write fails with `LockLostError`. On the
   * embedded database the lock is only in-process: one process owns its data directory, so no
   * other importer can reach the table.
   */
  async acquireTableLock(
    target: Partial<TableTarget> | string,
    options: Omit<LockWait, 'holderName'>,
  ): Promise<ReleaseLock> {
    return this.#locks.acquire(target, options);
  }

  /**
   * Name the connection holding `target`'s lock (`application_name`), e.g. after the run it
   * belongs to, so that a later `--resume` of that run can recognise its backends.
   */
  async labelTableLock(target: Partial<TableTarget> | string, label: string): Promise<void> {
    return this.#locks.label(target, label);
  }

  /**
   * Per-operation timings (`connect`, `ensureSchema`, `transaction`, `query`, `batchInsert`,
   * `writeMolecules`, and `<operation>.retry` counts): count, errors, total/p50/p95/max
   * milliseconds, rows. Percentiles come from a bounded sample (1,024 per operation).
   */
  getStats(): Record<string, OperationStats> {
    return this.#timings.snapshot();
  }

  /** Close the pool (not a `pool` you gave) or the embedded database. Idempotent. */
  async close(): Promise<void> {
    await this.#runner.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  async #batchInsert(tx: Transaction, options: BatchInsertOptions): Promise<BatchInsertResult> {
    const target = resolveTableTarget(options.table, this.schema);
    const mode = parseWriteMode(options.mode, 'insert');
    if (options.records.length === 0)
      return { ids: [], rows: [], inserted: 0, updated: 0, unchanged: 0, duplicates: 0 };
    const statement = buildBatchInsert(target, await this.#tableShape(tx, target), { ...options, mode });
    const result = await tx.query(statement.text, statement.params);
    return readBatchInsertResult(statement, result.rows);
  }

  async #tableShape(tx: Transaction, target: TableTarget): Promise<TableShape> {
    const key = lockName(target);
    const cached = this.#tables.get(key);
    if (cached !== undefined) return cached;
    const { rows } = await tx.query<{ attname: string; pk: boolean }>(TABLE_SHAPE_SQL, [
      qualifiedName(target),
    ]);
    const shape = tableShapeOf(target, rows);
    this.#tables.set(key, shape);
    return shape;
  }
}
