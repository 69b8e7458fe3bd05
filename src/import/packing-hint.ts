/**
 * Whether a `--mode skip` run into a table holding rows of its source packs rows as their record
 * text only (RowArena.packText), encoding a row's columns only when a batch writes it. That pays
 * while most rows are stored already: a skip re-import writes none of them, and encoding them was
 * a fifth of its CPU. A run of mostly new rows (a new file of a source the table holds) would
 * parse each row twice, so the last batch decides: text only while at least half its rows were
 * 'unchanged'. A batch says so whichever way its own rows were packed, so the hint never gets stuck.
 */
export class PackingHint {
  #textOnly = true;

  /** Whether the next rows are packed as text only. */
  get textOnly(): boolean {
    return this.#textOnly;
  }

  /** Whether the last batch (or none yet) was at least half 'unchanged', so the next likely is too. */
  get mostlyUnchanged(): boolean {
    return this.#textOnly;
  }

  /** After a batch: `rows` written or settled, `unchanged` of them (never encoded under text only). */
  record(rows: number, unchanged: number): void {
    if (rows > 0) this.#textOnly = unchanged * 2 >= rows;
  }
}
