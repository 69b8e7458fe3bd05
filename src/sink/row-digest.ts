/**
 * A digest of a molecule row's data columns, computed the same way here (from the row about to be
 * written) and in PostgreSQL (from the stored row), so a re-import can tell an unchanged row by
 * sending 32 bytes instead of COPYing the whole row into staging (molecule-writer.ts).
 *
 * Equal digests mean equal data columns (sha256: no practical collisions, crafted ones included),
 * so `unchanged` is decided only then. Different digests prove nothing: the row takes the full
 * compare. That makes every mismatch between the two encodings safe, only slower: a float8 `-0`,
 * a jsonb number PostgreSQL prints differently (`1e-7` → `0.0000001`), a server encoding other
 * than UTF-8 (the SQL then says "different" for every row), a `properties` value that is not
 * plain JSON data (the row gets no digest at all).
 *
 * The encoding, column by column in MOLECULE_DATA_COLUMNS order with `properties` last:
 * text → `<UTF-8 byte length>:<value>` or `N:`; float8 → the 16 hex digits of its IEEE bits or
 * `N`; jsonb → PostgreSQL's own text output (keys by byte length, then bytes; `", "` and `": "`
 * separators). Each field is self-delimiting, so the concatenation is unambiguous.
 */
import { hash } from 'node:crypto';
import type { MoleculeRow } from '../types.js';
import { MOLECULE_DATA_BINARY_TYPES, MOLECULE_DATA_COLUMNS } from './schema.js';

type FieldKind = 'text' | 'float8';

/** The scalar columns (all but `properties`) with the row key and kind of each, in digest order. */
const SCALAR_FIELDS: readonly { column: string; key: keyof MoleculeRow; kind: FieldKind }[] =
  MOLECULE_DATA_COLUMNS.flatMap((column, i) => {
    const type = MOLECULE_DATA_BINARY_TYPES[i];
    if (column === 'properties') return [];
    if (type !== 'text' && type !== 'float8') throw new Error(`row-digest: no encoding for ${type}`);
    const key = column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) as keyof MoleculeRow;
    return [{ column, key, kind: type }];
  });

/**
 * SQL for the stored row's digest (hex), `alias` being the table's alias in the query. Only under a
 * UTF-8 server: elsewhere octet_length counts other bytes, so it returns null (never equal).
 */
export function storedDigestSql(alias: string): string {
  const parts = SCALAR_FIELDS.map(({ column, kind }) =>
    kind === 'text'
      ? `coalesce(octet_length(${alias}.${column})::text, 'N'), ':', ${alias}.${column}`
      : `coalesce(encode(float8send(${alias}.${column}), 'hex'), 'N')`,
  );
  parts.push(`${alias}.properties::text`);
  return `CASE WHEN current_setting('server_encoding') = 'UTF8' THEN encode(sha256(convert_to(concat(${parts.join(', ')}), 'UTF8')), 'hex') END`;
}

const float8Bits = Buffer.alloc(8);

/** The row's digest (hex), or undefined when its `properties` are not plain JSON data. */
export function rowDigest(row: MoleculeRow): string | undefined {
  let s = '';
  for (const { key, kind } of SCALAR_FIELDS) {
    const v = row[key] as string | number | null | undefined;
    if (kind === 'text') {
      s += v === null || v === undefined ? 'N:' : `${Buffer.byteLength(v as string)}:${v as string}`;
    } else if (v === null || v === undefined) {
      s += 'N';
    } else {
      float8Bits.writeDoubleBE(v as number);
      s += float8Bits.toString('hex');
    }
  }
  const properties = jsonbText(row.properties);
  if (properties === undefined) return undefined;
  return hash('sha256', s + properties, 'hex');
}

/**
 * PostgreSQL's jsonb text output of `value` as molimport would store it (JSON.stringify), or
 * undefined for anything but strings, finite numbers, booleans, null, arrays and plain objects.
 */
export function jsonbText(value: unknown): string | undefined {
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : undefined;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item = jsonbText(value[i]);
      if (item === undefined) return undefined;
      out += i === 0 ? item : `, ${item}`;
    }
    return `${out}]`;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return undefined;
  const obj = value as Record<string, unknown>;
  const { sorted, quoted } = keyOrder(Object.keys(obj));
  let out = '{';
  let first = true;
  for (let i = 0; i < sorted.length; i++) {
    const v = obj[sorted[i] as string];
    // JSON.stringify drops undefined members; so does this.
    if (v === undefined) continue;
    const item = jsonbText(v);
    if (item === undefined) return undefined;
    out += first ? quoted[i] + item : `, ${quoted[i] as string}${item}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The keys in jsonb order, each also as `"key": `. The rows of one file nearly always have the
 * same keys in the same order, so the last answer is kept: sorting per row was half the digest's cost.
 */
let lastKeys: readonly string[] = [];
let lastOrder = { sorted: [] as string[], quoted: [] as string[] };
function keyOrder(keys: string[]): { sorted: string[]; quoted: string[] } {
  if (keys.length === lastKeys.length) {
    let same = true;
    for (let i = 0; same && i < keys.length; i++) same = keys[i] === lastKeys[i];
    if (same) return lastOrder;
  }
  const sorted = keys.slice().sort(jsonbKeyOrder);
  lastKeys = keys;
  lastOrder = { sorted, quoted: sorted.map((k) => `${JSON.stringify(k)}: `) };
  return lastOrder;
}

/** What JSON.stringify escapes in a string (lone surrogates included). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** jsonb's key order: shorter UTF-8 first, then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  const la = Buffer.byteLength(a);
  const lb = Buffer.byteLength(b);
  if (la !== lb) return la - lb;
  // UTF-16 order is UTF-8 byte order except around surrogates: compare bytes for non-ASCII keys.
  if (la !== a.length || lb !== b.length) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether settling stored rows by digest has been paying off, across the batches of one run.
 * It does not when the stored rows were merged from another source (a ChEMBL SDF row filled in by
 * chemreps.txt): every digest differs, and computing them costs the server ~20 ms and us ~10–20 ms
 * of CPU per 1,000 rows on top of the staging path those rows take anyway. After a batch where
 * fewer than half the stored rows matched, the next 4, 8, … up to 64 batches go straight to
 * staging; then one batch tries again. Wrong guesses cost time only, never a status.
 */
export class DigestHint {
  #skip = 0;
  #backoff = 0;

  /** Whether the next batch should settle its stored rows by digest. */
  shouldTry(): boolean {
    if (this.#skip === 0) return true;
    this.#skip--;
    return false;
  }

  /** After a batch that tried: `compared` stored rows of other runs, `matched` of them equal. */
  record(compared: number, matched: number): void {
    if (compared === 0) return;
    if (matched * 2 >= compared) {
      this.#backoff = 0;
      return;
    }
    this.#backoff = Math.min(64, this.#backoff === 0 ? 4 : this.#backoff * 2);
    this.#skip = this.#backoff;
  }
}
