/**
 * Whether the last batch of a run was mostly 'unchanged' (at least half its rows), so the next one
 * likely is too. A batch says so whichever way its own rows were packed, so the hint never gets
 * stuck. Two things follow it:
 * - A `--mode skip` run into a table holding rows of its source packs rows as their record text
 *   only (RowArena.packText), encoding a row's columns only when a batch writes it, and reads a
 *   record's ID without its other fields. That pays while most rows are stored already: a skip
 *   re-import writes none of them, and encoding them was a fifth of its CPU. A run of mostly new
 *   rows (a new file of a source the table holds) would parse each row twice.
 * - A re-import's batches settle stored keys without probing for them first (molecule-writer.ts).
 */
export class PackingHint {
  #mostlyUnchanged = true;

  /** Whether the last batch (or none yet) was at least half 'unchanged'. */
  get mostlyUnchanged(): boolean {
    return this.#mostlyUnchanged;
  }

  /** Whether the next rows are packed as text only (where this hint is used for packing at all). */
  get textOnly(): boolean {
    return this.#mostlyUnchanged;
  }

  /** After a batch: `rows` written or settled, `unchanged` of them (never encoded under text only). */
  record(rows: number, unchanged: number): void {
    if (rows > 0) this.#mostlyUnchanged = unchanged * 2 >= rows;
  }
}
