/**
 * The sink's public face (the seed's "enhanced database operations"): transactions on pooled
 * connections, generic and molecule batch writes, transient-error retry, the runs/ledger API, the
 * per-table advisory lock, and per-operation timings. This is the `db` that
 * `BatchProcessingManager` takes and the one the CLI uses.
 */
import type pg from 'pg';
import {
  ConfigurationError,
  DatabaseError,
  errorMessage,
  InterruptedError,
  LockLostError,
} from '../errors.js';
import {
  redactUrl,
  resolveTarget,
  scrubSecrets,
  toDatabaseError,
  type ResolvedTarget,
} from './connection.js';
import type { DatabaseKind, SqlClient, SqlDriver, SqlExecutor, SqlRow } from './driver.js';
import {
  qualifiedName,
  quoteIdent,
  resolveTableTarget,
  validateIdentifier,
  type TableTarget,
} from './identifiers.js';
import { SILENT_LOGGER, type SinkLogger } from './logger.js';
import {
  summarize,
  withDirectCopyFallback,
  writeMoleculesInTransaction,
  type LedgerEntry,
  type MoleculeBatchOptions,
  type MoleculeWriteResult,
  type WriteMode,
  WRITE_MODES,
} from './molecule-writer.js';
import { committedRejectCount, committedStatuses } from './batch-outcome.js';
import { OperationTimings, type OperationStats } from './operation-stats.js';
import { PgDriver } from './pg-driver.js';
import { hostNotFoundError } from './host-not-found.js';

import { DEFAULT_RETRY, withRetry, type FilledRetryOptions, type RetryOptions } from './retry.js';
import { BATCHES_TABLE, ensureSchema, RUNS_TABLE } from './schema.js';
import { drainWriters, fenceHolds, lockHolder, sessionIdentity, type LockHolder } from './lock-fence.js';
import {
  lockName,
  TableLockedError,
  takeAdvisoryLock,
  type LockWait,
  type ReleaseLock,
} from './table-lock.js';

/**
 * Options of {@link DatabaseOperations.open}. Give at most one of `connectionString`, `pool` and
 * `embedded` (else `ConfigurationError`); with none, the target comes from `env`.
 */
export interface DatabaseOperationsOptions {
  /**
   * A PostgreSQL URL or keyword string. Its password never appears in messages or logs.
   * @default `DATABASE_URL`, then the `PG*` variables when `PGHOST` or `PGDATABASE` is set, then the embedded database
   */
  connectionString?: string | undefined;
  /** Use an existing `pg.Pool` (yours: `close()` does not end it, and its own size applies). @default none: a new pool */
  pool?: pg.Pool | undefined;
  /**
   * Use the embedded PGlite database (one connection, one process per data directory). `true` =
   * `./.molimport/pgdata`; `{ dataDir }` is created when missing. @default not embedded, unless nothing else is configured
   */
  embedded?: { dataDir?: string } | true | undefined;
  /** Pool size: connections (and so batches) in flight at once. Integer 1–100. Ignored for the embedded database (1) and for `pool`. @default 4 */
  maxConnections?: number;
  /**
   * Schema of the bookkeeping tables `molimport_runs` and `molimport_batches`, and of tables named
   * without a schema. A plain identifier: 1–63 letters, digits, `_`, not starting with a digit.
   * @default 'public'
   */
  schema?: string;
  /** pino-compatible logger; gets connection and retry lines, never row values or passwords. @default silent */
  logger?: SinkLogger | undefined;
  /**
   * Transient-error retry (connection loss, serialization failure, deadlock...) for `open`,
   * `writeMolecules`, `batchInsert` without `tx`, and `ensureSchema`; exponential backoff with jitter.
   * `maxRetries` 0–100, delays ≥ 0. @default { maxRetries: 6, baseDelayMs: 200, maxDelayMs: 5_000 }
   */
  retry?: RetryOptions | undefined;
  /** Called before each retry's backoff (after the logger's `warn` line), e.g. to show it at a terminal. */
  onRetry?: ((info: RetryNotice) => void) | undefined;
  /** Connect timeout per attempt, in ms. Ignored for the embedded database and for `pool`. @default 10_000 */
  connectionTimeoutMs?: number;
  /** Environment to resolve the target from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Ends every retry backoff at once, for the life of the instance (connecting included): the
   * operation then fails with `InterruptedError`. @default none
   */
  signal?: AbortSignal | undefined;
}

/**
 * A transaction handle: statements and COPY on the transaction's one connection. Valid only inside
 * the `transaction()` callback; using it afterwards throws `DatabaseError`.
 */
export type Transaction = SqlExecutor;

/** Options of {@link DatabaseOperations.batchInsert}. */
export interface BatchInsertOptions {
  /** `"table"` (in the bookkeeping schema), `"schema.table"`, or a target. The table must exist. */
  table: string | TableTarget;
  /**
   * The rows: keys are column names (checked against the table: an unknown column is a
   * `ConfigurationError`), values are converted by the column types; a missing key is NULL. Sent as
   * one JSON parameter, so any number of records is one statement (mind the memory: batch them).
   */
  records: readonly Record<string, unknown>[];
  /** Run inside this transaction (no retry: the caller owns it). @default its own transaction, retried on transient errors */
  tx?: Transaction | undefined;
  /**
   * `insert`: a conflict is a `DatabaseError` (SQLSTATE 23505); `upsert`: update rows whose data
   * differ; `skip`: keep existing rows. @default 'insert'
   */
  mode?: WriteMode;
  /** The conflict target for upsert/skip. @default the table's primary key (upsert); none (skip) */
  conflictColumns?: readonly string[];
  /** Columns to return for each inserted or updated row. @default ['id'] when the table has an id column */
  returning?: readonly string[];
}

/** What {@link DatabaseOperations.batchInsert} did; `inserted + updated + unchanged + duplicates` = records. */
export interface BatchInsertResult {
  /** `id` (or first returned column) of each inserted or updated row. int8 values are strings. */
  ids: unknown[];
  /** The returned columns of each inserted or updated row. */
  rows: SqlRow[];
  inserted: number;
  updated: number;
  /** upsert: identical rows not rewritten; skip: rows that already existed. */
  unchanged: number;
  /** Records whose conflict key appeared again later in the same call (the later one is written). */
  duplicates: number;
}

/** `superseded`: an unfinished run whose inputs changed, continued by a newer run (`--resume`). */
export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted' | 'superseded';

export interface RunStartInfo {
  source: string;
  target: TableTarget | string;
  /** JSON-serialisable description of the inputs. */
  files?: unknown;
  /** JSON-serialisable options, without secrets (known passwords are scrubbed anyway). */
  options?: unknown;
  /** Fingerprint of the inputs (sizes, hashes) to refuse resuming changed files. */
  inputFingerprint?: string | undefined;
}

export interface RunRecord {
  id: number;
  startedAt: Date;
  finishedAt: Date | null;
  status: string;
  source: string | null;
  targetTable: string | null;
  files: unknown;
  options: unknown;
  stats: unknown;
  error: string | null;
  inputFingerprint: string | null;
}

export interface CommittedRange {
  fileIndex: number;
  fileKey: string;
  firstRecord: number;
  lastRecord: number;
  rows: number;
}

export type WriteMoleculesOptions = Omit<MoleculeBatchOptions, 'bookkeepingSchema' | 'directCopy'> & {
  /** Run inside this transaction (no retry: the caller owns it; no direct COPY path either). */
  tx?: Transaction | undefined;
  /**
   * COPY a batch whose keys are all new straight into the table (see molecule-writer.ts); ignored
   * with `tx`. @default true
   */
  directCopy?: boolean;
};

interface TableInfo {
  columns: Set<string>;
  primaryKey: string[];
}

const MAX_CONNECTIONS_LIMIT = 100;

/** One retry of a transient database error, as `onRetry` receives it (no password in `message`). */
export interface RetryNotice {
  /** `connect`, `ensureSchema`, `writeMolecules` or `batchInsert`. */
  operation: string;
  /** 1-based: the retry about to happen. */
  attempt: number;
  maxRetries: number;
  delayMs: number;
  message: string;
}

/** The server-side table lock behind `acquireTableLock`, and what it takes to check and renew it. */
interface Fence {
  name: string;
  target: TableTarget;
  session: SqlClient;
  release: ReleaseLock;
  holder: LockHolder;
  label: string | undefined;
  relocking?: Promise<void> | undefined;
}

/** Inside a batch transaction: the run's lock session no longer holds the table lock. */
class LockMissing extends Error {
  constructor() {
    super('the table lock is no longer held by this run');
  }
}

/** Errors thrown by a COMMIT statement (the transaction may or may not have committed). */
const commitFailures = new WeakSet<object>();

export class DatabaseOperations {
  /** Schema of `molimport_runs` / `molimport_batches`. */
  readonly schema: string;
  readonly #driver: SqlDriver;
  readonly #logger: SinkLogger;
  readonly #retry: FilledRetryOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #secrets: readonly string[];
  readonly #onRetry: (info: RetryNotice) => void;
  readonly #timings = new OperationTimings();
  readonly #tables = new Map<string, TableInfo>();
  /** Locks held by this instance (also guards the embedded database, which has no lock to take). */
  readonly #heldLocks = new Map<string, Promise<void>>();
  /** The tables this instance holds the server's advisory lock on, checked by every batch. */
  readonly #fences = new Map<string, Fence>();
  #closed = false;

  private constructor(
    driver: SqlDriver,
    schema: string,
    logger: SinkLogger,
    retry: FilledRetryOptions,
    secrets: readonly string[],
    signal: AbortSignal | undefined,
    onRetry: (info: RetryNotice) => void = () => undefined,
  ) {
    this.#signal = signal;
    this.#driver = driver;
    this.schema = schema;
    this.#logger = logger;
    this.#retry = retry;
    this.#secrets = secrets;
    this.#onRetry = onRetry;
  }

  /** Connect (with retry) and return a ready instance. Throws `DatabaseError` (no password in it) when unreachable. */
  static async open(options: DatabaseOperationsOptions = {}): Promise<DatabaseOperations> {
    const logger = options.logger ?? SILENT_LOGGER;
    const schema = validateIdentifier(options.schema ?? 'public', 'schema name');
    const retry = fillRetry(options.retry);
    const maxConnections = options.maxConnections ?? 4;
    if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > MAX_CONNECTIONS_LIMIT) {
      throw new ConfigurationError(
        `maxConnections must be an integer from 1 to ${MAX_CONNECTIONS_LIMIT}, got ${String(maxConnections)}`,
      );
    }
    const chosen = [
      options.connectionString !== undefined,
      options.pool !== undefined,
      options.embedded !== undefined,
    ].filter(Boolean);
    if (chosen.length > 1)
      throw new ConfigurationError('give at most one of connectionString, pool and embedded');

    let driver: SqlDriver;
    let secrets: string[] = [];
    if (options.pool !== undefined) {
      const o = options.pool.options;
      const display =
        o.connectionString !== undefined
          ? redactUrl(o.connectionString)
          : `postgres://${o.user ?? ''}@${o.host ?? 'localhost'}:${o.port ?? 5432}/${o.database ?? ''}`;
      secrets = typeof o.password === 'string' && o.password !== '' ? [o.password] : [];
      driver = new PgDriver({ pool: options.pool, display, secrets, logger });
    } else {
      const target: ResolvedTarget =
        options.embedded !== undefined
          ? resolveTarget({
              env: {},
              embeddedDataDir: options.embedded === true ? undefined : options.embedded.dataDir,
            })
          : resolveTarget({ url: options.connectionString, env: options.env ?? process.env });
      secrets = target.secrets;
      driver =
        target.kind === 'embedded'
          ? // Loaded only for the embedded database: a PostgreSQL user's process never loads PGlite.
            await (await import('./pglite-driver.js')).PgliteDriver.open(target.dataDir)
          : new PgDriver({
              connectionString: target.connectionString,
              display: target.display,
              secrets,
              maxConnections,
              connectionTimeoutMs: options.connectionTimeoutMs,
              logger,
            });
    }
    const ops = new DatabaseOperations(
      driver,
      schema,
      logger,
      retry,
      secrets,
      options.signal,
      options.onRetry,
    );
    try {
      await ops.#withRetry('connect', () => ops.#onClient((c) => c.query('SELECT 1')));
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

  /** Create the target table and the bookkeeping tables when missing (idempotent, race-safe). */
  async ensureSchema(target: Partial<TableTarget> | string = {}): Promise<TableTarget> {
    const resolved = resolveTableTarget(target, this.schema);
    await this.#timings.time('ensureSchema', () =>
      this.#withRetry('ensureSchema', () => this.#onClient((c) => ensureSchema(c, resolved, this.schema))),
    );
    this.#tables.clear();
    return resolved;
  }

  /**
   * Run `fn` in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK and
   * rethrow when anything throws. A connection broken by an error is destroyed, not reused.
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#timings.time('transaction', () => this.#transaction(fn));
  }

  /** One statement outside any transaction (autocommit). Values only through `params`. */
  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#timings.time(
      'query',
      () => this.#onClient(async (c) => (await c.query<R>(text, params)).rows),
      (rows) => rows.length,
    );
  }

  /**
   * Insert generic records (keys = column names, validated against the table) with one statement
   * whatever the batch size: the records travel as one JSON parameter expanded by
   * `jsonb_populate_recordset`, typed by the table itself.
   */
  async batchInsert(options: BatchInsertOptions): Promise<BatchInsertResult> {
    const run = (tx: Transaction): Promise<BatchInsertResult> => this.#batchInsert(tx, options);
    return this.#timings.time(
      'batchInsert',
      () =>
        options.tx !== undefined
          ? run(options.tx)
          : this.#withRetry('batchInsert', () => this.#transaction(run)),
      (r) => r.inserted + r.updated,
    );
  }

  /**
   * Write one batch of molecules in one transaction (see `molecule-writer.ts` for the status rules),
   * with the resume ledger rows in the same transaction. Retries transient failures on a fresh
   * connection with exponential backoff; other errors propagate as `DatabaseError` for the engine
   * to split the batch.
   */
  async writeMolecules(options: WriteMoleculesOptions): Promise<MoleculeWriteResult> {
    const { tx, directCopy, ...rest } = options;
    const batch: MoleculeBatchOptions = { ...rest, bookkeepingSchema: this.schema };
    const own = (b: MoleculeBatchOptions): Promise<MoleculeWriteResult> => {
      // Set when a COMMIT was sent and its reply lost: before writing again, ask the ledger.
      let commitUnknown = false;
      const fence = this.#fences.get(lockName(b.target));
      return this.#withRetry('writeMolecules', async () => {
        if (commitUnknown && b.runId !== null && b.ledger !== undefined && b.ledger.length > 0) {
          const committed = await this.#onClient((c) =>
            committedStatuses(c, this.schema, b.runId as number, b.ledger ?? []),
          );
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
            return await this.#transaction(async (t) => {
              if (fence !== undefined && !(await fenceHolds(t, fence.name, fence.holder)))
                throw new LockMissing();
              return writeMoleculesInTransaction(t, b);
            });
          } catch (err) {
            if (commitFailures.has(err as object)) commitUnknown = true;
            if (!(err instanceof LockMissing) || fence === undefined || relocks >= 3) throw err;
            await this.#relock(fence);
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

  // ---- runs and the resume ledger -------------------------------------------------------------

  /**
   * Record a new run (status `running`) and return its id. With `continues`, in the same
   * transaction: the earlier run's committed ranges of the files that did not change are copied
   * into the new run's ledger under their new file positions (so the new run skips them, and so
   * does a resume of it), and the earlier run is marked `superseded`.
   */
  async startRun(
    info: RunStartInfo,
    continues?: { runId: number; files: readonly { from: number; to: number }[] },
  ): Promise<number> {
    const target = resolveTableTarget(info.target, this.schema);
    return this.#transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO ${this.#books(RUNS_TABLE)} (status, source, target_table, files, options, input_fingerprint)
         VALUES ('running', $1, $2, $3::text::jsonb, $4::text::jsonb, $5) RETURNING id`,
        [
          info.source,
          lockName(target),
          this.#json(info.files ?? null),
          this.#json(info.options ?? null),
          info.inputFingerprint ?? null,
        ],
      );
      const id = Number(rows[0]?.id);
      if (continues !== undefined) {
        // A batch's statuses sit on its first range only: a copied range whose batch began in a
        // file that is not carried over would miscount its rejects, so '' becomes unknown (NULL).
        await tx.query(
          `INSERT INTO ${this.#books(BATCHES_TABLE)} (run_id, file_index, file_key, first_record, last_record, rows, committed_at, statuses)
           SELECT $1, m.to_index, b.file_key, b.first_record, b.last_record, b.rows, b.committed_at, NULLIF(b.statuses, '')
             FROM ${this.#books(BATCHES_TABLE)} b
             JOIN unnest($3::int[], $4::int[]) AS m(from_index, to_index) ON m.from_index = b.file_index
            WHERE b.run_id = $2`,
          [id, continues.runId, continues.files.map((f) => f.from), continues.files.map((f) => f.to)],
        );
        await tx.query(
          `UPDATE ${this.#books(RUNS_TABLE)} SET status = 'superseded', finished_at = coalesce(finished_at, now()),
             error = coalesce(error || '; ', '') || 'continued by run ' || $2::text WHERE id = $1`,
          [continues.runId, id],
        );
      }
      return id;
    });
  }

  /** Add keys to a run's recorded options (e.g. where its rejects go, known once it has an id). */
  async noteRunOptions(runId: number, options: Record<string, unknown>): Promise<void> {
    await this.query(
      `UPDATE ${this.#books(RUNS_TABLE)} SET options = coalesce(options, '{}'::jsonb) || $2::text::jsonb WHERE id = $1`,
      [runId, this.#json(options)],
    );
  }

  async finishRun(runId: number, status: RunStatus, stats: unknown, error?: string): Promise<void> {
    await this.query(
      `UPDATE ${this.#books(RUNS_TABLE)} SET status = $2, finished_at = now(), stats = $3::text::jsonb, error = $4 WHERE id = $1`,
      [
        runId,
        status,
        this.#json(stats ?? null),
        error === undefined ? null : scrubSecrets(error, this.#secrets),
      ],
    );
  }

  /** Most recent runs first. @param limit @default 20 (limits: 1-10_000) */
  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new ConfigurationError(`limit must be an integer from 1 to 10000, got ${String(limit)}`);
    const rows = await this.query(`SELECT * FROM ${this.#books(RUNS_TABLE)} ORDER BY id DESC LIMIT $1`, [
      limit,
    ]);
    return rows.map(toRunRecord);
  }

  async getRun(runId: number): Promise<RunRecord | undefined> {
    const rows = await this.query(`SELECT * FROM ${this.#books(RUNS_TABLE)} WHERE id = $1`, [runId]);
    return rows[0] === undefined ? undefined : toRunRecord(rows[0]);
  }

  /** The records a run has committed, per file, adjacent ranges merged, ordered by file and record. */
  async committedRanges(runId: number): Promise<CommittedRange[]> {
    const rows = await this.query<{
      file_index: number;
      file_key: string;
      first_record: string;
      last_record: string;
      rows: number;
    }>(
      `SELECT file_index, file_key, first_record, last_record, rows FROM ${this.#books(BATCHES_TABLE)}
       WHERE run_id = $1 ORDER BY file_index, file_key, first_record`,
      [runId],
    );
    const merged: CommittedRange[] = [];
    for (const r of rows) {
      const range: CommittedRange = {
        fileIndex: Number(r.file_index),
        fileKey: r.file_key,
        firstRecord: Number(r.first_record),
        lastRecord: Number(r.last_record),
        rows: Number(r.rows),
      };
      const last = merged.at(-1);
      if (
        last !== undefined &&
        last.fileIndex === range.fileIndex &&
        last.fileKey === range.fileKey &&
        range.firstRecord <= last.lastRecord + 1
      ) {
        last.lastRecord = Math.max(last.lastRecord, range.lastRecord);
        last.rows += range.rows;
      } else {
        merged.push(range);
      }
    }
    return merged;
  }

  /**
   * How many records of a run's committed ranges it rejected (see batch-outcome.ts), so a resumed
   * run can count them against its error limits; undefined for a ledger older than this version.
   */
  async committedRejects(runId: number): Promise<number | undefined> {
    return this.#onClient((c) => committedRejectCount(c, this.schema, runId));
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
    const target = resolveTableTarget(query.table, this.schema);
    const rows = await this.query(
      `SELECT * FROM ${this.#books(RUNS_TABLE)} WHERE source = $1 AND target_table = $2 ORDER BY id DESC LIMIT 1`,
      [query.source, lockName(target)],
    );
    const latest = rows[0] === undefined ? undefined : toRunRecord(rows[0]);
    if (latest === undefined || latest.status === 'completed') return undefined;
    return {
      run: latest,
      fingerprintMatches: query.fingerprint === undefined || query.fingerprint === latest.inputFingerprint,
    };
  }

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
    const resolved = resolveTableTarget(target, this.schema);
    const name = lockName(resolved);
    while (this.#heldLocks.has(name)) {
      if (!options.wait) throw new TableLockedError(name);
      await this.#heldLocks.get(name);
    }
    let releaseLocal!: () => void;
    this.#heldLocks.set(name, new Promise<void>((resolve) => (releaseLocal = resolve)));
    const dropLocal = (): void => {
      this.#heldLocks.delete(name);
      releaseLocal();
    };
    if (this.#driver.kind === 'embedded') {
      return async () => dropLocal();
    }
    try {
      const fence = await this.#lockOnNewSession(resolved, {
        ...options,
        holderName: async () => (await this.#onClient((c) => lockHolder(c, name)))?.applicationName,
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

  /**
   * Name the connection holding `target`'s lock (`application_name`), e.g. after the run it
   * belongs to, so that a later `--resume` of that run can recognise its backends.
   */
  async labelTableLock(target: Partial<TableTarget> | string, label: string): Promise<void> {
    const fence = this.#fences.get(lockName(resolveTableTarget(target, this.schema)));
    if (fence === undefined) return;
    fence.label = label;
    await fence.session.query("SELECT set_config('application_name', $1, false)", [label]);
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

  /** The lock's connection dropped: take the lock again on a new one, or stop if another run has it. */
  async #relock(fence: Fence): Promise<void> {
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

  /** Per-operation timings: count, errors, total/p50/p95/max milliseconds, rows. */
  getStats(): Record<string, OperationStats> {
    return this.#timings.snapshot();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  async #onClient<T>(fn: (client: SqlClient, discard: () => void) => Promise<T>): Promise<T> {
    if (this.#closed) throw new DatabaseError('the database operations object is closed');
    const client = await this.#driver.checkout();
    let destroy = false;
    try {
      return await fn(client, () => (destroy = true));
    } finally {
      client.release(destroy || client.broken);
    }
  }

  async #transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#onClient(async (client, discard) => {
      await client.query('BEGIN');
      let open = true;
      const guard = (): void => {
        if (!open) throw new DatabaseError('transaction handle used after its transaction ended');
      };
      const tx: Transaction = {
        query: (text, params) => (guard(), client.query(text, params)),
        copyFrom: (sql, data) => (guard(), client.copyFrom(sql, data)),
      };
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        open = false;
        if (!client.broken) {
          await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
            // The session state is unknown: never hand this connection out again.
            this.#logger.warn(
              { err: scrubSecrets(errorMessage(rollbackErr), this.#secrets) },
              'rollback failed; discarding the connection',
            );
            discard();
          });
        }
        throw err;
      }
      open = false;
      try {
        await client.query('COMMIT');
      } catch (err) {
        // The server may have committed before the connection broke: the outcome is unknown.
        if (typeof err === 'object' && err !== null) commitFailures.add(err);
        throw err;
      }
      return result;
    });
  }

  async #withRetry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(
      fn,
      this.#retry,
      (err, attempt, delayMs) => {
        this.#timings.record(`${operation}.retry`, 0);
        const message = scrubSecrets(errorMessage(err), this.#secrets);
        const maxRetries = this.#retry.maxRetries;
        this.#logger.warn(
          { operation, attempt, maxRetries, delayMs, err: message },
          'transient database error; retrying',
        );
        try {
          this.#onRetry({ operation, attempt, maxRetries, delayMs, message });
        } catch {
          // A listener's failure must not turn a retry into a failed run.
        }
      },
      (ms) => abortableSleep(ms, this.#signal, `interrupted while retrying ${operation}`),
    );
  }

  async #batchInsert(tx: Transaction, options: BatchInsertOptions): Promise<BatchInsertResult> {
    const target = resolveTableTarget(options.table, this.schema);
    const table = qualifiedName(target);
    const mode = options.mode ?? 'insert';
    if (!WRITE_MODES.includes(mode))
      throw new ConfigurationError(
        `invalid mode ${JSON.stringify(mode)}: expected ${WRITE_MODES.join(', ')}`,
      );
    const overwrites = mode === 'upsert' || mode === 'replace';
    const empty: BatchInsertResult = {
      ids: [],
      rows: [],
      inserted: 0,
      updated: 0,
      unchanged: 0,
      duplicates: 0,
    };
    if (options.records.length === 0) return empty;
    const info = await this.#tableInfo(tx, target);

    const columns: string[] = [];
    const seen = new Set<string>();
    for (const record of options.records) {
      for (const key of Object.keys(record)) {
        if (seen.has(key)) continue;
        seen.add(key);
        validateIdentifier(key, 'column name');
        if (!info.columns.has(key))
          throw new ConfigurationError(`table ${lockName(target)} has no column ${JSON.stringify(key)}`);
        columns.push(key);
      }
    }
    const conflict = [...(options.conflictColumns ?? (overwrites ? info.primaryKey : []))];
    conflict.forEach((c) => validateIdentifier(c, 'conflict column'));
    if (overwrites && conflict.length === 0) {
      throw new ConfigurationError(
        `${mode} into ${lockName(target)} needs conflictColumns (the table has no primary key)`,
      );
    }
    const returning = [...(options.returning ?? (info.columns.has('id') ? ['id'] : []))];
    returning.forEach((c) => {
      if (!info.columns.has(validateIdentifier(c, 'returning column')))
        throw new ConfigurationError(`table ${lockName(target)} has no column ${JSON.stringify(c)}`);
    });

    // The later record of a conflict key wins (ON CONFLICT DO UPDATE cannot touch a row twice).
    let records = options.records;
    let duplicates = 0;
    if (mode !== 'insert' && conflict.length > 0) {
      const lastIndex = new Map<string, number>();
      records.forEach((r, i) => lastIndex.set(jsonText(conflict.map((c) => r[c] ?? null)), i));
      records = records.filter((r, i) => lastIndex.get(jsonText(conflict.map((c) => r[c] ?? null))) === i);
      duplicates = options.records.length - records.length;
    }

    const cols = columns.map((c) => quoteIdent(c)).join(', ');
    let onConflict = '';
    if (mode !== 'insert') {
      const targetCols = conflict.length > 0 ? ` (${conflict.map((c) => quoteIdent(c)).join(', ')})` : '';
      const updatable = columns.filter((c) => !conflict.includes(c));
      if (mode === 'skip' || updatable.length === 0) {
        onConflict = ` ON CONFLICT${targetCols} DO NOTHING`;
      } else {
        // upsert merges: a null (or absent) incoming value keeps the stored one; replace overwrites.
        const incoming = (c: string): string =>
          mode === 'upsert'
            ? `COALESCE(EXCLUDED.${quoteIdent(c)}, t.${quoteIdent(c)})`
            : `EXCLUDED.${quoteIdent(c)}`;
        const set = updatable.map((c) => `${quoteIdent(c)} = ${incoming(c)}`).join(', ');
        const oldRow = updatable.map((c) => `t.${quoteIdent(c)}`).join(', ');
        const newRow = updatable.map(incoming).join(', ');
        onConflict = ` ON CONFLICT${targetCols} DO UPDATE SET ${set} WHERE (${oldRow}, NULL) IS DISTINCT FROM (${newRow}, NULL)`;
      }
    }
    const ret = ['(t.xmax = 0) AS molimport_inserted', ...returning.map((c) => `t.${quoteIdent(c)}`)].join(
      ', ',
    );
    const result = await tx.query(
      `INSERT INTO ${table} AS t (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::${table}, $1::text::jsonb)${onConflict} RETURNING ${ret}`,
      [jsonText(records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))))],
    );
    let inserted = 0;
    const rows: SqlRow[] = [];
    for (const row of result.rows) {
      const { molimport_inserted: wasInserted, ...rest } = row;
      if (wasInserted === true) inserted++;
      rows.push(rest);
    }
    const firstReturned = returning[0];
    return {
      ids: firstReturned === undefined ? [] : rows.map((r) => r[firstReturned]),
      rows,
      inserted,
      updated: rows.length - inserted,
      unchanged: records.length - rows.length,
      duplicates,
    };
  }

  async #tableInfo(tx: Transaction, target: TableTarget): Promise<TableInfo> {
    const key = lockName(target);
    const cached = this.#tables.get(key);
    if (cached !== undefined) return cached;
    const table = qualifiedName(target);
    const { rows } = await tx.query<{ attname: string; pk: boolean }>(
      `SELECT a.attname, COALESCE(a.attnum = ANY(i.indkey), false) AS pk
       FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table],
    );
    if (rows.length === 0) throw new ConfigurationError(`table ${key} does not exist`);
    const info: TableInfo = {
      columns: new Set(rows.map((r) => r.attname)),
      primaryKey: rows.filter((r) => r.pk).map((r) => r.attname),
    };
    this.#tables.set(key, info);
    return info;
  }

  #books(table: string): string {
    return qualifiedName({ schema: this.schema, table });
  }

  /**
   * JSON for the runs table. Redacted value by value, never by replacing text in the JSON (a
   * password such as `2000` or `test` would corrupt it): strings holding a connection string lose
   * its password. Error messages are scrubbed where they are made (`toDatabaseError`).
   */
  #json(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v !== 'string') return v;
      return /^[a-z][a-z0-9+.-]*:\/\/|password\s*=/i.test(v) ? redactUrl(v) : v;
    });
  }
}

/** Sleep `ms`, or reject with `InterruptedError` as soon as `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal | undefined, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError(message));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError(message));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function fillRetry(retry: RetryOptions | undefined): FilledRetryOptions {
  const filled = { ...DEFAULT_RETRY, ...retry };
  for (const [key, value] of Object.entries(filled)) {
    if (!Number.isFinite(value) || value < 0)
      throw new ConfigurationError(`retry.${key} must be a non-negative number, got ${String(value)}`);
  }
  if (filled.maxRetries > 100)
    throw new ConfigurationError(`retry.maxRetries must be at most 100, got ${filled.maxRetries}`);
  return filled;
}

function toRunRecord(row: SqlRow): RunRecord {
  const date = (v: unknown): Date | null =>
    v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v));
  const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return {
    id: Number(row.id),
    startedAt: date(row.started_at) ?? new Date(0),
    finishedAt: date(row.finished_at),
    status: String(row.status),
    source: text(row.source),
    targetTable: text(row.target_table),
    files: row.files ?? null,
    options: row.options ?? null,
    stats: row.stats ?? null,
    error: text(row.error),
    inputFingerprint: text(row.input_fingerprint),
  };
}

export type { LedgerEntry, MoleculeWriteResult, OperationStats, ReleaseLock, WriteMode };
