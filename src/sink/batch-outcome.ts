/**
 * A batch's outcome kept with its ledger rows, so a COMMIT whose reply was lost can be settled:
 * the connection broke after COMMIT was sent, the server may or may not have committed. Writing
 * the batch again would count its rows twice (insert mode: "duplicate key" rejects of rows that
 * are in the table; upsert: false duplicates). Instead the ledger is asked: a batch that committed
 * has its ledger row, and that row holds the statuses it committed with, one letter per row.
 */
import type { SqlExecutor } from './driver.js';
import { qualifiedName } from './identifiers.js';
import type { LedgerEntry, RowStatus } from './molecule-writer.js';
import { BATCHES_TABLE } from './schema.js';

const LETTER: Record<RowStatus, string> = { inserted: 'i', updated: 'u', unchanged: 'n', duplicate: 'd' };
const STATUS: Record<string, RowStatus> = { i: 'inserted', u: 'updated', n: 'unchanged', d: 'duplicate' };

export function encodeStatuses(statuses: readonly RowStatus[]): string {
  return statuses.map((s) => LETTER[s]).join('');
}

export function decodeStatuses(text: string): RowStatus[] {
  return [...text].map((c) => {
    const s = STATUS[c];
    if (s === undefined) throw new Error(`unknown batch status letter ${JSON.stringify(c)} in the ledger`);
    return s;
  });
}

/**
 * The statuses the batch with this ledger committed with, or undefined when it did not commit.
 * Ranges of one run never overlap (one run per table at a time), so the first entry identifies it.
 */
export async function committedStatuses(
  db: Pick<SqlExecutor, 'query'>,
  bookkeepingSchema: string,
  runId: number,
  ledger: readonly LedgerEntry[],
): Promise<RowStatus[] | undefined> {
  const first = ledger[0];
  if (first === undefined) return undefined;
  const { rows } = await db.query<{ statuses: string | null }>(
    `SELECT statuses FROM ${qualifiedName({ schema: bookkeepingSchema, table: BATCHES_TABLE })}
     WHERE run_id = $1 AND file_index = $2 AND file_key = $3 AND first_record = $4 AND last_record = $5`,
    [runId, first.fileIndex, first.fileKey, first.firstRecord, first.lastRecord],
  );
  const found = rows[0];
  if (found === undefined) return undefined;
  return decodeStatuses(found.statuses ?? '');
}

/**
 * Records of a run's committed ranges that were not rows, i.e. its rejects (a batch's range covers
 * its rejects; its statuses cover its rows). Undefined when a batch predates the statuses column.
 */
export async function committedRejectCount(
  db: Pick<SqlExecutor, 'query'>,
  bookkeepingSchema: string,
  runId: number,
): Promise<number | undefined> {
  const { rows } = await db.query<{ records: string; rows: string; unknown: string }>(
    `SELECT coalesce(sum(last_record - first_record + 1), 0) AS records,
            coalesce(sum(length(statuses)), 0) AS rows,
            count(*) FILTER (WHERE statuses IS NULL) AS unknown
       FROM ${qualifiedName({ schema: bookkeepingSchema, table: BATCHES_TABLE })} WHERE run_id = $1`,
    [runId],
  );
  const r = rows[0];
  if (r === undefined || Number(r.unknown) > 0) return undefined;
  return Number(r.records) - Number(r.rows);
}
