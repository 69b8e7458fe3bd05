/**
 * The SQL of `DatabaseOperations.batchInsert`, built without a database: one
 * `INSERT ... SELECT ... FROM jsonb_populate_recordset(NULL::table, $1)` whatever the number of
 * records (the records travel as one JSON parameter, typed by the table itself, so the text never
 * grows with the batch nor meets the 65,535-parameter limit), with the `ON CONFLICT` clause of the
 * write mode. Every identifier is validated and quoted; values never enter the text.
 */
import { ConfigurationError } from '../errors.js';
import type { SqlExecutor, SqlRow } from './driver.js';
import { qualifiedName, quoteIdent, validateIdentifier, type TableTarget } from './identifiers.js';
import { lockName } from './table-lock.js';
import type { WriteMode } from './write-mode.js';

/** Options of `DatabaseOperations.batchInsert`. */
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
  tx?: SqlExecutor | undefined;
  /**
   * `insert`: a conflict is a `DatabaseError` (SQLSTATE 23505); `upsert`: update the columns given
   * a non-null value in rows whose data differ; `replace`: overwrite the columns given in rows
   * whose data differ; `skip`: keep existing rows. Anything else: `ConfigurationError`. @default 'insert'
   */
  mode?: WriteMode;
  /**
   * The conflict target for upsert/replace/skip. @default the table's primary key (upsert, replace:
   * `ConfigurationError` when it has none); none (skip: any unique violation skips the row)
   */
  conflictColumns?: readonly string[];
  /** Columns to return for each inserted or updated row. @default ['id'] when the table has an id column */
  returning?: readonly string[];
}

/** What `DatabaseOperations.batchInsert` did; `inserted + updated + unchanged + duplicates` = records. */
export interface BatchInsertResult {
  /** `id` (or first returned column) of each inserted or updated row. int8 values are strings. */
  ids: unknown[];
  /** The returned columns of each inserted or updated row. */
  rows: SqlRow[];
  inserted: number;
  updated: number;
  /** upsert/replace: identical rows not rewritten; skip: rows that already existed. */
  unchanged: number;
  /** Records whose conflict key appeared again later in the same call (the later one is written). */
  duplicates: number;
}

/** What the builder needs to know of the table: its columns and its primary key. */
export interface TableShape {
  columns: ReadonlySet<string>;
  primaryKey: readonly string[];
}

/** The statement of one `batchInsert` call, and what it takes to read its result. */
export interface BatchInsertStatement {
  text: string;
  /** One parameter: the records (later duplicates of a conflict key removed) as JSON text. */
  params: [string];
  /** The columns returned per written row (besides `molimport_inserted`). */
  returning: string[];
  /** Records the statement carries. */
  records: number;
  /** Records dropped because a later record had the same conflict key. */
  duplicates: number;
}

/** Reads a table's columns and primary key; `$1` is the qualified table name. See {@link tableShapeOf}. */
export const TABLE_SHAPE_SQL = `SELECT a.attname, COALESCE(a.attnum = ANY(i.indkey), false) AS pk
       FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;

/** The shape from {@link TABLE_SHAPE_SQL}'s rows. Throws `ConfigurationError` when there are none (no such table). */
export function tableShapeOf(
  target: TableTarget,
  rows: readonly { attname: string; pk: boolean }[],
): TableShape {
  if (rows.length === 0) throw new ConfigurationError(`table ${lockName(target)} does not exist`);
  return {
    columns: new Set(rows.map((r) => r.attname)),
    primaryKey: rows.filter((r) => r.pk).map((r) => r.attname),
  };
}

/**
 * The statement that writes `records` into `target` under `mode`. Pure. Throws `ConfigurationError`
 * for a record key, conflict column or returning column that is not a valid identifier or (keys,
 * returning) not a column of the table, and for upsert/replace into a table without a primary key
 * when no `conflictColumns` are given. `records` must not be empty.
 */
export function buildBatchInsert(
  target: TableTarget,
  shape: TableShape,
  request: Pick<BatchInsertOptions, 'records' | 'conflictColumns' | 'returning'> & { mode: WriteMode },
): BatchInsertStatement {
  const { mode } = request;
  const overwrites = mode === 'upsert' || mode === 'replace';
  const table = qualifiedName(target);

  const columns: string[] = [];
  const seen = new Set<string>();
  for (const record of request.records) {
    for (const key of Object.keys(record)) {
      if (seen.has(key)) continue;
      seen.add(key);
      validateIdentifier(key, 'column name');
      if (!shape.columns.has(key))
        throw new ConfigurationError(`table ${lockName(target)} has no column ${JSON.stringify(key)}`);
      columns.push(key);
    }
  }
  const conflict = [...(request.conflictColumns ?? (overwrites ? shape.primaryKey : []))];
  conflict.forEach((c) => validateIdentifier(c, 'conflict column'));
  if (overwrites && conflict.length === 0) {
    throw new ConfigurationError(
      `${mode} into ${lockName(target)} needs conflictColumns (the table has no primary key)`,
    );
  }
  const returning = [...(request.returning ?? (shape.columns.has('id') ? ['id'] : []))];
  returning.forEach((c) => {
    if (!shape.columns.has(validateIdentifier(c, 'returning column')))
      throw new ConfigurationError(`table ${lockName(target)} has no column ${JSON.stringify(c)}`);
  });

  // The later record of a conflict key wins (ON CONFLICT DO UPDATE cannot touch a row twice).
  let records = request.records;
  if (mode !== 'insert' && conflict.length > 0) {
    const keyOf = (r: Record<string, unknown>): string => jsonText(conflict.map((c) => r[c] ?? null));
    const lastIndex = new Map<string, number>();
    records.forEach((r, i) => lastIndex.set(keyOf(r), i));
    records = records.filter((r, i) => lastIndex.get(keyOf(r)) === i);
  }

  const cols = columns.map((c) => quoteIdent(c)).join(', ');
  const ret = ['(t.xmax = 0) AS molimport_inserted', ...returning.map((c) => `t.${quoteIdent(c)}`)].join(
    ', ',
  );
  return {
    text: `INSERT INTO ${table} AS t (${cols}) SELECT ${cols} FROM jsonb_populate_recordset(NULL::${table}, $1::text::jsonb)${onConflictClause(mode, conflict, columns)} RETURNING ${ret}`,
    params: [jsonText(records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))))],
    returning,
    records: records.length,
    duplicates: request.records.length - records.length,
  };
}

/** The counts and returned rows of a {@link buildBatchInsert} statement's result rows. Pure. */
export function readBatchInsertResult(
  statement: BatchInsertStatement,
  resultRows: readonly SqlRow[],
): BatchInsertResult {
  let inserted = 0;
  const rows: SqlRow[] = [];
  for (const row of resultRows) {
    const { molimport_inserted: wasInserted, ...rest } = row;
    if (wasInserted === true) inserted++;
    rows.push(rest);
  }
  const firstReturned = statement.returning[0];
  return {
    ids: firstReturned === undefined ? [] : rows.map((r) => r[firstReturned]),
    rows,
    inserted,
    updated: rows.length - inserted,
    unchanged: statement.records - rows.length,
    duplicates: statement.duplicates,
  };
}

function onConflictClause(mode: WriteMode, conflict: readonly string[], columns: readonly string[]): string {
  if (mode === 'insert') return '';
  const targetCols = conflict.length > 0 ? ` (${conflict.map((c) => quoteIdent(c)).join(', ')})` : '';
  const updatable = columns.filter((c) => !conflict.includes(c));
  if (mode === 'skip' || updatable.length === 0) return ` ON CONFLICT${targetCols} DO NOTHING`;
  // upsert merges: a null (or absent) incoming value keeps the stored one; replace overwrites.
  const incoming = (c: string): string =>
    mode === 'upsert'
      ? `COALESCE(EXCLUDED.${quoteIdent(c)}, t.${quoteIdent(c)})`
      : `EXCLUDED.${quoteIdent(c)}`;
  const set = updatable.map((c) => `${quoteIdent(c)} = ${incoming(c)}`).join(', ');
  const oldRow = updatable.map((c) => `t.${quoteIdent(c)}`).join(', ');
  const newRow = updatable.map(incoming).join(', ');
  return ` ON CONFLICT${targetCols} DO UPDATE SET ${set} WHERE (${oldRow}, NULL) IS DISTINCT FROM (${newRow}, NULL)`;
}

function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
