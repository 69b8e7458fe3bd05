/**
 * PostgreSQL COPY text format: columns separated by TAB, rows ended by LF, `\N` for NULL, and
 * backslash, TAB, LF and CR escaped. NUL bytes are left as they are: PostgreSQL refuses them with
 * its own message ("invalid byte sequence for encoding \"UTF8\": 0x00"), which the engine turns
 * into a reject after isolating the record. Stripping them silently would change the data.
 */

export type CopyValue = string | number | bigint | boolean | Date | null | undefined | object;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/**
 * Escape a string for a COPY text field (no quoting: COPY text has none). Four literal replaces
 * beat one regex with a callback by 3-4× on molfiles (measured: 11 ms vs 17-53 ms for 5,000).
 */
export function escapeCopyText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * One field: `\N` for null/undefined; numbers in a form float8/int input accepts (NaN, Infinity);
 * booleans `t`/`f`; Dates as ISO 8601; other objects (jsonb) as JSON text.
 */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  switch (typeof value) {
    case 'string':
      return escapeCopyText(value);
    case 'number':
      return Number.isFinite(value)
        ? String(value)
        : Number.isNaN(value)
          ? 'NaN'
          : value > 0
            ? 'Infinity'
            : '-Infinity';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 't' : 'f';
    default:
      if (value instanceof Date) return value.toISOString();
      return escapeCopyText(JSON.stringify(value));
  }
}

/** One row, LF-terminated. */
export function copyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    line += copyField(values[i]);
  }
  return line + '\n';
}

/**
 * Encode rows into chunks of about `chunkChars` characters (one string when the batch is small):
 * few large writes are what COPY wants, and chunks keep a huge batch from being one giant string.
 */
export function* copyChunks<T>(
  items: Iterable<T>,
  toValues: (item: T) => readonly CopyValue[],
  chunkChars = 1 << 20,
): Generator<string> {
  let parts: string[] = [];
  let size = 0;
  for (const item of items) {
    const line = copyRow(toValues(item));
    parts.push(line);
    size += line.length;
    if (size >= chunkChars) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield parts.join('');
}

/** The whole payload as one string. */
export function copyText<T>(items: Iterable<T>, toValues: (item: T) => readonly CopyValue[]): string {
  return [...copyChunks(items, toValues, Number.POSITIVE_INFINITY)].join('');
}
