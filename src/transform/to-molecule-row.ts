/**
 * The seed's batch transformation functions for molecules and properties: a `SourceRecord` becomes a
 * `MoleculeRow`, or a `Reject` with a reason. Never throws for bad data, never skips silently.
 */
import { ConfigurationError } from '../errors.js';
import type {
  DataSource,
  MoleculeColumns,
  MoleculeRow,
  Reject,
  RejectKind,
  RowKey,
  SourceRecord,
} from '../types.js';
import { PROFILES, type SourceProfile } from './profiles.js';

/** The columns a toolkit can compute (and `--recompute` replaces). */
export type ComputableColumn = 'smiles' | 'inchi' | 'inchikey' | 'formula' | 'molWeight';

/** Options of {@link toMoleculeRow}. */
export interface TransformOptions {
  /** generic (and optionally any profile): the field holding the external ID; checked before the profile's own. */
  idField?: string;
  /**
   * Columns whose file value also stays in `properties` under its field name: `--recompute` will
   * replace the column, and the file's own value is data that must not vanish. @default none
   */
  keepInProperties?: ReadonlySet<ComputableColumn>;
}

/** Options of {@link transformMolecules}: the row options plus the source profile. */
export interface BatchTransformOptions extends TransformOptions {
  source: DataSource;
}

/** Values that mean "no value" in ChEMBL/PubChem exports; such a field stays in `properties`. */
const NULL_TOKENS = new Set(['', 'None', 'none', 'null', 'NULL', 'nan', 'NaN', 'N/A']);
const CLEAN_DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Tells a reject from a row in what {@link toMoleculeRow} and the readers return. */
export function isReject<T extends object = MoleculeRow>(value: T | Reject): value is Reject {
  return (value as Reject).reason !== undefined;
}

function profileFor(source: string): SourceProfile {
  const profile = (PROFILES as Record<string, SourceProfile | undefined>)[source];
  if (profile === undefined) {
    throw new ConfigurationError(
      `unknown source profile ${JSON.stringify(source)}: expected one of ${Object.keys(PROFILES).join(', ')}`,
    );
  }
  return profile;
}

/** Look a field up by its exact name, then case-insensitively. Returns the key as written in the record. */
export function findField(fields: ReadonlyMap<string, string>, name: string): string | undefined {
  if (fields.has(name)) return name;
  const lower = name.toLowerCase();
  for (const key of fields.keys()) if (key.toLowerCase() === lower) return key;
  return undefined;
}

const NON_ASCII = /[\u0080-\uffff]/;
/** Lower-case forms of the names looked up (profile candidates, --id-field): few, asked per record. */
const lowerNames = new Map<string, { lower: string; ascii: boolean }>();

function lowerName(name: string): { lower: string; ascii: boolean } {
  let entry = lowerNames.get(name);
  if (entry === undefined) {
    const lower = name.toLowerCase();
    entry = { lower, ascii: !NON_ASCII.test(lower) };
    if (lowerNames.size < 1_000) lowerNames.set(name, entry);
  }
  return entry;
}

/**
 * The record's key for `name`: exact match first, then the first key equal ignoring case. Builds
 * nothing per record (no index object, no lower-cased copies of the record's keys).
 */
function fieldKey(fields: ReadonlyMap<string, string>, name: string): string | undefined {
  if (fields.has(name)) return name;
  const { lower, ascii } = lowerName(name);
  for (const k of fields.keys()) {
    // Lower-casing changes a string's length only through U+0130 (İ → i + U+0307), which is never
    // ASCII: for an ASCII target only keys of its length can match, and no key needs a copy or a
    // scan to be ruled out.
    if ((k.length === lower.length || (!ascii && NON_ASCII.test(k))) && k.toLowerCase() === lower) return k;
  }
  return undefined;
}

/**
 * The key `pick` found its value under. A module variable rather than a [key, value] pair per
 * lookup: `pick` runs ~7 times per record and is never re-entered.
 */
let pickedKey = '';

/** First candidate present with a usable (non-null-token) value: the trimmed value, its key in `pickedKey`. */
function pick(
  fields: ReadonlyMap<string, string>,
  candidates: readonly string[],
  accept?: (value: string) => boolean,
): string | undefined {
  for (let i = 0; i < candidates.length; i++) {
    const key = fieldKey(fields, candidates[i] as string);
    if (key === undefined) continue;
    const value = (fields.get(key) as string).trim();
    if (!NULL_TOKENS.has(value) && (accept === undefined || accept(value))) {
      pickedKey = key;
      return value;
    }
  }
  return undefined;
}

/**
 * One meaning per column: `inchi` and `inchikey` hold standard InChI (`InChI=1S/…`) and its key
 * (flag `S` before the last hyphen) only. A non-standard value, such as PubChem's NIST
 * `InChI=1/…`, stays in `properties` under its own field name.
 */
export function isStandardInchi(value: string): boolean {
  return value.startsWith('InChI=1S/');
}

export function isStandardInchikey(value: string): boolean {
  return /^[A-Z]{14}-[A-Z]{8}S[A-Z]-[A-Z]$/.test(value);
}

/**
 * Every field not in `mappedKeys`, in file order, as the exact string (empty values kept as ""):
 * the row's `properties`. Never throws.
 */
export function extractProperties(
  fields: ReadonlyMap<string, string>,
  mappedKeys: ReadonlySet<string>,
): Record<string, string> {
  // Object.fromEntries, not `out[key] = value`: V8 turns an object built by keyed stores into a hash
  // table past a dozen properties (a PubChem record has ~30: 1.6 KB per object), while
  // fromEntries keeps a fast object (~0.3 KB) that JSON.stringify also walks faster; and it
  // defines a field named `__proto__` as data, never as the prototype.
  const entries: [string, string][] = [];
  for (const entry of fields) if (!mappedKeys.has(entry[0])) entries.push(entry);
  return Object.fromEntries(entries);
}

/** {@link extractProperties} for the few keys a row's columns took, as an array (no Set per record). */
function propertiesExcept(
  fields: ReadonlyMap<string, string>,
  mapped: readonly string[],
): Record<string, string> {
  const entries: [string, string][] = [];
  for (const entry of fields) if (!mapped.includes(entry[0])) entries.push(entry);
  return Object.fromEntries(entries);
}

/** The class of a parse problem the reader reported. */
function problemKind(problem: string): RejectKind {
  if (/UTF-8/i.test(problem)) return 'encoding';
  if (/number of columns/.test(problem)) return 'columns';
  return 'parse';
}

function reject(record: SourceRecord, reason: string, kind: RejectKind): Reject {
  const r: Reject = {
    file: record.file,
    record: record.record,
    line: record.line,
    format: record.format,
    reason,
    kind,
    raw: record.raw,
  };
  if (record.format === 'csv') r.columns = record.columns;
  else if (record.crlf) r.crlf = true;
  return r;
}

function listFields(record: SourceRecord): string {
  const names = record.format === 'csv' ? [...record.columns] : [...record.fields.keys()];
  if (names.length === 0) return 'the record has no data fields';
  const shown = names.slice(0, 20).map((n) => JSON.stringify(n));
  return `available fields: ${shown.join(', ')}${names.length > 20 ? `, … (${names.length} in all)` : ''}`;
}

/**
 * A column's value from the first usable candidate, or null when none, or when its field already
 * went to another column. The field leaves `properties` (goes to `mapped`) unless `keep` says the
 * file's value stays there too (then `claimed` still stops a second column taking it).
 */
function takeColumn(
  fields: ReadonlyMap<string, string>,
  candidates: readonly string[],
  accept: ((value: string) => boolean) | undefined,
  name: ComputableColumn | undefined,
  mapped: string[],
  claimed: string[] | undefined,
  keep: ReadonlySet<ComputableColumn> | undefined,
): string | null {
  const value = pick(fields, candidates, accept);
  if (value === undefined) return null;
  const key = pickedKey;
  if (mapped.includes(key) || claimed?.includes(key) === true) return null;
  if (name !== undefined && claimed !== undefined && keep?.has(name) === true) claimed.push(key);
  else mapped.push(key);
  return value;
}

/**
 * Maps one record to a row with the given profile (or source name), or to a reject with the reason
 * (no ID, an ID of the wrong shape, …): a bad record is data, never an exception.
 * `options.idField` overrides the profile's ID fields (default: the profile's, else the SDF title).
 */
export function toMoleculeRow(
  record: SourceRecord,
  source: DataSource | SourceProfile,
  options: TransformOptions = {},
): MoleculeRow | Reject {
  // Keys the columns took (a handful): an array, not a Set per record.
  const mapped: string[] = [];
  const columns = toMoleculeColumns(record, source, options, mapped);
  return isReject(columns) ? columns : withProperties(columns, record.fields, mapped);
}

/** The row of `c` (from {@link toMoleculeColumns}), its properties the `fields` not in `mapped`. */
export function withProperties(
  c: MoleculeColumns,
  fields: ReadonlyMap<string, string>,
  mapped: readonly string[],
): MoleculeRow {
  return {
    source: c.source,
    externalId: c.externalId,
    name: c.name,
    smiles: c.smiles,
    inchi: c.inchi,
    inchikey: c.inchikey,
    formula: c.formula,
    molWeight: c.molWeight,
    molfile: c.molfile,
    properties: propertiesExcept(fields, mapped),
    origin: c.origin,
    weight: c.weight,
  };
}

/**
 * {@link toMoleculeRow} without building `properties`: the columns, with the keys they took pushed
 * to `mapped` (empty it first). The row's properties are the record's other fields, in file order:
 * a caller that writes them straight from the fields (packed-rows.ts) makes no object of them.
 */
export function toMoleculeColumns(
  record: SourceRecord,
  source: DataSource | SourceProfile,
  options: TransformOptions,
  mapped: string[],
): MoleculeColumns | Reject {
  const profile = typeof source === 'string' ? profileFor(source) : source;
  if (record.problem !== undefined) return reject(record, record.problem, problemKind(record.problem));
  const { fields } = record;

  // ID: the chosen field, else the profile's fields, else (SDF) the title line.
  let externalId: string | undefined;
  if (options.idField !== undefined) {
    const key = fieldKey(fields, options.idField);
    const value =
      key === undefined ? undefined : idFromField(fields.get(key) as string, key, profile, options);
    if (key === undefined || value === undefined) {
      return reject(
        record,
        key === undefined
          ? `no ID: the record has no ${JSON.stringify(options.idField)} field (${listFields(record)})`
          : `no ID: the ${JSON.stringify(key)} field is empty`,
        'no-id',
      );
    }
    externalId = value;
    mapped.push(key);
  } else {
    for (const name of profile.id) {
      const key = fieldKey(fields, name);
      if (key === undefined) continue;
      const id = idFromField(fields.get(key) as string, key, profile, options);
      if (id !== undefined) {
        externalId = id;
        mapped.push(key);
        break;
      }
    }
    if (externalId === undefined && record.format === 'sdf') externalId = profile.idFromTitle(record.title);
    if (externalId === undefined) {
      const where = record.format === 'sdf' ? `, nor an ID on the title line` : '';
      return reject(
        record,
        `no ID: none of ${profile.id.map((n) => JSON.stringify(n)).join(', ')} present with a value${where} (${listFields(record)})`,
        'no-id',
      );
    }
  }

  const keep = options.keepInProperties;
  // Fields a column took are not properties too; `claimed` still stops two columns taking one field.
  const claimed: string[] | undefined = keep === undefined ? undefined : [];
  const name = takeColumn(fields, profile.name, undefined, undefined, mapped, claimed, keep);
  const smiles = takeColumn(fields, profile.smiles, undefined, 'smiles', mapped, claimed, keep);
  const inchi = takeColumn(fields, profile.inchi, isStandardInchi, 'inchi', mapped, claimed, keep);
  const inchikey = takeColumn(
    fields,
    profile.inchikey,
    isStandardInchikey,
    'inchikey',
    mapped,
    claimed,
    keep,
  );
  const formula = takeColumn(fields, profile.formula, undefined, 'formula', mapped, claimed, keep);
  // molWeight: a number only when the text is a clean decimal; otherwise null and the text stays a property.
  let molWeight: number | null = null;
  const weight = pick(fields, profile.molWeight);
  if (
    weight !== undefined &&
    !mapped.includes(pickedKey) &&
    claimed?.includes(pickedKey) !== true &&
    CLEAN_DECIMAL.test(weight)
  ) {
    molWeight = Number(weight);
    if (keep?.has('molWeight') !== true) mapped.push(pickedKey);
  }

  return {
    source: profile.source,
    externalId,
    name,
    smiles,
    inchi,
    inchikey,
    formula,
    molWeight,
    molfile: record.format === 'sdf' ? record.molfile : null,
    origin: { file: record.file, record: record.record, line: record.line },
    weight: record.bytes,
  };
}

/**
 * The ID in an ID field's value (`key` its name): the trimmed value under `--id-field`, else what
 * the profile makes of it; undefined when it is a null token or the profile refuses it.
 */
function idFromField(
  value: string,
  key: string,
  profile: SourceProfile,
  options: TransformOptions,
): string | undefined {
  const trimmed = value.trim();
  if (NULL_TOKENS.has(trimmed)) return undefined;
  return options.idField !== undefined ? trimmed : profile.idFromValue(trimmed, key);
}

/**
 * The field {@link toMoleculeKey} reads a record's ID from (`--id-field`, else the profile's first
 * ID field); undefined when only the record's parsed fields can tell (`a#2` may be the second `a`
 * field, renamed).
 */
export function keyFieldName(
  source: DataSource | SourceProfile,
  options: TransformOptions,
): string | undefined {
  const profile = typeof source === 'string' ? profileFor(source) : source;
  const name = options.idField ?? profile.id[0];
  return name === undefined || name.includes('#') ? undefined : name;
}

/**
 * The key {@link toMoleculeColumns} would give `record`, from `value`: what the record's first
 * field named {@link keyFieldName} holds (undefined: none), read by a reader that left the fields
 * in the text. Undefined whenever the key takes more than that value (a problem, the field absent,
 * empty or not an ID, a name that only a case-insensitive match finds): the caller then parses the
 * fields and asks toMoleculeColumns, which also gives the reject. A caller that drops fields before
 * the transform must not read a field it drops.
 */
export function toMoleculeKey(
  record: SourceRecord,
  source: DataSource | SourceProfile,
  options: TransformOptions,
  value: string | undefined,
): RowKey | undefined {
  if (record.problem !== undefined || value === undefined) return undefined;
  const profile = typeof source === 'string' ? profileFor(source) : source;
  const name = keyFieldName(profile, options);
  const externalId = name === undefined ? undefined : idFromField(value, name, profile, options);
  if (externalId === undefined) return undefined;
  return {
    source: profile.source,
    externalId,
    origin: { file: record.file, record: record.record, line: record.line },
    weight: record.bytes,
  };
}

/**
 * If `columns` (a CSV header) cannot supply an ID for this profile, the message saying so; else
 * undefined. The import layer may call it on the first CSV record to fail fast instead of rejecting
 * every row.
 */
export function missingIdColumn(
  columns: readonly string[],
  source: DataSource,
  options: TransformOptions = {},
): string | undefined {
  const fields = new Map(columns.map((c) => [c, 'x']));
  const wanted = options.idField !== undefined ? [options.idField] : profileFor(source).id;
  if (wanted.some((w) => findField(fields, w) !== undefined)) return undefined;
  return `no ID column: expected ${wanted.map((w) => JSON.stringify(w)).join(' or ')}; the file has ${columns
    .map((c) => JSON.stringify(c))
    .join(', ')}`;
}

/**
 * The batch transformation: maps records to rows and rejects (order kept within each) with
 * {@link toMoleculeRow}. Never throws for a bad record.
 */
export function transformMolecules(
  records: Iterable<SourceRecord>,
  options: BatchTransformOptions,
): { rows: MoleculeRow[]; rejects: Reject[] } {
  const profile = profileFor(options.source);
  const rows: MoleculeRow[] = [];
  const rejects: Reject[] = [];
  for (const record of records) {
    const out = toMoleculeRow(record, profile, options);
    if (isReject(out)) rejects.push(out);
    else rows.push(out);
  }
  return { rows, rejects };
}
