/**
 * PostgreSQL COPY text format: columns separated by TAB, rows ended by LF, `\N` for NULL, and
 * backslash, TAB, LF and CR escaped. NUL bytes are left as they are: PostgreSQL refuses them with
 * its own message ("invalid byte sequence for encoding \"UTF8\": 0x00"), which the engine turns
 * into a reject after isolating the record. Stripping them silently would change the data.
 */

import { ChunkedBuffer, encodeChunks } from './chunked-buffer.js';

export type CopyValue = string | number | bigint | boolean | Date | null | undefined | object;

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/**
 * Escape a string for a COPY text field (no quoting: COPY text has none). Only the characters
 * present are replaced, each with a native `replaceAll`: a molfile has only LFs, and that one pass
 * is 3-4× faster than a regex with a callback or a byte loop (measured on PubChem molfiles).
 */
export function escapeCopyText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  let out = value;
  if (out.includes('\\')) out = out.replaceAll('\\', '\\\\');
  if (out.includes('\t')) out = out.replaceAll('\t', '\\t');
  if (out.includes('\n')) out = out.replaceAll('\n', '\\n');
  if (out.includes('\r')) out = out.replaceAll('\r', '\\r');
  return out;
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

const TAB = 0x09;
const LF = 0x0a;

/**
 * Encodes rows straight into UTF-8 buffers of about `chunkBytes`: no per-row strings, no joins, and
 * no second encoding pass in the driver.
 */
export class CopyBufferEncoder extends ChunkedBuffer {
  constructor(chunkBytes = 1 << 20) {
    super(chunkBytes);
  }

  /** Append one row, LF-terminated. */
  row(values: readonly CopyValue[]): void {
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.#byte(TAB);
      this.field(values[i]);
    }
    this.#byte(LF);
  }

  /** Append one field (same text as {@link copyField}). */
  field(value: CopyValue): void {
    if (typeof value === 'string') this.#string(value);
    else if (value === null || value === undefined) this.#ascii('\\N');
    else if (typeof value === 'number' && Number.isInteger(value)) this.#ascii(String(value));
    else if (typeof value === 'object' && !(value instanceof Date)) this.#string(JSON.stringify(value));
    else this.#string(copyField(value));
  }

  #byte(b: number): void {
    if (this.pos >= this.buf.length) this.room(1);
    this.buf[this.pos++] = b;
  }

  #ascii(s: string): void {
    this.room(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  #string(s: string): void {
    const text = escapeCopyText(s);
    // At most 3 UTF-8 bytes per UTF-16 unit.
    this.room(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }
}

/** {@link copyChunks} as UTF-8 buffers of about `chunkBytes` (see {@link CopyBufferEncoder}), lazily. */
export function copyBufferChunks<T>(
  items: Iterable<T>,
  toValues: (item: T) => readonly CopyValue[],
  chunkBytes = 1 << 20,
): Generator<Buffer> {
  return encodeChunks(new CopyBufferEncoder(chunkBytes), items, toValues);
}
