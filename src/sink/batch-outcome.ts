/**
 * A batch's outcome kept with its ledger rows, so a COMMIT whose reply was lost can be settled:
 * the connection broke after COMMIT was sent, the server may or may not have committed. Writing
 * the batch again would count its rows twice (insert mode: "duplicate key" rejects of rows that
 * are in the table; upsert: false duplicates). Instead the ledger is asked (runs-ledger.ts): a
 * batch that committed has its ledger row, and that row holds the statuses it committed with, one
 * letter per row.
 */
import type { RowStatus } from '../types.js';

/** What the writer can say of a row it was given: a record's fate short of a reject or a skip. */
export type WrittenRowStatus = Exclude<RowStatus, 'rejected' | 'skipped'>;

const LETTER: Record<WrittenRowStatus, string> = {
  inserted: 'i',
  updated: 'u',
  unchanged: 'n',
  duplicate: 'd',
};
const STATUS: Record<string, WrittenRowStatus> = {
  i: 'inserted',
  u: 'updated',
  n: 'unchanged',
  d: 'duplicate',
};

/** One letter per row: `i`nserted, `u`pdated, u`n`changed, `d`uplicate. */
export function encodeStatuses(statuses: readonly WrittenRowStatus[]): string {
  return statuses.map((s) => LETTER[s]).join('');
}

/** The inverse of {@link encodeStatuses}; throws `Error` on a letter it does not know. */
export function decodeStatuses(text: string): WrittenRowStatus[] {
  return [...text].map((c) => {
    const s = STATUS[c];
    if (s === undefined) throw new Error(`unknown batch status letter ${JSON.stringify(c)} in the ledger`);
    return s;
  });
}
