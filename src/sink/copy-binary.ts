/**
 * PostgreSQL COPY binary format: a header, then per row a field count and per field a 32-bit length
 * (-1 for NULL) followed by the value in the type's binary form; a -1 field count ends the data.
 *
 * Why binary for the staging load: text fields go in as their UTF-8 bytes with no escaping at all,
 * so a molfile (dozens of LFs) or a JSON document is neither scanned nor copied in Node, and the
 * server skips COPY text's line and escape parsing (measured on PubChem SDF rows in bench/). The
 * server still verifies every text and jsonb value as UTF-8 and refuses a NUL byte with its own
 * message, exactly as in text format.
 */
import { inspect } from 'node:util';
import { ConfigurationError } from '../errors.js';
import { ChunkedBuffer, encodeChunks } from './chunked-buffer.js';
import { needsEscape, type StringMembers } from './jsonb-text.js';

/** A value of one COPY field; its column's {@link BinaryColumnType} says how it is encoded. */
export type CopyValue = string | number | bigint | boolean | Date | null | undefined | object;

/** The column types the COPY binary encoder writes (and so the staging and molecules tables use). */
export type BinaryColumnType = 'int4' | 'int8' | 'float8' | 'text' | 'jsonb';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Signature, flags (no OIDs), header extension length 0. */
const HEADER_BYTES = SIGNATURE.length + 8;
const TWO_32 = 4_294_967_296;
const JSONB_VERSION = 1;

/**
 * COPY binary fields (a length, then the value) written at `pos` into buffers of about
 * `chunkBytes`. Strings are written with `Buffer.write`, whose byte count is patched into the
 * length slot afterwards: no `Buffer.byteLength` pass, no copies. {@link CopyBinaryEncoder} adds the
 * stream's header, rows and trailer; packed-rows.ts writes a row's fields into arenas with it.
 */
export class CopyFieldEncoder extends ChunkedBuffer {
  /** A text field (null → NULL). */
  text(value: string | null | undefined): void {
    if (value === null || value === undefined) this.#null();
    else this.#text(value, -1);
  }

  /** A jsonb field from a value to serialise, or from its JSON text (null → NULL). */
  jsonb(value: unknown): void {
    if (value === null || value === undefined) this.#null();
    else this.#text(typeof value === 'string' ? value : JSON.stringify(value), JSONB_VERSION);
  }

  /**
   * A jsonb field of an object of strings, printed as PostgreSQL prints it (jsonb-text.ts) straight
   * into the buffer: no JSON string of the whole object to build, flatten and copy.
   */
  jsonbMembers(members: StringMembers): void {
    this.room(4 + 1 + members.bytes);
    const buf = this.buf;
    const slot = this.pos;
    let p = slot + 4;
    buf[p++] = JSONB_VERSION;
    buf[p++] = 0x7b; // {
    const { prefixes, values } = members;
    for (let i = 0; i < values.length; i++) {
      const prefix = prefixes[i] as Buffer;
      buf.set(prefix, p);
      p += prefix.length;
      p = writeJsonString(buf, p, values[i] as string);
    }
    buf[p++] = 0x7d; // }
    buf.writeInt32BE(p - slot - 4, slot);
    this.pos = p;
  }

  /**
   * A jsonb field of the members of `fields` not named in `except`, in the map's order, as
   * JSON.stringify prints the object they would make: no object and no JSON string per row. The
   * order of integer-like keys may differ from that object's, which neither jsonb (it orders keys
   * itself) nor JSON.parse (it orders them as the object would) keeps.
   */
  jsonbFields(fields: ReadonlyMap<string, string>, except: readonly string[]): void {
    this.room(4 + 1 + fieldsJsonBound(fields));
    const slot = this.pos;
    this.buf[slot + 4] = JSONB_VERSION;
    this.buf[slot + 5] = 0x7b; // {
    member.buf = this.buf;
    member.at = slot + 6;
    member.except = except;
    member.first = true;
    // forEach, not `for (const [key, value] of fields)`: that made a pair per field (2.3 KB of
    // garbage per PubChem record, measured with V8's sampling heap profiler).
    fields.forEach(writeMember);
    const p = member.at;
    this.buf[p] = 0x7d; // }
    this.buf.writeInt32BE(p + 1 - slot - 4, slot);
    this.pos = p + 1;
    // Not holding on to the buffer; the key list is the caller's and small.
    member.buf = EMPTY;
  }

  /** An int8 field (null → NULL); a safe integer. */
  int8(value: number | null | undefined): void {
    if (value === null || value === undefined) this.#null();
    else this.field('int8', value);
  }

  /** An int4 field (null → NULL). */
  int4(value: number | null | undefined): void {
    if (value === null || value === undefined) this.#null();
    else this.field('int4', value);
  }

  /** A float8 field (null → NULL). */
  float8(value: number | null | undefined): void {
    if (value === null || value === undefined) this.#null();
    else this.field('float8', value);
  }

  /** Fields encoded before (by this class), copied as they are. */
  encoded(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  #null(): void {
    this.room(4);
    this.pos = this.buf.writeInt32BE(-1, this.pos);
  }

  protected field(type: BinaryColumnType, value: CopyValue): void {
    if (value === null || value === undefined) {
      this.room(4);
      this.pos = this.buf.writeInt32BE(-1, this.pos);
      return;
    }
    switch (type) {
      case 'text':
        this.#text(textOf(value), -1);
        return;
      case 'jsonb':
        this.#text(typeof value === 'string' ? value : JSON.stringify(value), JSONB_VERSION);
        return;
      case 'float8':
        this.room(12);
        this.pos = this.buf.writeInt32BE(8, this.pos);
        this.pos = this.buf.writeDoubleBE(Number(value), this.pos);
        return;
      case 'int4': {
        const n = integer(value, -2_147_483_648, 2_147_483_647, type);
        this.room(8);
        this.pos = this.buf.writeInt32BE(4, this.pos);
        this.pos = this.buf.writeInt32BE(n, this.pos);
        return;
      }
      case 'int8': {
        const n = integer(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, type);
        const hi = Math.floor(n / TWO_32);
        this.room(12);
        this.pos = this.buf.writeInt32BE(8, this.pos);
        this.pos = this.buf.writeInt32BE(hi, this.pos);
        this.pos = this.buf.writeUInt32BE(n - hi * TWO_32, this.pos);
        return;
      }
    }
  }

  /** A length slot, an optional version byte (jsonb), then the UTF-8 bytes; the length is patched in. */
  #text(s: string, versionByte: number): void {
    const prefix = versionByte >= 0 ? 1 : 0;
    // At most 3 UTF-8 bytes per UTF-16 unit.
    this.room(4 + prefix + s.length * 3);
    const buf = this.buf;
    const slot = this.pos;
    let p = slot + 4;
    if (prefix) buf[p++] = versionByte;
    const written = s.length === 0 ? 0 : buf.write(s, p, 'utf8');
    buf.writeInt32BE(prefix + written, slot);
    this.pos = p + written;
  }
}

/** Encodes rows straight into buffers of about `chunkBytes`, each a slice of one COPY binary stream. */
export class CopyBinaryEncoder extends CopyFieldEncoder {
  readonly #types: readonly BinaryColumnType[];

  constructor(types: readonly BinaryColumnType[], chunkBytes = 1 << 20) {
    if (types.length === 0 || types.length > 1600)
      throw new ConfigurationError(`COPY binary: expected 1 to 1600 columns, got ${types.length}`);
    super(Math.max(chunkBytes, HEADER_BYTES));
    this.#types = types;
    SIGNATURE.copy(this.buf, 0);
    this.buf.writeInt32BE(0, SIGNATURE.length);
    this.buf.writeInt32BE(0, SIGNATURE.length + 4);
    this.pos = HEADER_BYTES;
  }

  /** Append one row; `values` are in column order, one per column type. */
  row(values: readonly CopyValue[]): void {
    const types = this.#types;
    if (values.length !== types.length)
      throw new ConfigurationError(`COPY binary: expected ${types.length} values, got ${values.length}`);
    this.room(2);
    this.pos = this.buf.writeInt16BE(types.length, this.pos);
    for (let i = 0; i < types.length; i++) this.field(types[i] as BinaryColumnType, values[i]);
  }

  /**
   * Field by field, for a caller that knows its columns (the molecule writer): no array of values
   * per row. `beginRow` writes the field count; exactly that many `text`/`jsonb`/`int8`/`float8`
   * calls must follow, in the column order the COPY statement names.
   */
  beginRow(fields: number): void {
    this.room(2);
    this.pos = this.buf.writeInt16BE(fields, this.pos);
  }

  /** The trailer: a field count of -1. */
  protected override beforeFinish(): void {
    this.room(2);
    this.pos = this.buf.writeInt16BE(-1, this.pos);
  }
}

/**
 * At least the bytes {@link CopyFieldEncoder.jsonbFields} prints, whatever it leaves out: a UTF-16
 * unit takes at most 6 bytes escaped (`\u001f`), 3 in UTF-8; a member's comma, colon and four
 * quotes 6; the braces 2.
 */
export function fieldsJsonBound(fields: ReadonlyMap<string, string>): number {
  // Keys and values in two passes: no [key, value] pair per field, no test of `except`.
  let units = 0;
  for (const key of fields.keys()) units += key.length;
  for (const value of fields.values()) units += value.length;
  return (units + fields.size) * 6 + 2;
}

const EMPTY = Buffer.alloc(0);

/** Where {@link writeMember} writes: one jsonbFields call at a time, never re-entered. */
const member: { buf: Buffer; at: number; except: readonly string[]; first: boolean } = {
  buf: EMPTY,
  at: 0,
  except: [],
  first: true,
};

/** One member of CopyFieldEncoder.jsonbFields: `,"key":"value"` at `member.at`. */
function writeMember(value: string, key: string): void {
  if (member.except.includes(key)) return;
  const buf = member.buf;
  let p = member.at;
  if (!member.first) buf[p++] = 0x2c; // ,
  member.first = false;
  const k = keyBytes(key);
  if (k.length <= 32) for (let i = 0; i < k.length; i++) buf[p++] = k[i] as number;
  else {
    buf.set(k, p);
    p += k.length;
  }
  member.at = writeJsonString(buf, p, value);
}

/** `value` as a JSON string (as JSON.stringify prints it) at `p`; returns the offset after it. */
function writeJsonString(buf: Buffer, p: number, value: string): number {
  if (needsEscape(value)) return p + buf.write(JSON.stringify(value), p, 'utf8');
  buf[p++] = 0x22; // "
  if (value.length > 0) p += buf.write(value, p, 'utf8');
  buf[p++] = 0x22;
  return p;
}

/** `"key":` as UTF-8, for the field names of the last records (a file repeats the same few dozen). */
const keyJson = new Map<string, Buffer>();

function keyBytes(key: string): Buffer {
  let bytes = keyJson.get(key);
  if (bytes === undefined) {
    if (keyJson.size >= 4_096) keyJson.clear();
    bytes = Buffer.from(`${JSON.stringify(key)}:`, 'utf8');
    keyJson.set(key, bytes);
  }
  return bytes;
}

/** A text column's value: scalars and dates as their text, other objects as JSON (not "[object Object]"). */
function textOf(value: string | number | bigint | boolean | Date | object): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value instanceof Date) return String(value);
  return JSON.stringify(value);
}

function integer(value: CopyValue, min: number, max: number, type: string): number {
  const n = typeof value === 'bigint' ? Number(value) : (value as number);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw new ConfigurationError(`COPY binary: ${inspect(value)} is not a valid ${type}`);
  return n;
}

/** Rows as COPY binary buffers of about `chunkBytes` (see {@link CopyBinaryEncoder}), lazily. */
export function copyBinaryChunks<T>(
  items: Iterable<T>,
  types: readonly BinaryColumnType[],
  toValues: (item: T) => readonly CopyValue[],
  chunkBytes = 1 << 20,
): Generator<Buffer> {
  return encodeChunks(new CopyBinaryEncoder(types, chunkBytes), items, toValues);
}
