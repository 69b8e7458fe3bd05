/**
 * A digest of a molecule row's data columns, computed the same way here (from the row about to be
 * written) and in PostgreSQL (from the stored row), so a re-import can tell an unchanged row by
 * sending 32 bytes instead of COPYing the whole row into staging (molecule-writer.ts).
 *
 * Equal digests mean equal data columns (sha256: no practical collisions, crafted ones included),
 * so `unchanged` is decided only then. Different digests prove nothing: the row takes the full
 * compare. That makes every mismatch between the two encodings safe, only slower: a jsonb number
 * PostgreSQL prints differently (`1e-7` → `0.0000001`), a server encoding other than UTF-8 (the
 * SQL then says "different" for every row), a `properties` value that is not plain JSON data (the
 * row gets no digest at all).
 *
 * What is hashed: the data columns as COPY binary fields, in MOLECULE_DATA_COLUMNS order (a 32-bit
 * length, -1 for NULL, then the value: text as UTF-8, float8 as its 8 IEEE bytes), with
 * `properties` as jsonb's binary form, a version byte 1 and PostgreSQL's own text output of it
 * (jsonb-text.ts). That is what a packed row holds (packed-rows.ts), so its digest is one hash
 * of its bytes; PostgreSQL rebuilds the same bytes from the stored columns.
 */
import { createHash, hash } from 'node:crypto';
import type { MoleculeRow } from '../types.js';
import { CopyFieldEncoder } from './copy-binary.js';
import { jsonbText } from './jsonb-text.js';
import { PackedMoleculeRow, writeDataFields } from './packed-rows.js';
import { MOLECULE_DATA_BINARY_TYPES, MOLECULE_DATA_COLUMNS } from './schema.js';

export { jsonbText } from './jsonb-text.js';

/** Each data column's COPY binary field, rebuilt in SQL from the stored value. */
function fieldSql(column: string, type: string, alias: string, propertiesText: string): string {
  const value = `${alias}.${column}`;
  switch (type) {
    case 'text':
      return `coalesce(int4send(octet_length(${value})) || convert_to(${value}, 'UTF8'), '\\xffffffff'::bytea)`;
    case 'float8':
      return `coalesce('\\x00000008'::bytea || float8send(${value}), '\\xffffffff'::bytea)`;
    case 'jsonb':
      return `coalesce(int4send(octet_length(${propertiesText}) + 1) || '\\x01'::bytea || convert_to(${propertiesText}, 'UTF8'), '\\xffffffff'::bytea)`;
    default:
      throw new Error(`row-digest: no encoding for ${type}`);
  }
}

/**
 * SQL for the stored row's digest (hex), `alias` being the table's alias in the query and
 * `propertiesText` the stored properties as text (pass a column computed once: PostgreSQL would
 * print the jsonb twice otherwise). Only under a UTF-8 server: elsewhere octet_length counts other
 * bytes, so it returns null (never equal).
 */
export function storedDigestSql(alias: string, propertiesText = `${alias}.properties::text`): string {
  const fields = MOLECULE_DATA_COLUMNS.map((column, i) =>
    fieldSql(column, MOLECULE_DATA_BINARY_TYPES[i] as string, alias, propertiesText),
  );
  return `CASE WHEN current_setting('server_encoding') = 'UTF8' THEN encode(sha256(${fields.join(' || ')}), 'hex') END`;
}

/** The name {@link digestInputsSql} gives the stored properties printed as text. */
export const DIGEST_PROPERTIES = 'properties_text';

/**
 * The stored columns {@link storedDigestSql} reads, as a select list from `alias` for a subquery,
 * with the jsonb printed once as {@link DIGEST_PROPERTIES}; the outer query then passes that
 * column as `propertiesText`.
 */
export function digestInputsSql(alias: string): string {
  return MOLECULE_DATA_COLUMNS.map((c) =>
    c === 'properties' ? `${alias}.properties::text AS ${DIGEST_PROPERTIES}` : `${alias}.${c}`,
  ).join(', ');
}

/** Reused for rows that are not packed: their fields are encoded here, then hashed. */
class DigestInput extends CopyFieldEncoder {
  constructor() {
    super(64 * 1024);
  }

  digest(row: MoleculeRow, properties: string): string {
    this.pos = 0;
    writeDataFields(this, row, properties);
    const last = this.buf.subarray(0, this.pos);
    const full = this.takeFull();
    if (full.length === 0) return hash('sha256', last, 'hex');
    const h = createHash('sha256');
    for (const chunk of full) h.update(chunk);
    return h.update(last).digest('hex');
  }
}

let input: DigestInput | undefined;

/** The row's digest (hex), or undefined when its `properties` are not plain JSON data. */
export function rowDigest(row: MoleculeRow): string | undefined {
  if (row instanceof PackedMoleculeRow) return row.digest();
  const properties =
    row.properties === null || row.properties === undefined ? undefined : jsonbText(row.properties);
  if (properties === undefined) return undefined;
  input ??= new DigestInput();
  return input.digest(row, properties);
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
