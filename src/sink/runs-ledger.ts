/**
 * The runs ledger: `molimport_runs` (one row per run: start, end, status, files, options, stats)
 * and `molimport_batches` (the record ranges each committed batch held, written in the batch's own
 * transaction, which is what makes resume exactly-once). This module is the only one that writes
 * either table; a few read-only lookups live beside their command (run-files.ts, sync.ts,
 * delete-ids.ts).
 */
import { ConfigurationError } from '../errors.js';
import type { WrittenRowStatus } from './batch-outcome.js';
import { decodeStatuses, encodeStatuses } from './batch-outcome.js';
import { redactUrl, scrubSecrets } from './connection.js';
import type { SqlExecutor, SqlRow } from './driver.js';
import { qualifiedName, resolveTableTarget, type TableTarget } from './identifiers.js';
import { BATCHES_TABLE, RUNS_TABLE } from './schema.js';
import { lockName } from './table-lock.js';

/**
 * A run's status in `molimport_runs`: `running` from its start (also while a killed run waits for
 * `--resume`), then how it ended: `completed`, `failed`, `interrupted`, or `superseded` (an
 * unfinished run whose inputs changed, continued by a newer run under `--resume`).
 */
export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted' | 'superseded';

/** What {@link RunsLedger.startRun} records about a new run. */
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

/** One row of `molimport_runs`. */
export interface RunRecord {
  id: number;
  startedAt: Date;
  finishedAt: Date | null;
  /** A {@link RunStatus}; typed as text because older versions may have stored others. */
  status: string;
  source: string | null;
  targetTable: string | null;
  files: unknown;
  options: unknown;
  stats: unknown;
  error: string | null;
  inputFingerprint: string | null;
}

/** Records a run committed of one file: adjacent batch ranges merged. */
export interface CommittedRange {
  fileIndex: number;
  fileKey: string;
  firstRecord: number;
  lastRecord: number;
  rows: number;
}

/** One committed range of one input file, recorded with the batch for exactly-once resume. */
export interface LedgerEntry {
  /** Position of the file in the run's file list. */
  fileIndex: number;
  /** The file's identity for resume (path, or path + fingerprint). */
  fileKey: string;
  /** First and last record ordinal (1-based, inclusive) the batch accounts for. */
  firstRecord: number;
  lastRecord: number;
  /** Rows the range accounts for. @default lastRecord - firstRecord + 1 */
  rows?: number;
}

/** How the ledger reaches the database (given by `DatabaseOperations`, so its timings count the statements). */
export interface LedgerConnection {
  /** One autocommit statement, counted in the `query` timings. */
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** One autocommit statement outside the timings. */
  queryUntimed<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** A transaction (see `TransactionRunner.transaction`), outside the timings. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** The runs and their batch ranges in one bookkeeping schema. */
export class RunsLedger {
  /** Schema of `molimport_runs` / `molimport_batches`. */
  readonly schema: string;
  readonly #db: LedgerConnection;
  readonly #secrets: readonly string[];

  constructor(schema: string, db: LedgerConnection, secrets: readonly string[]) {
    this.schema = schema;
    this.#db = db;
    this.#secrets = secrets;
  }

  /** See `DatabaseOperations.startRun`. */
  async startRun(
    info: RunStartInfo,
    continues?: { runId: number; files: readonly { from: number; to: number }[] },
  ): Promise<number> {
    const target = resolveTableTarget(info.target, this.schema);
    return this.#db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO ${this.#table(RUNS_TABLE)} (status, source, target_table, files, options, input_fingerprint)
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
          `INSERT INTO ${this.#table(BATCHES_TABLE)} (run_id, file_index, file_key, first_record, last_record, rows, committed_at, statuses)
           SELECT $1, m.to_index, b.file_key, b.first_record, b.last_record, b.rows, b.committed_at, NULLIF(b.statuses, '')
             FROM ${this.#table(BATCHES_TABLE)} b
             JOIN unnest($3::int[], $4::int[]) AS m(from_index, to_index) ON m.from_index = b.file_index
            WHERE b.run_id = $2`,
          [id, continues.runId, continues.files.map((f) => f.from), continues.files.map((f) => f.to)],
        );
        await tx.query(
          `UPDATE ${this.#table(RUNS_TABLE)} SET status = 'superseded', finished_at = coalesce(finished_at, now()),
             error = coalesce(error || '; ', '') || 'continued by run ' || $2::text WHERE id = $1`,
          [continues.runId, id],
        );
      }
      return id;
    });
  }

  /** See `DatabaseOperations.reopenRun`. */
  async reopenRun(runId: number): Promise<void> {
    await this.#db.query(
      `UPDATE ${this.#table(RUNS_TABLE)} SET status = 'running', finished_at = NULL WHERE id = $1`,
      [runId],
    );
  }

  /** See `DatabaseOperations.noteRunOptions`. */
  async noteRunOptions(runId: number, options: Record<string, unknown>): Promise<void> {
    await this.#db.query(
      `UPDATE ${this.#table(RUNS_TABLE)} SET options = coalesce(options, '{}'::jsonb) || $2::text::jsonb WHERE id = $1`,
      [runId, this.#json(options)],
    );
  }

  /** See `DatabaseOperations.finishRun`. */
  async finishRun(runId: number, status: RunStatus, stats: unknown, error?: string): Promise<void> {
    await this.#db.query(
      `UPDATE ${this.#table(RUNS_TABLE)} SET status = $2, finished_at = now(), stats = $3::text::jsonb, error = $4 WHERE id = $1`,
      [
        runId,
        status,
        this.#json(stats ?? null),
        error === undefined ? null : scrubSecrets(error, this.#secrets),
      ],
    );
  }

  /** See `DatabaseOperations.listRuns`. */
  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const limit = options.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new ConfigurationError(`limit must be an integer from 1 to 10000, got ${String(limit)}`);
    const rows = await this.#db.query(`SELECT * FROM ${this.#table(RUNS_TABLE)} ORDER BY id DESC LIMIT $1`, [
      limit,
    ]);
    return rows.map(toRunRecord);
  }

  /** See `DatabaseOperations.getRun`. */
  async getRun(runId: number): Promise<RunRecord | undefined> {
    const rows = await this.#db.query(`SELECT * FROM ${this.#table(RUNS_TABLE)} WHERE id = $1`, [runId]);
    return rows[0] === undefined ? undefined : toRunRecord(rows[0]);
  }

  /** See `DatabaseOperations.findResumableRun`. */
  async findResumableRun(query: {
    source: string;
    table: TableTarget | string;
    fingerprint?: string | undefined;
  }): Promise<{ run: RunRecord; fingerprintMatches: boolean } | undefined> {
    const target = resolveTableTarget(query.table, this.schema);
    const rows = await this.#db.query(
      `SELECT * FROM ${this.#table(RUNS_TABLE)} WHERE source = $1 AND target_table = $2 ORDER BY id DESC LIMIT 1`,
      [query.source, lockName(target)],
    );
    const latest = rows[0] === undefined ? undefined : toRunRecord(rows[0]);
    if (latest === undefined || latest.status === 'completed') return undefined;
    return {
      run: latest,
      fingerprintMatches: query.fingerprint === undefined || query.fingerprint === latest.inputFingerprint,
    };
  }

  /** See `DatabaseOperations.committedRanges`. */
  async committedRanges(runId: number): Promise<CommittedRange[]> {
    const rows = await this.#db.query<{
      file_index: number;
      file_key: string;
      first_record: string;
      last_record: string;
      rows: number;
    }>(
      `SELECT file_index, file_key, first_record, last_record, rows FROM ${this.#table(BATCHES_TABLE)}
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
   * Records of a run's committed ranges that were not rows, i.e. its rejects (a batch's range covers
   * its rejects; its statuses cover its rows). Undefined when a batch predates the statuses column.
   */
  async committedRejects(runId: number): Promise<number | undefined> {
    const rows = await this.#db.queryUntimed<{ records: string; rows: string; unknown: string }>(
      `SELECT coalesce(sum(last_record - first_record + 1), 0) AS records,
              coalesce(sum(length(statuses)), 0) AS rows,
              count(*) FILTER (WHERE statuses IS NULL) AS unknown
         FROM ${this.#table(BATCHES_TABLE)} WHERE run_id = $1`,
      [runId],
    );
    const r = rows[0];
    if (r === undefined || Number(r.unknown) > 0) return undefined;
    return Number(r.records) - Number(r.rows);
  }

  /**
   * The statuses the batch with this ledger committed with, or undefined when it did not commit.
   * Ranges of one run never overlap (one run per table at a time), so the first entry identifies it.
   */
  async committedStatuses(
    runId: number,
    ledger: readonly LedgerEntry[],
  ): Promise<WrittenRowStatus[] | undefined> {
    const first = ledger[0];
    if (first === undefined) return undefined;
    const rows = await this.#db.queryUntimed<{ statuses: string | null }>(
      `SELECT statuses FROM ${this.#table(BATCHES_TABLE)}
       WHERE run_id = $1 AND file_index = $2 AND file_key = $3 AND first_record = $4 AND last_record = $5`,
      [runId, first.fileIndex, first.fileKey, first.firstRecord, first.lastRecord],
    );
    const found = rows[0];
    if (found === undefined) return undefined;
    return decodeStatuses(found.statuses ?? '');
  }

  #table(table: string): string {
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

/**
 * Inside a batch's transaction: record the ranges it holds (`runId`'s), with the batch's row
 * statuses kept once, on its first range ('' on the others; NULL only in ledgers older than that
 * column) — for a lost COMMIT reply, and the rejects a `--resume` counts.
 */
export async function recordBatchRanges(
  tx: Pick<SqlExecutor, 'query'>,
  bookkeepingSchema: string,
  runId: number | null,
  ledger: readonly LedgerEntry[],
  statuses: readonly WrittenRowStatus[],
): Promise<void> {
  await tx.query(
    `INSERT INTO ${qualifiedName({ schema: bookkeepingSchema, table: BATCHES_TABLE })} (run_id, file_index, file_key, first_record, last_record, rows, statuses)
     SELECT $1::bigint, x.file_index, x.file_key, x.first_record, x.last_record, x.rows, x.statuses
     FROM jsonb_to_recordset($2::text::jsonb) AS x(file_index int, file_key text, first_record bigint, last_record bigint, rows int, statuses text)`,
    [
      runId,
      JSON.stringify(
        ledger.map((e, k) => ({
          file_index: e.fileIndex,
          file_key: e.fileKey,
          first_record: e.firstRecord,
          last_record: e.lastRecord,
          rows: e.rows ?? e.lastRecord - e.firstRecord + 1,
          statuses: k === 0 ? encodeStatuses(statuses) : '',
        })),
      ),
    ],
  );
}

/** Inside a `molimport delete` batch's transaction: record the lines of the IDs file it held (file 0). */
export async function recordDeletedRange(
  tx: Pick<SqlExecutor, 'query'>,
  bookkeepingSchema: string,
  range: { runId: number; fileKey: string; firstRecord: number; lastRecord: number; rows: number },
): Promise<void> {
  await tx.query(
    `INSERT INTO ${qualifiedName({ schema: bookkeepingSchema, table: BATCHES_TABLE })}
       (run_id, file_index, file_key, first_record, last_record, rows) VALUES ($1, 0, $2, $3, $4, $5)`,
    [range.runId, range.fileKey, range.firstRecord, range.lastRecord, range.rows],
  );
}

function toRunRecord(row: SqlRow): RunRecord {
  const date = (v: unknown): Date | null =>
    v === null || v === undefined
      ? null
      : v instanceof Date
        ? v
        : new Date(typeof v === 'string' || typeof v === 'number' ? v : NaN);
  const text = (v: unknown): string | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof Date)
      return String(v);
    return JSON.stringify(v);
  };
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
