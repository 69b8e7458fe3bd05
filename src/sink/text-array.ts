/**
 * A `text[]` parameter as PostgreSQL's array literal, made here as one string: node-postgres quotes
 * and escapes each element into strings of its own before joining them, and a batch's key lists
 * made 11 % of a `--mode skip` re-import's allocations that way (V8's sampling heap profiler).
 */

/** What an element may hold unquoted: PostgreSQL trims and splits on anything else. */
const BARE = /^[A-Za-z0-9_.:+/-]+$/;

/** `values` as a `text[]` literal (`{a,b,"c d"}`): IDs mostly bare, anything else quoted with `"` and `\` escaped. */
export function textArrayLiteral(values: readonly string[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    // An unquoted NULL (any case) is a null element, not the text.
    parts[i] =
      BARE.test(v) && !(v.length === 4 && v.toLowerCase() === 'null')
        ? v
        : `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `{${parts.join(',')}}`;
}
