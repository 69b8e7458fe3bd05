/**
 * `--sync`: a complete run over a full release is authoritative for its source. Each batch records
 * the IDs it held in the run's own table `molimport_seen_<run>`, in the batch's transaction, so the
 * seen set is exactly the committed records however often the run is killed and resumed (a resumed
 * run skips committed records, whose IDs are already there). Seeing an unchanged row costs one
 * short text per record appended to that table; the row itself is not touched.
 *
 * After the last batch, one transaction counts the source's rows the run did not see, refuses
 * (`DeleteGuardError`, nothing deleted) when they are more than `maxDeleteFraction` of the source,
 * else deletes them (hard) or stamps `deleted_at` (soft, and clears it on rows seen again), records
 * the outcome in `molimport_syncs` and drops the seen table. That row makes the step exactly once:
 * a run resumed after it committed finds it and reports the same numbers without deleting again.
 */
import { performance } from 'node:perf_hooks';
import { DeleteGuardError } from '../errors.js';
import type { SqlExecutor } from './driver.js';
import type { DatabaseOperations } from './database-operations.js';
import { qualifiedName, quoteIdent, type TableTarget } from './identifiers.js';
import { RUNS_TABLE } from './schema.js';

export const SYNCS_TABLE = 'molimport_syncs';
const SEEN_PREFIX = 'molimport_seen_';
const SAMPLE_SIZE = 20;

export type SyncMode = 'hard' | 'soft';

export interface SyncOutcome {
  mode: SyncMode;
  rowsBefore: number;
  unseen: number;
  deleted: number;
  restored: number;
  refused: boolean;
  maxDeleteFraction: number;
  dryRun: boolean;
  sample: string[];
  /** Time of the sync step itself (count, delete, bookkeeping), after the last batch. */
  durationMs: number;
}

/** The table holding run `runId`'s seen IDs, in the bookkeeping schema. */
export function seenTable(bookkeepingSchema: string, runId: number): TableTarget {
  if (!Number.isSafeInteger(runId) || runId < 1) throw new Error(`invalid run id ${runId}`);
  return { schema: bookkeepingSchema, table: `${SEEN_PREFIX}${runId}` };
}

/**
 * Before the first batch of a sync run: the seen table (kept when resuming), `molimport_syncs`,
 * and `deleted_at` for soft mode. Seen tables of older runs into the same table are dropped: only
 * the latest run of a source and table can be resumed. Returns whether the seen table was there.
 */
export async function prepareSync(
  db: DatabaseOperations,
  target: TableTarget,
  options: { runId: number; source: string; mode: SyncMode },
): Promise<{ seenExisted: boolean }> {
  const seen = seenTable(db.schema, options.runId);
  const existed = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    qualifiedName(seen),
  ]);
  await db.query(`CREATE TABLE IF NOT EXISTS ${qualifiedName(seen)} (external_id text NOT NULL)`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${qualifiedName({ schema: db.schema, table: SYNCS_TABLE })} (
  run_id bigint PRIMARY KEY,
  mode text NOT NULL,
  rows_before bigint NOT NULL,
  unseen bigint NOT NULL,
  deleted bigint NOT NULL,
  restored bigint NOT NULL,
  sample jsonb NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now()
)`,
  );
  if (options.mode === 'soft') {
    await db.query(`ALTER TABLE ${qualifiedName(target)} ADD COLUMN IF NOT EXISTS deleted_at timestamptz`);
  }
  const stale = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN ${qualifiedName({ schema: db.schema, table: RUNS_TABLE })} r ON c.relname = $2 || r.id::text
     WHERE n.nspname = $1 AND c.relkind = 'r' AND r.id < $3 AND r.source = $4 AND r.target_table = $5`,
    [db.schema, SEEN_PREFIX, options.runId, options.source, `${target.schema}.${target.table}`],
  );
  for (const s of stale)
    await db.query(`DROP TABLE IF EXISTS ${qualifiedName({ schema: db.schema, table: s.name })}`);
  return { seenExisted: existed[0]?.t !== null && existed[0]?.t !== undefined };
}

/** In a batch's transaction: the IDs it holds were seen. */
export async function recordSeen(tx: SqlExecutor, seen: TableTarget, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(`INSERT INTO ${qualifiedName(seen)} (external_id) SELECT unnest($1::text[])`, [ids]);
}

/** After the last batch: delete (or soft-delete) what the run did not see, under the guard. */
export async function applySync(
  db: DatabaseOperations,
  target: TableTarget,
  options: { runId: number; source: string; mode: SyncMode; maxDeleteFraction: number },
): Promise<SyncOutcome> {
  const syncs = qualifiedName({ schema: db.schema, table: SYNCS_TABLE });
  const seen = qualifiedName(seenTable(db.schema, options.runId));
  const table = qualifiedName(target);
  const started = performance.now();
  const outcome = await db.transaction(async (tx): Promise<Omit<SyncOutcome, 'durationMs'>> => {
    const done = await tx.query<{
      mode: string;
      rows_before: string;
      unseen: string;
      deleted: string;
      restored: string;
      sample: string[];
    }>(`SELECT mode, rows_before, unseen, deleted, restored, sample FROM ${syncs} WHERE run_id = $1`, [
      options.runId,
    ]);
    const previous = done.rows[0];
    if (previous !== undefined) {
      // Resumed after the deletion committed: report it, do not delete again.
      return {
        mode: previous.mode as SyncMode,
        rowsBefore: Number(previous.rows_before),
        unseen: Number(previous.unseen),
        deleted: Number(previous.deleted),
        restored: Number(previous.restored),
        refused: false,
        maxDeleteFraction: options.maxDeleteFraction,
        dryRun: false,
        sample: previous.sample,
      };
    }
    const live = options.mode === 'soft' ? ' AND t.deleted_at IS NULL' : '';
    const unseenWhere = `t.source = $1${live} AND NOT EXISTS (SELECT 1 FROM ${seen} s WHERE s.external_id = t.external_id)`;
    // Fresh statistics, so the planner sees millions of IDs and picks a hashed anti-join.
    await tx.query(`ANALYZE ${seen}`);
    const counts = await countUnseen(tx, table, unseenWhere, `t.source = $1${live}`, options.source);
    const rowsBefore = Number(counts.rows[0]?.rows_before ?? 0);
    const unseen = Number(counts.rows[0]?.unseen ?? 0);
    const sample = (
      await tx.query<{ external_id: string }>(
        `SELECT t.external_id FROM ${table} t WHERE ${unseenWhere} ORDER BY t.external_id LIMIT ${SAMPLE_SIZE}`,
        [options.source],
      )
    ).rows.map((r) => r.external_id);
    const outcome: Omit<SyncOutcome, 'durationMs'> = {
      mode: options.mode,
      rowsBefore,
      unseen,
      deleted: 0,
      restored: 0,
      refused: false,
      maxDeleteFraction: options.maxDeleteFraction,
      dryRun: false,
      sample,
    };
    if (rowsBefore > 0 && unseen / rowsBefore > options.maxDeleteFraction) {
      throw new DeleteGuardError(
        `sync refused: ${unseen} of ${rowsBefore} ${options.source} rows in ${target.schema}.${target.table} (${percent(unseen / rowsBefore)}) were not in this run, more than --max-delete-fraction ${options.maxDeleteFraction}; nothing was deleted. A truncated or wrong download? If the release really withdrew them, resume with a higher --max-delete-fraction (--resume applies the deletion without importing again)`,
        { ...outcome, refused: true, durationMs: Math.round(performance.now() - started) },
      );
    }
    if (options.mode === 'hard') {
      outcome.deleted = (
        await tx.query(`DELETE FROM ${table} t WHERE ${unseenWhere}`, [options.source])
      ).rowCount;
    } else {
      outcome.deleted = (
        await tx.query(`UPDATE ${table} t SET deleted_at = now() WHERE ${unseenWhere}`, [options.source])
      ).rowCount;
      outcome.restored = (
        await tx.query(
          `UPDATE ${table} t SET deleted_at = NULL WHERE t.source = $1 AND t.deleted_at IS NOT NULL
             AND EXISTS (SELECT 1 FROM ${seen} s WHERE s.external_id = t.external_id)`,
          [options.source],
        )
      ).rowCount;
    }
    await tx.query(
      `INSERT INTO ${syncs} (run_id, mode, rows_before, unseen, deleted, restored, sample)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb)`,
      [
        options.runId,
        options.mode,
        rowsBefore,
        unseen,
        outcome.deleted,
        outcome.restored,
        JSON.stringify(sample),
      ],
    );
    await tx.query(`DROP TABLE ${seen}`);
    return outcome;
  });
  return { ...outcome, durationMs: Math.round(performance.now() - started) };
}

/**
 * `--sync --dry-run`: what a sync would delete, from the IDs the dry run read, without writing
 * anything that outlives the transaction (a temporary table dropped at its end).
 */
export async function previewSync(
  db: DatabaseOperations,
  target: TableTarget,
  options: { source: string; mode: SyncMode; maxDeleteFraction: number; ids: Iterable<string> },
): Promise<SyncOutcome> {
  const started = performance.now();
  const outcome: SyncOutcome = {
    durationMs: 0,
    mode: options.mode,
    rowsBefore: 0,
    unseen: 0,
    deleted: 0,
    restored: 0,
    refused: false,
    maxDeleteFraction: options.maxDeleteFraction,
    dryRun: true,
    sample: [],
  };
  const exists = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    qualifiedName(target),
  ]);
  if (exists[0]?.t === null || exists[0]?.t === undefined) return outcome;
  const table = qualifiedName(target);
  const hasDeletedAt =
    (
      await db.query(
        `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = 'deleted_at'`,
        [target.schema, target.table],
      )
    ).length > 0;
  const live = options.mode === 'soft' && hasDeletedAt ? ' AND t.deleted_at IS NULL' : '';
  return db.transaction(async (tx) => {
    const temp = quoteIdent('molimport_dry_seen');
    await tx.query(`CREATE TEMP TABLE ${temp} (external_id text NOT NULL) ON COMMIT DROP`);
    let chunk: string[] = [];
    const flush = async (): Promise<void> => {
      if (chunk.length > 0) await tx.query(`INSERT INTO ${temp} SELECT unnest($1::text[])`, [chunk]);
      chunk = [];
    };
    for (const id of options.ids) {
      chunk.push(id);
      if (chunk.length >= 50_000) await flush();
    }
    await flush();
    await tx.query(`ANALYZE ${temp}`);
    const unseenWhere = `t.source = $1${live} AND NOT EXISTS (SELECT 1 FROM ${temp} s WHERE s.external_id = t.external_id)`;
    const counts = await countUnseen(tx, table, unseenWhere, `t.source = $1${live}`, options.source);
    outcome.rowsBefore = Number(counts.rows[0]?.rows_before ?? 0);
    outcome.unseen = Number(counts.rows[0]?.unseen ?? 0);
    outcome.sample = (
      await tx.query<{ external_id: string }>(
        `SELECT t.external_id FROM ${table} t WHERE ${unseenWhere} ORDER BY t.external_id LIMIT ${SAMPLE_SIZE}`,
        [options.source],
      )
    ).rows.map((r) => r.external_id);
    outcome.refused =
      outcome.rowsBefore > 0 && outcome.unseen / outcome.rowsBefore > options.maxDeleteFraction;
    outcome.durationMs = Math.round(performance.now() - started);
    return outcome;
  });
}

/**
 * Rows of the source, and those the run did not see. Two scalar subqueries, each with the NOT
 * EXISTS in its WHERE, where the planner turns it into a hashed anti-join: inside an aggregate's
 * FILTER it would stay a subplan run once per row (quadratic: minutes at 2,000,000 rows).
 */
async function countUnseen(
  tx: SqlExecutor,
  table: string,
  unseenWhere: string,
  sourceWhere: string,
  source: string,
): Promise<{ rows: { rows_before: string; unseen: string }[] }> {
  return tx.query<{ rows_before: string; unseen: string }>(
    `SELECT (SELECT count(*) FROM ${table} t WHERE ${sourceWhere}) AS rows_before,
            (SELECT count(*) FROM ${table} t WHERE ${unseenWhere}) AS unseen`,
    [source],
  );
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}
