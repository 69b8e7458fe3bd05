/**
 * `molimport delete`: one batch of listed IDs deleted in one transaction together with its resume
 * ledger row, so a killed run resumed later deletes each listed ID exactly once.
 */
import type { SqlExecutor } from './driver.js';
import type { DatabaseOperations } from './database-operations.js';
import { qualifiedName, type TableTarget } from './identifiers.js';
import { recordDeletedRange, type RunRecord } from './runs-ledger.js';
import { RUNS_TABLE } from './schema.js';

/** One batch of `molimport delete`: IDs of one source, and the lines of the IDs file they came from. */
export interface DeleteBatch {
  source: string;
  ids: readonly string[];
  runId: number;
  /** Identifies the IDs file in the ledger. */
  fileKey: string;
  firstRecord: number;
  lastRecord: number;
}

/** Delete the batch's IDs and write its ledger row, in `tx`. Returns how many rows went. */
export async function deleteIdsInTransaction(
  tx: SqlExecutor,
  target: TableTarget,
  bookkeepingSchema: string,
  batch: DeleteBatch,
): Promise<number> {
  const deleted = await tx.query(
    `DELETE FROM ${qualifiedName(target)} WHERE source = $1 AND external_id = ANY($2::text[])`,
    [batch.source, batch.ids],
  );
  await recordDeletedRange(tx, bookkeepingSchema, { ...batch, rows: batch.ids.length });
  return deleted.rowCount;
}

/** `--dry-run`: how many of `ids` are rows of `source` (nothing is written). 0 when the table is missing. */
export async function countExistingIds(
  db: DatabaseOperations,
  target: TableTarget,
  source: string,
  ids: readonly string[],
): Promise<number> {
  const rows = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${qualifiedName(target)} WHERE source = $1 AND external_id = ANY($2::text[])`,
    [source, ids],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Whether `target` exists (a dry run does not create it). */
export async function tableExists(db: DatabaseOperations, target: TableTarget): Promise<boolean> {
  const rows = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    qualifiedName(target),
  ]);
  return rows[0]?.t !== null && rows[0]?.t !== undefined;
}

/** The latest delete run of `source` into `target`, when it did not complete. */
export async function findResumableDelete(
  db: DatabaseOperations,
  source: string,
  target: TableTarget,
): Promise<RunRecord | undefined> {
  const rows = await db.query<{ id: string; status: string }>(
    `SELECT id, status FROM ${qualifiedName({ schema: db.schema, table: RUNS_TABLE })}
     WHERE source = $1 AND target_table = $2 AND options->>'command' = 'delete' ORDER BY id DESC LIMIT 1`,
    [source, `${target.schema}.${target.table}`],
  );
  const latest = rows[0];
  if (latest === undefined || latest.status === 'completed') return undefined;
  return db.getRun(Number(latest.id));
}
