/**
 * Making tables and prose fit a terminal: a table drops its least useful columns (named in order)
 * until it fits, and falls back to one `column: value` line per cell when even its essentials do
 * not; prose is word-wrapped. `width` is Infinity when stdout is not a terminal (a file or a pipe
 * gets the full layout).
 */
import Table from 'cli-table3';
import { wrapText } from './wrap.js';

export { wrapText };

export interface FitTableInput {
  head: readonly string[];
  rows: readonly (readonly string[])[];
  /** The terminal's width in columns; Infinity for no limit. */
  width: number;
  /**
   * Columns to give up, least useful first; the others are never dropped. Of these, columns whose
   * cells are all `0` or `-` go before any that says something.
   */
  dropOrder?: readonly string[];
  /** Index of a column whose cells may be shortened (with …) before columns are dropped. */
  shortenColumn?: number;
}

/** The widest line of a block of text, in terminal columns (code points; no wide characters here). */
export function textWidth(text: string): number {
  let widest = 0;
  for (const line of text.split('\n')) widest = Math.max(widest, [...line].length);
  return widest;
}

export function fitTable(input: FitTableInput): string {
  const { head, rows, width } = input;
  let keep = head.map((_, i) => i);
  let cellLimit = Infinity;
  const render = (): string => {
    const table = new Table({ head: keep.map((i) => head[i]!), style: { head: [], border: [] } });
    for (const r of rows)
      table.push(
        keep.map((i) => (i === input.shortenColumn ? shorten(r[i] ?? '', cellLimit) : (r[i] ?? ''))),
      );
    return table.toString();
  };
  let out = render();
  if (textWidth(out) <= width) return out;
  if (input.shortenColumn !== undefined) {
    cellLimit = 24;
    out = render();
  }
  const empty = (name: string): boolean => {
    const i = head.indexOf(name);
    return rows.every((r) => r[i] === '0' || r[i] === '-' || r[i] === '');
  };
  const order = input.dropOrder ?? [];
  // Once columns are gone the long cells may fit again: prefer them whole.
  const whole = (): string => {
    if (cellLimit === Infinity) return out;
    cellLimit = Infinity;
    const full = render();
    return textWidth(full) <= width ? full : out;
  };
  for (const name of [...order.filter(empty), ...order.filter((n) => !empty(n))]) {
    if (textWidth(out) <= width) return whole();
    const index = head.indexOf(name);
    keep = keep.filter((i) => i !== index);
    out = render();
  }
  if (textWidth(out) <= width) return whole();
  return verticalLayout(head, rows, width);
}

/** One `column: value` line per cell, records separated by a blank line (psql's expanded mode). */
export function verticalLayout(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  width: number,
): string {
  const label = Math.max(...head.map((h) => h.length));
  const blocks = rows.map((r) =>
    head
      .map((h, i) => wrapText(`${h.padEnd(label)} : ${r[i] ?? ''}`, width, label + 3).join('\n'))
      .join('\n'),
  );
  return blocks.join('\n\n');
}

function shorten(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : s;
}
