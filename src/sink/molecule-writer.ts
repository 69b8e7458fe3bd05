/**
 * Write one batch of molecule rows in one transaction and tell, for every input row, what happened
 * to it: 'inserted' | 'updated' | 'unchanged' | 'duplicate'.
 *
 * Steps (all in the caller's transaction):
 * 1. De-duplicate the batch in memory: for an ID seen twice, the row with the higher seq wins and
 *    the others are 'duplicate' (rule a). Only winners are staged.
 * 2. When a key of the batch is stored already (one index probe per source), settle the stored
 *    keys by key first (`settleStoredByKey`): a row of another run is 'unchanged' under skip, and
 *    under upsert/replace when its data digest equals the incoming row's (row-digest.ts); only
 *    the rest is staged. A re-import of unchanged rows then sends keys and digests, not rows.
 *    Load the rows left into a session temp table (COPY binary format), with their input ordinal
 *    and seq.
 * 3. `INSERT ... SELECT ... ON CONFLICT (source, external_id) DO NOTHING RETURNING` — the rows
 *    that are new (insert mode: a plain INSERT, where a conflict raises 23505 for the engine to
 *    isolate).
 * 4. For the rest (upsert): lock and read the current rows (`SELECT ... FOR UPDATE`, which in READ
 *    COMMITTED sees rows a parallel batch committed after step 3 began) and classify: written by
 *    the same run → 'duplicate', overwritten only when the incoming seq is greater, so the later
 *    record wins whatever the commit order (rule b); data columns identical → 'unchanged', not
 *    rewritten; otherwise 'updated'. Skip mode reads without locking: same run → 'duplicate'
 *    (overwritten whole when the incoming seq is greater: rule b holds for skip too), else
 *    'unchanged' (rule c).
 * 5. One `UPDATE ... FROM staging` for the rows to overwrite.
 * 6. The resume ledger rows, in the same transaction (runs-ledger.ts).
 *
 * Direct path (`directCopy`, for a caller that owns the transaction): when no key of the batch is
 * in the table yet (one index probe per source), steps 2-5 become one COPY straight into the table:
 * every row is 'inserted' and the server skips the staging table, the INSERT ... SELECT, the rows
 * sent back and the staging table's truncation at commit. A key that appears in between (a
 * parallel batch with the same ID) makes the COPY fail with 23505: `DirectCopyConflict` tells the
 * caller to roll back and write the batch again by the staging path, whose rules then apply.
 */
import { ConfigurationError, DatabaseError } from '../errors.js';
import type { MoleculeRow } from '../types.js';
import type { WrittenRowStatus } from './batch-outcome.js';
import { CopyBinaryEncoder, type BinaryColumnType } from './copy-binary.js';
import type { SqlExecutor } from './driver.js';
import { qualifiedName, type TableTarget } from './identifiers.js';
import {
  DIGEST_PROPERTIES,
  digestInputsSql,
  rowDigest,
  storedDigestSql,
  type DigestHint,
} from './row-digest.js';
import { giveBack } from './buffer-pool.js';
import { writeDataFields } from './packed-rows.js';
import { recordBatchRanges, type LedgerEntry } from './runs-ledger.js';
import { textArrayLiteral } from './text-array.js';
import {
  MOLECULE_DATA_BINARY_TYPES,
  MOLECULE_DATA_COLUMNS,
  MOLECULE_DATA_COLUMNS_DDL,
  RECORD_SCOPED_PROPERTIES,
} from './schema.js';
import { parseWriteMode, type OverwritingWriteMode, type WriteMode } from './write-mode.js';

/** One batch of molecule rows to write (see the module comment). */
export interface MoleculeBatchOptions {
  target: TableTarget;
  rows: readonly MoleculeRow[];
  /** What a stored key does (see {@link WriteMode}); anything else is a `ConfigurationError`. @default 'upsert' */
  mode?: WriteMode;
  /** The run writing the batch; null outside a recorded run (then no same-run duplicate rule). */
  runId: number | null;
  /**
   * Global order of the row's record in the run (later records win). Must fit in a bigint.
   * @default the row's index in `rows`
   */
  seqOf?: (row: MoleculeRow, index: number) => number;
  /** Ledger ranges written in the same transaction (requires `runId`, else `ConfigurationError`). */
  ledger?: readonly LedgerEntry[];
  /** Schema of `molimport_batches`. @default target.schema */
  bookkeepingSchema?: string;
  /**
   * Fleet lease fence: run last inside the batch's transaction, after its rows and ledger entry and
   * before COMMIT; it throws when the caller no longer holds its job (see src/fleet/leases.ts), so
   * the batch rolls back and a worker whose job was taken over commits nothing more. It gets the
   * batch's outcome to account for it in the same transaction. Separate from the table lock.
   * @default none
   */
  leaseFence?: LeaseFence;
  /**
   * Try the direct path (see the module comment) before staging. Needs the caller to own the transaction: a `DirectCopyConflict` leaves it aborted.
   * @default false
   */
  directCopy?: boolean;
  /**
   * More work in the batch's transaction, after the rows and before the ledger (e.g. `--sync`
   * recording the IDs seen): it commits or rolls back with the batch, on every retry.
   */
  afterWrite?: (tx: SqlExecutor) => Promise<void>;
  /**
   * Indexes into `rows` whose row, when it is stored already and the record changes nothing, must
   * still take this run's `run_id` and seq (and `source_file`/`source_record`; not `updated_at`):
   * an earlier record of the same ID is still being written by a parallel batch, and must then
   * meet a newer row of its own run instead of overwriting this one. Ignored by `skip` and `insert`.
   * @default none
   */
  stampUnchanged?: ReadonlySet<number>;
  /**
   * Shared by the batches of one run: skips settling stored rows by digest (upsert/replace) while
   * it keeps failing to match, as for rows merged from another source (see {@link DigestHint}).
   * @default always try
   */
  digestHint?: DigestHint;
  /**
   * The caller expects most keys of the batch to be stored (a re-import): they are settled by key
   * without first probing whether any is (which would send the same keys). Either way gives the same
   * result. @default false
   */
  storedLikely?: boolean;
}

/** See {@link MoleculeBatchOptions.leaseFence}: check the lease on the batch's own connection. */
export type LeaseFence = (tx: SqlExecutor, written: MoleculeWriteResult) => Promise<void>;

/**
 * The direct COPY met a key that was not there when the batch was checked (23505): roll back and
 * write the batch again with `directCopy: false`. Never reaches the engine.
 */
export class DirectCopyConflict extends Error {
  constructor(options?: { cause?: unknown }) {
    super('a key of the batch appeared during the direct COPY; write the batch by the staging path', options);
    this.name = 'DirectCopyConflict';
  }
}

/** What became of each row of a batch; the counts add up to the number of rows. */
export interface MoleculeWriteResult {
  /** One status per input row, in input order. */
  statuses: WrittenRowStatus[];
  inserted: number;
  updated: number;
  unchanged: number;
  duplicates: number;
}

const STAGE = 'pg_temp.molimport_stage';

const STAGE_COLUMNS = [
  'ord',
  'seq',
  'source',
  'external_id',
  ...MOLECULE_DATA_COLUMNS,
  'source_file',
  'source_record',
] as const;

/** STAGE_COLUMNS' types for COPY binary, in the same order. */
const STAGE_BINARY_TYPES: readonly BinaryColumnType[] = [
  'int4',
  'int8',
  'text',
  'text',
  ...MOLECULE_DATA_BINARY_TYPES,
  'text',
  'int8',
];

const STAGE_DDL = `CREATE TEMP TABLE molimport_stage (
  ord int NOT NULL,
  seq bigint NOT NULL,
  source text NOT NULL,
  external_id text NOT NULL,
${MOLECULE_DATA_COLUMNS_DDL}
  source_file text,
  source_record bigint
) ON COMMIT DELETE ROWS`;

/**
 * A session-lifetime staging table, created once per connection and emptied at every commit:
 * no catalog churn per batch (CREATE/DROP TEMP TABLE per transaction bloats pg_class/pg_attribute),
 * and no NOTICE. Emptied here too, in case one transaction writes two batches.
 *
 * Its molfile and properties are stored uncompressed (STORAGE EXTERNAL): staged rows are read once
 * and dropped at commit, so compressing them is waste. COPYing 20,000 PubChem rows into it cost
 * the backend 1.0–1.3 s of CPU instead of 2.1–2.2 s with the default pglz compression
 * (docs/performance.md); the table's own columns keep their storage.
 */
const PREPARE_STAGE = `DO $molimport$ BEGIN
  IF to_regclass('${STAGE}') IS NULL THEN
    ${STAGE_DDL};
    ALTER TABLE ${STAGE} ALTER COLUMN molfile SET STORAGE EXTERNAL, ALTER COLUMN properties SET STORAGE EXTERNAL;
  ELSE
    DELETE FROM ${STAGE};
  END IF;
END $molimport$`;

const TARGET_COLUMNS = [
  'source',
  'external_id',
  ...MOLECULE_DATA_COLUMNS,
  'run_id',
  'source_file',
  'source_record',
  'source_seq',
].join(', ');

/** TARGET_COLUMNS' types for COPY binary, in the same order (run_id, source_record, source_seq: bigint). */
const TARGET_BINARY_TYPES: readonly BinaryColumnType[] = [
  'text',
  'text',
  ...MOLECULE_DATA_BINARY_TYPES,
  'int8',
  'text',
  'int8',
  'int8',
];

const STAGE_SELECT = `source, external_id, ${MOLECULE_DATA_COLUMNS.join(', ')}, $1::bigint, source_file, source_record, seq`;

/**
 * Write `options` by `write` (one whole transaction per call): first with the direct path when it
 * applies, and once more by the staging path if the direct COPY met a conflict.
 */
export async function withDirectCopyFallback<R>(
  options: MoleculeBatchOptions,
  write: (batch: MoleculeBatchOptions) => Promise<R>,
): Promise<R> {
  if (options.directCopy !== true) return write(options);
  try {
    return await write(options);
  } catch (err) {
    if (!(err instanceof DirectCopyConflict)) throw err;
    return write({ ...options, directCopy: false });
  }
}

/** The batch's statements, for a caller that already opened a transaction on `tx`. */
export async function writeMoleculesInTransaction(
  tx: SqlExecutor,
  options: MoleculeBatchOptions,
): Promise<MoleculeWriteResult> {
  const { runId } = options;
  const mode = parseWriteMode(options.mode, 'upsert');
  const ledger = options.ledger ?? [];
  if (ledger.length > 0 && runId === null) throw new ConfigurationError('a ledger needs a runId');
  const table = qualifiedName(options.target);
  const seqOf = options.seqOf ?? ((_row: MoleculeRow, index: number) => index);

  // Rows as they will be written: under `upsert` a winner absorbs the values of the records of its
  // ID it beat in this batch, so the result does not depend on where batch boundaries fall (copied
  // only when that happens: the caller's array stays as given).
  let rows = options.rows as MoleculeRow[];
  const merge = (at: number, earlier: MoleculeRow, later: MoleculeRow): void => {
    if (rows === options.rows) rows = rows.slice();
    rows[at] = mergeRows(earlier, later);
  };
  const statuses: WrittenRowStatus[] = new Array<WrittenRowStatus>(rows.length);
  const seqs = rows.map((row, i) => {
    const seq = seqOf(row, i);
    if (!Number.isSafeInteger(seq))
      throw new ConfigurationError(`seqOf must return a safe integer, got ${String(seq)} for row ${i}`);
    return seq;
  });

  // Rule (a): the later record of an ID wins; keys map source → external_id → winning ordinal.
  const winnerOf = new Map<string, Map<string, number>>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as MoleculeRow;
    let bySource = winnerOf.get(row.source);
    if (bySource === undefined) winnerOf.set(row.source, (bySource = new Map<string, number>()));
    const previous = bySource.get(row.externalId);
    if (previous === undefined) {
      bySource.set(row.externalId, i);
    } else if ((seqs[i] as number) >= (seqs[previous] as number)) {
      statuses[previous] = 'duplicate';
      bySource.set(row.externalId, i);
      if (mode === 'upsert') merge(i, rows[previous] as MoleculeRow, row);
    } else {
      statuses[i] = 'duplicate';
      if (mode === 'upsert') merge(previous, row, rows[previous] as MoleculeRow);
    }
  }
  const winners: number[] = [];
  for (let i = 0; i < rows.length; i++) if (statuses[i] === undefined) winners.push(i);
  // Stage in key order, so concurrent batches take row locks in the same order (fewer deadlocks)
  // without an ORDER BY in SQL, which spills to disk at 5,000 rows of 2 KB.
  winners.sort((a, b) => compareKeys(rows[a] as MoleculeRow, rows[b] as MoleculeRow));

  // Whether stored rows are settled by key (under upsert/replace, while their digests keep matching):
  // asked once per batch, and only of a batch that may settle (the hint counts the batches asked).
  let settles: boolean | undefined;
  const shouldSettle = (): boolean =>
    (settles ??= mode !== 'insert' && (mode === 'skip' || options.digestHint?.shouldTry() !== false));
  const settleByKey = () =>
    settleStoredByKey(
      tx,
      table,
      mode as Exclude<WriteMode, 'insert'>,
      runId,
      rows,
      seqs,
      winners,
      winnerOf,
      statuses,
      options,
    );
  // A batch of a re-import is settled by key straight away: what it finds also says whether any key
  // is stored, so the probe below, which would send the same keys, is not needed.
  let stored: boolean | undefined;
  let staged: number[] | undefined;
  if (winners.length > 0 && options.storedLikely === true && shouldSettle()) {
    const settled = await settleByKey();
    stored = settled.found > 0;
    staged = settled.staged;
  }
  // Else one index probe per source (stops at the first stored key) decides between the direct
  // path, a first import (stage everything) and a batch with stored keys, settled by key first.
  stored ??=
    winners.length > 0 &&
    (mode !== 'insert' || options.directCopy === true) &&
    (await anyStored(tx, table, winnerOf));
  const direct =
    winners.length > 0 &&
    !stored &&
    options.directCopy === true &&
    (await copyDirect(tx, table, rows, seqs, winners, runId));
  // The rows still to write through staging: under upsert/replace/skip, those the probe by key
  // could not settle (new, this run's, changed, to stamp); insert stages all and lets 23505 say.
  staged ??= stored && !direct && shouldSettle() ? (await settleByKey()).staged : winners;
  if (direct) {
    for (const i of winners) statuses[i] = 'inserted';
  } else if (staged.length > 0) {
    await tx.query(PREPARE_STAGE);
    await loadStage(tx, rows, seqs, staged);

    if (mode === 'insert') {
      await tx.query(`INSERT INTO ${table} (${TARGET_COLUMNS}) SELECT ${STAGE_SELECT} FROM ${STAGE}`, [
        runId,
      ]);
      for (const i of staged) statuses[i] = 'inserted';
    } else {
      const inserted = await tx.query<{ source: string; external_id: string }>(
        `INSERT INTO ${table} (${TARGET_COLUMNS}) SELECT ${STAGE_SELECT} FROM ${STAGE}
         ON CONFLICT (source, external_id) DO NOTHING RETURNING source, external_id`,
        [runId],
      );
      for (const r of inserted.rows) {
        const ord = winnerOf.get(r.source)?.get(r.external_id);
        if (ord !== undefined) statuses[ord] = 'inserted';
      }
      const rest = staged.filter((i) => statuses[i] === undefined);
      if (rest.length > 0)
        await classifyExisting(tx, table, mode, runId, rest, statuses, options.stampUnchanged);
    }
  }

  if (options.afterWrite) await options.afterWrite(tx);

  if (ledger.length > 0) {
    await recordBatchRanges(tx, options.bookkeepingSchema ?? options.target.schema, runId, ledger, statuses);
  }

  const result = summarize(statuses);
  // Last: its row lock on the lease, held to COMMIT, orders this batch before any takeover.
  if (options.leaseFence) await options.leaseFence(tx, result);
  return result;
}

/**
 * The stored row of key `k.id` (source `sourceParam`), selecting `columns` of it as `t`: a LATERAL
 * subquery with LIMIT 1, which the planner cannot flatten, so each key is one probe of the unique
 * index. The plain `source = $1 AND external_id = ANY($2)` is planned from statistics: on a table
 * just loaded and not yet analysed it scans the index for the source and filters every row of it
 * (343 ms instead of 16 ms per 1,290 keys at 200,000 rows).
 */
function keyLookup(table: string, columns: string, sourceParam: string): string {
  return `SELECT ${columns} FROM ${table} t WHERE t.source = ${sourceParam} AND t.external_id = k.id LIMIT 1`;
}

/** Whether any key of the batch is already in the table. */
async function anyStored(
  tx: SqlExecutor,
  table: string,
  winnerOf: ReadonlyMap<string, ReadonlyMap<string, number>>,
): Promise<boolean> {
  for (const [source, ids] of winnerOf) {
    // One lookup of the unique index per key, whatever the table's statistics (see keyLookup).
    const found = await tx.query(
      `SELECT 1 FROM unnest($2::text[]) AS k(id) CROSS JOIN LATERAL (${keyLookup(table, '1', '$1')}) t LIMIT 1`,
      [source, textArrayLiteral([...ids.keys()])],
    );
    if (found.rows.length > 0) return true;
  }
  return false;
}

/**
 * The direct path, when no key of the batch is stored ({@link anyStored}): COPY the winners into
 * the table and return true. A conflict met during the COPY (23505, or fewer rows stored than
 * sent) throws `DirectCopyConflict`.
 */
async function copyDirect(
  tx: SqlExecutor,
  table: string,
  rows: readonly MoleculeRow[],
  seqs: readonly number[],
  winners: readonly number[],
  runId: number | null,
): Promise<boolean> {
  let stored: number;
  try {
    const sent: Buffer[] = [];
    stored = await tx.copyFrom(
      `COPY ${table} (${TARGET_COLUMNS}) FROM STDIN (FORMAT binary)`,
      collected(directCopyChunks(rows, seqs, winners, runId), sent),
    );
    // The COPY completed, so the server has every byte: the chunks can take the next batch.
    giveBack(sent);
  } catch (err) {
    if (err instanceof DatabaseError && err.sqlState === '23505')
      throw new DirectCopyConflict({ cause: err });
    throw err;
  }
  // A trigger that skips rows would leave some unaccounted for: the staging path reports those.
  if (stored !== winners.length) throw new DirectCopyConflict();
  return true;
}

/**
 * The direct COPY's payload: rows `winners` (indexes into `rows`) in COPY binary, lazily. Exported
 * for bench/stage-profile.mjs, which times the encoding alone.
 */
export function directCopyChunks(
  rows: readonly MoleculeRow[],
  seqs: readonly number[],
  winners: readonly number[],
  runId: number | null,
): Generator<Buffer> {
  return rowChunks(TARGET_BINARY_TYPES, winners, (enc, i) => {
    const row = rows[i] as MoleculeRow;
    enc.beginRow(TARGET_BINARY_TYPES.length);
    enc.text(row.source);
    enc.text(row.externalId);
    writeDataFields(enc, row);
    enc.int8(runId);
    enc.text(row.origin.file);
    enc.int8(row.origin.record);
    enc.int8(seqs[i]);
  });
}

/** The staging COPY's payload (STAGE_COLUMNS), lazily. */
function stageChunks(
  rows: readonly MoleculeRow[],
  seqs: readonly number[],
  winners: readonly number[],
): Generator<Buffer> {
  return rowChunks(STAGE_BINARY_TYPES, winners, (enc, i) => {
    const row = rows[i] as MoleculeRow;
    enc.beginRow(STAGE_BINARY_TYPES.length);
    enc.int4(i);
    enc.int8(seqs[i]);
    enc.text(row.source);
    enc.text(row.externalId);
    writeDataFields(enc, row);
    enc.text(row.origin.file);
    enc.int8(row.origin.record);
  });
}

/**
 * Rows encoded field by field straight from the row objects (no array of values per row), in COPY
 * binary chunks of 1 MiB; lazy, so COPY backpressure bounds the memory.
 */
function* rowChunks(
  types: readonly BinaryColumnType[],
  winners: readonly number[],
  write: (enc: CopyBinaryEncoder, index: number) => void,
): Generator<Buffer> {
  const enc = new CopyBinaryEncoder(types);
  for (let k = 0; k < winners.length; k++) {
    write(enc, winners[k] as number);
    if (enc.fullChunks > 0) yield* enc.takeFull();
  }
  yield* enc.finish();
}

/**
 * One data column of the row an existing row becomes when `win`'s values take precedence over
 * `lose`'s: under `upsert` a null keeps the other side's value and `properties` merge key by key
 * (record-scoped keys such as `molimport_warnings` come from the winner only); under `replace` the
 * winner's value whatever it is.
 */
function resolvedColumn(column: string, mode: OverwritingWriteMode, win: string, lose: string): string {
  if (mode === 'replace') return `${win}.${column}`;
  if (column === 'properties') {
    return `((${lose}.properties - ${RECORD_SCOPED_KEYS_SQL}) || ${win}.properties)`;
  }
  return `COALESCE(${win}.${column}, ${lose}.${column})`;
}

const RECORD_SCOPED_KEYS_SQL = `'{${RECORD_SCOPED_PROPERTIES.join(',')}}'::text[]`;

/**
 * The data columns of the row after `win` meets `lose`, and whether that differs from the stored
 * row `t` (which is `win` or `lose`).
 */
function resolvedRow(
  mode: OverwritingWriteMode,
  win: string,
  lose: string,
): { set: string; differs: string } {
  const resolved = MOLECULE_DATA_COLUMNS.map((c) => resolvedColumn(c, mode, win, lose));
  const set = MOLECULE_DATA_COLUMNS.map((c, i) => `${c} = ${resolved[i]}`).join(', ');
  const stored = (columns: readonly string[]): string => columns.map((c) => `t.${c}`).join(', ');
  if (mode === 'replace' || win === 't') {
    return { set, differs: `(${resolved.join(', ')}) IS DISTINCT FROM (${stored(MOLECULE_DATA_COLUMNS)})` };
  }
  // The merge leaves t's properties as they are exactly when t already holds every key of the
  // incoming row with its value and the same record-scoped keys: decided without building the
  // merged jsonb, which would be most of the cost of a re-import where nothing changed.
  const scalar = MOLECULE_DATA_COLUMNS.filter((c) => c !== 'properties');
  const resolvedScalar = scalar.map((c) => resolvedColumn(c, mode, win, lose));
  const sameScoped = RECORD_SCOPED_PROPERTIES.map(
    (k) => ` AND (t.properties ? '${k}') = (${win}.properties ? '${k}')`,
  ).join('');
  return {
    set,
    differs: `((${resolvedScalar.join(', ')}) IS DISTINCT FROM (${stored(scalar)}) OR NOT (t.properties @> ${win}.properties${sameScoped}))`,
  };
}

/**
 * The batch's stored keys, settled from one index scan by key before anything is staged: a row of
 * another run is 'unchanged' under skip, and under upsert/replace when its data digest equals the
 * incoming row's (row-digest.ts) and it need not be stamped; a row of this run that a later record
 * wrote is a 'duplicate' under skip. Returns the winners left to stage: new keys and every stored
 * one it could not settle, which then take the full path (INSERT … ON CONFLICT, classifyExisting).
 *
 * Nothing is locked: a row settled here is not written, so the batch reads it as of this
 * statement, as if it had committed just before whatever writes the row next. The one writer that
 * must not come next is an earlier record of the same ID in a parallel batch of this run: such rows
 * are in `stampUnchanged` (keys-in-flight.ts) and take the full path, which locks and stamps them.
 */
async function settleStoredByKey(
  tx: SqlExecutor,
  table: string,
  mode: Exclude<WriteMode, 'insert'>,
  runId: number | null,
  rows: readonly MoleculeRow[],
  seqs: readonly number[],
  winners: readonly number[],
  winnerOf: ReadonlyMap<string, ReadonlyMap<string, number>>,
  statuses: WrittenRowStatus[],
  { stampUnchanged, digestHint }: Pick<MoleculeBatchOptions, 'stampUnchanged' | 'digestHint'>,
): Promise<{ staged: number[]; found: number }> {
  const write = mode !== 'skip';
  let compared = 0;
  let found = 0;
  const settled = new Set<number>();
  for (const [source, ids] of winnerOf) {
    // Each stored key comes back as its place in the list sent (an int4), not as its text.
    const indexes = [...ids.values()];
    const query = tx.query<{
      ord: number;
      same_run: boolean | null;
      source_seq: string | null;
      digest?: string | null;
    }>(
      `SELECT k.ord::int4 AS ord, t.same_run, t.source_seq${write ? `, ${storedDigestSql('t', `t.${DIGEST_PROPERTIES}`)} AS digest` : ''}
       FROM unnest($3::text[]) WITH ORDINALITY AS k(id, ord) CROSS JOIN LATERAL (${keyLookup(
         table,
         `t.run_id = $1::bigint AS same_run, t.source_seq${write ? `, ${digestInputsSql('t')}` : ''}`,
         '$2',
       )}) t`,
      [runId, source, textArrayLiteral([...ids.keys()])],
    );
    // The incoming rows' digests are computed while the server computes the stored ones (those
    // of keys it does not find are wasted, but a batch with one stored key mostly has all).
    void query.catch(() => undefined); // still thrown by the await below, not reported as unhandled
    const digests = write ? new Map<number, string | undefined>() : undefined;
    if (digests) for (const i of indexes) digests.set(i, rowDigest(rows[i] as MoleculeRow));
    const result = await query;
    found += result.rows.length;
    for (const r of result.rows) {
      const i = indexes[r.ord - 1];
      if (i === undefined) continue;
      if (r.same_run === true) {
        // This run wrote it: under skip, a record not later than the stored one is a 'duplicate'
        // (as the full path says); a later one goes there to overwrite it.
        const newer = r.source_seq === null || Number(r.source_seq) < (seqs[i] as number);
        if (!write && !newer) {
          statuses[i] = 'duplicate';
          settled.add(i);
        }
      } else if (!write) {
        statuses[i] = 'unchanged';
        settled.add(i);
      } else if (stampUnchanged?.has(i) !== true) {
        compared++;
        if (r.digest != null && r.digest === digests?.get(i)) {
          statuses[i] = 'unchanged';
          settled.add(i);
        }
      }
    }
  }
  if (write) digestHint?.record(compared, settled.size);
  return { staged: settled.size === 0 ? [...winners] : winners.filter((i) => !settled.has(i)), found };
}

async function classifyExisting(
  tx: SqlExecutor,
  table: string,
  mode: Exclude<WriteMode, 'insert'>,
  runId: number | null,
  ords: number[],
  statuses: WrittenRowStatus[],
  stampUnchanged: ReadonlySet<number> | undefined,
): Promise<void> {
  const write = mode !== 'skip';
  // What the incoming row would make of the stored one (skip compares nothing: it writes no row of
  // another run, and overwrites a row of this run whole, as when both records meet in one batch).
  const incoming = resolvedRow(mode === 'skip' ? 'replace' : mode, 's', 't');
  const existing = await tx.query<{
    ord: number;
    same_run: boolean | null;
    newer: boolean;
    differs: boolean;
  }>(
    `SELECT s.ord, t.run_id = $1::bigint AS same_run, (t.source_seq IS NULL OR t.source_seq < s.seq) AS newer, ${write ? incoming.differs : 'false'} AS differs
     FROM ${STAGE} s JOIN ${table} t ON t.source = s.source AND t.external_id = s.external_id
     WHERE s.ord = ANY($2::int[])
     ORDER BY t.source, t.external_id${write ? ' FOR UPDATE OF t' : ''}`,
    [runId, ords],
  );
  // Rows the incoming record wins over, and (upsert) rows of this run that a later record already
  // wrote: those only take the values the later record lacked, so the commit order of parallel
  // batches does not change the result. Skip too lets the later record of this run win.
  const overwrite: number[] = [];
  const fill: number[] = [];
  const stamp: number[] = [];
  for (const r of existing.rows) {
    const ord = Number(r.ord);
    if (r.same_run === true) {
      statuses[ord] = 'duplicate';
      if (r.newer) overwrite.push(ord);
      else if (mode === 'upsert') fill.push(ord);
    } else if (write && r.differs) {
      statuses[ord] = 'updated';
      overwrite.push(ord);
    } else {
      statuses[ord] = 'unchanged';
      if (write && runId !== null && stampUnchanged?.has(ord) === true) stamp.push(ord);
    }
  }
  if (ords.some((i) => statuses[i] === undefined)) {
    // Neither inserted nor found: a concurrent transaction deleted the row in between. Retryable.
    throw new DatabaseError(
      'a conflicting row disappeared while the batch was written; retry the batch',
      '40001',
    );
  }
  if (overwrite.length > 0) {
    const set = [
      incoming.set,
      'run_id = $1::bigint',
      'source_file = s.source_file',
      'source_record = s.source_record',
      'source_seq = s.seq',
      'updated_at = now()',
    ].join(', ');
    // Skip read without locking: the row must still be this run's and older when the UPDATE
    // reaches it (READ COMMITTED re-checks the WHERE on the newest version after waiting).
    const stillOlder = write
      ? ''
      : ' AND t.run_id = $1::bigint AND (t.source_seq IS NULL OR t.source_seq < s.seq)';
    await tx.query(
      `UPDATE ${table} t SET ${set} FROM ${STAGE} s
       WHERE t.source = s.source AND t.external_id = s.external_id AND s.ord = ANY($2::int[])${stillOlder}`,
      [runId, overwrite],
    );
  }
  if (stamp.length > 0) {
    await tx.query(
      `UPDATE ${table} t SET run_id = $1::bigint, source_file = s.source_file, source_record = s.source_record, source_seq = s.seq
       FROM ${STAGE} s
       WHERE t.source = s.source AND t.external_id = s.external_id AND s.ord = ANY($2::int[])`,
      [runId, stamp],
    );
  }
  if (fill.length > 0) {
    const stored = resolvedRow('upsert', 't', 's');
    await tx.query(
      `UPDATE ${table} t SET ${stored.set}, updated_at = now() FROM ${STAGE} s
       WHERE t.source = s.source AND t.external_id = s.external_id AND s.ord = ANY($1::int[]) AND ${stored.differs}`,
      [fill],
    );
  }
}

/**
 * Under `upsert`, two records of one ID met in one batch: `later`'s values, and `earlier`'s where
 * `later` has none (the same rule as {@link resolvedColumn}, in memory).
 */
function mergeRows(earlier: MoleculeRow, later: MoleculeRow): MoleculeRow {
  const properties: MoleculeRow['properties'] = { ...earlier.properties };
  for (const key of RECORD_SCOPED_PROPERTIES) delete properties[key];
  Object.assign(properties, later.properties);
  return {
    ...later,
    name: later.name ?? earlier.name,
    smiles: later.smiles ?? earlier.smiles,
    inchi: later.inchi ?? earlier.inchi,
    inchikey: later.inchikey ?? earlier.inchikey,
    formula: later.formula ?? earlier.formula,
    molWeight: later.molWeight ?? earlier.molWeight,
    molfile: later.molfile ?? earlier.molfile,
    properties,
    stdSmiles: later.stdSmiles ?? earlier.stdSmiles ?? null,
    stdInchikey: later.stdInchikey ?? earlier.stdInchikey ?? null,
    parentSmiles: later.parentSmiles ?? earlier.parentSmiles ?? null,
    parentInchikey: later.parentInchikey ?? earlier.parentInchikey ?? null,
  };
}

async function loadStage(
  tx: SqlExecutor,
  rows: readonly MoleculeRow[],
  seqs: readonly number[],
  winners: readonly number[],
): Promise<void> {
  const sent: Buffer[] = [];
  await tx.copyFrom(
    `COPY ${STAGE} (${STAGE_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`,
    collected(stageChunks(rows, seqs, winners), sent),
  );
  giveBack(sent);
}

/** `chunks`, each also kept in `sent` (to give back to the pool once the COPY has completed). */
function* collected(chunks: Iterable<Buffer>, sent: Buffer[]): Generator<Buffer> {
  for (const chunk of chunks) {
    sent.push(chunk);
    yield chunk;
  }
}

function compareKeys(a: MoleculeRow, b: MoleculeRow): number {
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;
}

/** Counts of `statuses` (kept as the result's `statuses`). */
export function summarize(statuses: WrittenRowStatus[]): MoleculeWriteResult {
  const result: MoleculeWriteResult = { statuses, inserted: 0, updated: 0, unchanged: 0, duplicates: 0 };
  for (const s of statuses) {
    if (s === 'inserted') result.inserted++;
    else if (s === 'updated') result.updated++;
    else if (s === 'unchanged') result.unchanged++;
    else result.duplicates++;
  }
  return result;
}
