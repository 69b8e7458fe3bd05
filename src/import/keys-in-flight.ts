/**
 * The IDs of the records between the reader and their batch's outcome, with their seqs, so a batch
 * can tell which of its rows have an earlier record of the same ID still on its way.
 *
 * Why: a re-imported row whose data is already stored is 'unchanged' and not written, so it keeps
 * the older run's seq. If an earlier record of its ID, in a parallel batch, commits afterwards, it
 * would meet a row from another run and overwrite it: the earlier record would win. The writer
 * records this run's seq on exactly those rows (`stampUnchanged`), and the earlier record then
 * meets a newer row of its own run. An earlier record is always registered before a later one is
 * written (batches are cut in read order), and it stays registered until its batch settles, retries
 * and splits included. The stamp is in the table, so a resumed run sees it too.
 */
import type { WorkItem } from './work-items.js';

export class KeysInFlight {
  /** ID → the seq of its one record in flight, or every seq when there are several. */
  readonly #seqs = new Map<string, number | number[]>();

  /** Registers an item as it leaves the reader, before the engine can cut it into a batch. */
  add(item: WorkItem): void {
    if (!item.row) return;
    const id = item.row.externalId;
    const seqs = this.#seqs.get(id);
    if (seqs === undefined) this.#seqs.set(id, item.seq);
    else if (typeof seqs === 'number') this.#seqs.set(id, [seqs, item.seq]);
    else seqs.push(item.seq);
  }

  /**
   * Forgets an item whose outcome is final: called when its batch commits (before its row is
   * released) and again when the batch settles (for rows never written); the second call is a no-op.
   */
  settle(item: WorkItem): void {
    if (!item.row) return;
    const id = item.row.externalId;
    const seqs = this.#seqs.get(id);
    if (seqs === undefined) return;
    if (typeof seqs === 'number') {
      if (seqs === item.seq) this.#seqs.delete(id);
      return;
    }
    const at = seqs.indexOf(item.seq);
    if (at >= 0) seqs.splice(at, 1);
    if (seqs.length === 1) this.#seqs.set(id, seqs[0]!);
    else if (seqs.length === 0) this.#seqs.delete(id);
  }

  /** Whether a record of `id` earlier than `seq` is still in flight. */
  hasEarlier(id: string, seq: number): boolean {
    const seqs = this.#seqs.get(id);
    if (seqs === undefined) return false;
    if (typeof seqs === 'number') return seqs < seq;
    return seqs.some((s) => s < seq);
  }

  /** IDs in flight (for tests: every item settles, so a finished run leaves none). */
  get size(): number {
    return this.#seqs.size;
  }
}
