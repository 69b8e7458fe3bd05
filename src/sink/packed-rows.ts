/**
 * Rows held as bytes until their batch is written. A row waits ≥ 150 ms for its batch (cut, then
 * written), long enough for V8 to copy it twice and collect it as old garbage: that was about a
 * seventh of an import's CPU (docs/performance.md, "What holding a row costs"). Packed, a row's data
 * columns are its COPY binary fields and its record text their UTF-8 bytes, in 1 MiB arenas off
 * V8's heap; the JavaScript object left is a few small fields.
 *
 * Exact by construction: the fields are written by the same {@link writeDataFields} the COPY
 * encoders use unpacked, and both COPYs copy them as they are. Whatever reads a data column
 * (merging two records of one ID, the cross-source count) decodes it from the bytes. The
 * properties are written as PostgreSQL prints jsonb (jsonb-text.ts), so the bytes are the
 * re-import digest's input as they are (row-digest.ts): an unchanged row is never decoded.
 *
 * Arenas are reused once every row in them is released, so each row must be
 * released exactly when nothing will read it again: after its batch committed. A row read after
 * that throws instead of returning another row's bytes; a row never released only keeps its arena
 * from being reused.
 */
import { hash } from 'node:crypto';
import type { MoleculeColumns, MoleculeRow, PropertyValue, RecordOrigin, RowKey } from '../types.js';
import { POOLED_BYTES } from './buffer-pool.js';
import { CopyFieldEncoder, fieldsJsonBound } from './copy-binary.js';
import { fieldMembers, jsonbText, stringMembers, type StringMembers } from './jsonb-text.js';

/** writeDataFields' default `except`: one array, not a new one per row written. */
const NO_KEYS: readonly string[] = Object.freeze([]);

/**
 * The row's data columns, in MOLECULE_DATA_COLUMNS order (shared by the staging and the direct
 * COPY). `properties` may be given as JSON text already serialised, as the row's properties'
 * members to print in jsonb's form (`StringMembers`), or as the record's fields less the keys
 * `except` names (the columns took them), for a row whose properties were never built.
 */
export function writeDataFields(
  enc: CopyFieldEncoder,
  row: MoleculeColumns & { properties?: MoleculeRow['properties'] },
  properties?: string | StringMembers | ReadonlyMap<string, string>,
  except: readonly string[] = NO_KEYS,
): void {
  // Checked before anything reads `row.properties`: a packed row would decode its JSON for nothing.
  if (row instanceof PackedMoleculeRow) {
    enc.encoded(row.dataFields());
    return;
  }
  enc.text(row.name);
  enc.text(row.smiles);
  enc.text(row.inchi);
  enc.text(row.inchikey);
  enc.text(row.formula);
  enc.float8(row.molWeight);
  enc.text(row.molfile);
  if (properties instanceof Map) enc.jsonbFields(properties, except);
  else if (typeof properties === 'object') enc.jsonbMembers(properties as StringMembers);
  else if (properties !== undefined) enc.jsonb(properties);
  else if (row.properties !== undefined) enc.jsonb(row.properties);
  // Never NULL by omission: a row whose properties were not given would lose its fields.
  else throw new Error('writeDataFields: a row without properties');
  enc.text(row.stdSmiles);
  enc.text(row.stdInchikey);
  enc.text(row.parentSmiles);
  enc.text(row.parentInchikey);
}

/** Field positions in {@link writeDataFields}' order. */
const NAME = 0;
const SMILES = 1;
const INCHI = 2;
const INCHIKEY = 3;
const FORMULA = 4;
const MOL_WEIGHT = 5;
const MOLFILE = 6;
const PROPERTIES = 7;
const STD_SMILES = 8;
const STD_INCHIKEY = 9;
const PARENT_SMILES = 10;
const PARENT_INCHIKEY = 11;

/** One buffer of packed rows: reused once full and every row in it released. */
class Arena {
  live = 0;
  retired = false;
  constructor(
    readonly buf: Buffer,
    private readonly free: Buffer[],
  ) {}

  release(): void {
    this.live--;
    if (this.live === 0 && this.retired) this.#reuse();
  }

  retire(): void {
    this.retired = true;
    if (this.live === 0) this.#reuse();
  }

  #reuse(): void {
    // Only the standard size: a row bigger than an arena got a buffer of its own.
    if (this.buf.length === POOLED_BYTES) this.free.push(this.buf);
  }
}

export type { RowKey };

/** The data fields of the row read from `text` (its record's text), as {@link writeDataFields} writes them. */
export type FieldEncoding = (text: string, origin: RecordOrigin) => Buffer;

/** A {@link MoleculeRow} whose data columns are decoded from its packed bytes when read. */
export class PackedMoleculeRow implements MoleculeRow {
  readonly source: string;
  readonly externalId: string;
  readonly origin: RecordOrigin;
  readonly weight: number;
  #arena: Arena | undefined;
  /** The data fields: undefined once released, and until first read for a row packed as text. */
  #fields: Buffer | undefined;
  #text: Buffer | undefined;
  /** Encodes the data fields from the record text, for a row packed as text ({@link RowArena.packText}). */
  #encode: FieldEncoding | undefined;
  /** Whether the properties are in jsonb's printed form (so the fields are the digest's input). */
  readonly #printed: boolean;

  /** @internal Made by {@link RowArena}. */
  constructor(
    row: RowKey,
    arena: Arena,
    fields: Buffer | undefined,
    text: Buffer,
    printed: boolean,
    encode?: FieldEncoding,
  ) {
    this.source = row.source;
    this.externalId = ownCopy(row.externalId);
    this.origin = row.origin;
    this.weight = row.weight;
    this.#arena = arena;
    this.#fields = fields;
    this.#text = text;
    this.#printed = printed;
    this.#encode = encode;
  }

  get name(): string | null {
    return this.#textField(NAME);
  }
  get smiles(): string | null {
    return this.#textField(SMILES);
  }
  get inchi(): string | null {
    return this.#textField(INCHI);
  }
  get inchikey(): string | null {
    return this.#textField(INCHIKEY);
  }
  get formula(): string | null {
    return this.#textField(FORMULA);
  }
  get molWeight(): number | null {
    const at = this.#field(MOL_WEIGHT);
    return at.length < 0 ? null : this.#bytes().readDoubleBE(at.start);
  }
  get molfile(): string | null {
    return this.#textField(MOLFILE);
  }
  get properties(): Record<string, PropertyValue> {
    const at = this.#field(PROPERTIES);
    // jsonb: a version byte, then the JSON text.
    if (at.length < 0) return {};
    return JSON.parse(this.#bytes().toString('utf8', at.start + 1, at.start + at.length)) as Record<
      string,
      PropertyValue
    >;
  }
  get stdSmiles(): string | null {
    return this.#textField(STD_SMILES);
  }
  get stdInchikey(): string | null {
    return this.#textField(STD_INCHIKEY);
  }
  get parentSmiles(): string | null {
    return this.#textField(PARENT_SMILES);
  }
  get parentInchikey(): string | null {
    return this.#textField(PARENT_INCHIKEY);
  }

  /** The data columns as COPY binary fields, for {@link writeDataFields}. */
  dataFields(): Buffer {
    return this.#bytes();
  }

  /**
   * The re-import digest of the data columns (row-digest.ts): a hash of the fields as they are,
   * nothing decoded. Undefined when the properties could not be printed as jsonb prints them.
   */
  digest(): string | undefined {
    if (this.#printed) return hash('sha256', this.#bytes(), 'hex');
    // Nothing to encode for: a row packed as text stays text. A released row still throws.
    if (this.#text === undefined) throw released();
    return undefined;
  }

  /** The record's text as read (for a reject of a row the database refused). */
  recordText(): string {
    if (this.#text === undefined) throw released();
    return this.#text.toString('utf8');
  }

  /** Nothing reads this row again: its bytes may hold other rows from now on. Idempotent. */
  release(): void {
    const arena = this.#arena;
    if (arena === undefined) return;
    this.#arena = undefined;
    this.#fields = undefined;
    this.#text = undefined;
    this.#encode = undefined;
    arena.release();
  }

  #bytes(): Buffer {
    if (this.#fields === undefined) {
      if (this.#encode === undefined || this.#text === undefined) throw released();
      // A row packed as text, read for the first time: a batch writes it after all.
      this.#fields = this.#encode(this.recordText(), this.origin);
      this.#encode = undefined;
    }
    return this.#fields;
  }

  /** Where field `index`'s value starts and its length (-1: NULL). */
  #field(index: number): { start: number; length: number } {
    const buf = this.#bytes();
    let at = 0;
    for (let i = 0; i < index; i++) {
      const length = buf.readInt32BE(at);
      at += 4 + Math.max(length, 0);
    }
    return { start: at + 4, length: buf.readInt32BE(at) };
  }

  #textField(index: number): string | null {
    const at = this.#field(index);
    return at.length < 0 ? null : this.#bytes().toString('utf8', at.start, at.start + at.length);
  }
}

/**
 * Packs rows, one after another, into arenas of 1 MiB (a bigger row gets one of its own). Arenas
 * whose rows are all released are kept for the next rows: as many as were ever in flight at once,
 * and no more (a run's peak), until the RowArena itself is dropped with its run.
 */
export class RowArena extends CopyFieldEncoder {
  readonly #free: Buffer[] = [];
  readonly #printed: boolean;
  #arena: Arena;

  /**
   * `printed`: store properties as PostgreSQL prints jsonb, so each row has a digest (row-digest.ts)
   * for a re-import to settle it by; else as JSON.stringify gives them (cheaper), and no digest.
   */
  constructor({ printed = true }: { printed?: boolean } = {}) {
    super(POOLED_BYTES);
    this.#printed = printed;
    this.#arena = new Arena(this.buf, this.#free);
  }

  /** Arenas ready for reuse (for tests). */
  get reusable(): number {
    return this.#free.length;
  }

  /** `row` and its record's `text`, packed; `row` itself is left as it was. */
  pack(row: MoleculeRow, text: string): PackedMoleculeRow {
    // Printed as jsonb prints them (the digest's input) when asked; JSON.stringify otherwise and
    // for what jsonb cannot print the same way, and then the row has no digest.
    const members = this.#printed ? stringMembers(row.properties) : undefined;
    const printed = this.#printed && members === undefined ? jsonbText(row.properties) : undefined;
    const properties = members ?? printed ?? JSON.stringify(row.properties);
    const propertiesBytes =
      typeof properties === 'object'
        ? properties.bytes
        : properties === undefined
          ? 0
          : properties.length * 3;
    this.#reserve(upperBound(row, propertiesBytes) + text.length * 3);
    const start = this.pos;
    writeDataFields(this, row, properties);
    return this.#packed(row, start, text, members !== undefined || printed !== undefined);
  }

  /**
   * A row packed as its record `text` only: its data fields are encoded by `encode` from the text
   * when something first reads them (a batch that writes the row), and never for a row no batch
   * writes (a `--mode skip` re-import's stored rows). Without a digest.
   */
  packText(row: RowKey, text: string, encode: FieldEncoding): PackedMoleculeRow {
    this.#reserve(text.length * 3);
    return this.#packed(row, this.pos, text, false, encode);
  }

  /** The row whose data fields were written from `start`, with its record's `text` after them. */
  #packed(
    row: RowKey,
    start: number,
    text: string,
    printed: boolean,
    encode?: FieldEncoding,
  ): PackedMoleculeRow {
    const fieldsEnd = this.pos;
    if (text.length > 0) this.pos += this.buf.write(text, this.pos, 'utf8');
    this.#arena.live++;
    return new PackedMoleculeRow(
      row,
      this.#arena,
      encode === undefined ? this.buf.subarray(start, fieldsEnd) : undefined,
      this.buf.subarray(fieldsEnd, this.pos),
      printed,
      encode,
    );
  }

  /**
   * A row whose properties were never built (`toMoleculeColumns`), packed with them: the record's
   * `fields` less the keys the columns took (`except`), written straight from the map, as
   * {@link pack} would write the object they make (printed as jsonb prints it, with a digest, or
   * as `JSON.stringify` prints it).
   */
  packColumns(
    columns: MoleculeColumns,
    fields: ReadonlyMap<string, string>,
    except: readonly string[],
    text: string,
  ): PackedMoleculeRow {
    const members = this.#printed ? fieldMembers(fields, except) : undefined;
    const bound = members === undefined ? fieldsJsonBound(fields) : members.bytes;
    this.#reserve(upperBound(columns, bound) + text.length * 3);
    const start = this.pos;
    writeDataFields(this, columns, members ?? fields, except);
    return this.#packed(columns, start, text, members !== undefined);
  }

  /** Every write was reserved by the pack methods: a row never spans two arenas. */
  protected override room(bytes: number): void {
    if (this.pos + bytes > this.buf.length) throw new Error('RowArena: a row outgrew its reservation');
  }

  #reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    this.#arena.retire();
    const size = Math.max(POOLED_BYTES, bytes);
    this.buf = (size === POOLED_BYTES ? this.#free.pop() : undefined) ?? Buffer.allocUnsafe(size);
    this.pos = 0;
    this.#arena = new Arena(this.buf, this.#free);
  }
}

/**
 * The data fields of a row whose properties were never built (see {@link RowArena.packColumns}),
 * in a buffer of their own: for a row packed as text, when a batch writes it.
 */
export function encodeDataFields(
  columns: MoleculeColumns,
  fields: ReadonlyMap<string, string>,
  except: readonly string[],
): Buffer {
  const enc = new CopyFieldEncoder(upperBound(columns, fieldsJsonBound(fields)));
  writeDataFields(enc, columns, fields, except);
  const [bytes, ...more] = enc.finish();
  // The bound was reserved whole, so the fields are one buffer.
  if (bytes === undefined || more.length > 0)
    throw new Error('encodeDataFields: the fields outgrew their bound');
  return bytes;
}

/**
 * At least the bytes {@link writeDataFields} writes for `row` (3 UTF-8 bytes per UTF-16 unit),
 * `propertiesBytes` being the properties' own bound.
 */
function upperBound(row: MoleculeColumns, propertiesBytes: number): number {
  // Summed field by field: no array of the columns per row on this per-record path.
  const chars =
    charsOf(row.name) +
    charsOf(row.smiles) +
    charsOf(row.inchi) +
    charsOf(row.inchikey) +
    charsOf(row.formula) +
    charsOf(row.molfile) +
    charsOf(row.stdSmiles) +
    charsOf(row.stdInchikey) +
    charsOf(row.parentSmiles) +
    charsOf(row.parentInchikey);
  // 12 length slots, mol_weight's 8 bytes, jsonb's version byte.
  return 12 * 4 + 8 + 1 + chars * 3 + propertiesBytes;
}

function charsOf(s: string | null | undefined): number {
  return s ? s.length : 0;
}

/**
 * A string of its own: V8 cuts a substring of 13 or more characters as a view of the whole text
 * it came from, which would keep that text (the decoded input) alive as long as the row.
 */
function ownCopy(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

function released(): Error {
  return new Error('molimport: a packed row was read after its batch was written');
}
