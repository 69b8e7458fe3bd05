/** The data that flows one way through the pipeline: file → record → row → batch → transaction. */

export type InputFormat = 'sdf' | 'csv';
/** The source profile of an import: `chembl`, `pubchem`, or `generic` (ID field given by option). */
export type DataSource = 'chembl' | 'pubchem' | 'generic';

/** Where a record came from; every record and reject carries it. */
export interface RecordOrigin {
  /** The input path as given (`-` for stdin). */
  file: string;
  /** 1-based ordinal of the record in its file. */
  record: number;
  /** 1-based line number of the record's first line. */
  line: number;
}

/** One SDF record, split but not interpreted beyond the fields. */
export interface SdfRecord extends RecordOrigin {
  format: 'sdf';
  /** The record's text exactly as read, without the `$$$$` line, line endings normalised to LF. */
  raw: string;
  /** The molfile block: header, counts line, atoms, bonds, properties, through `M  END`. */
  molfile: string;
  /** The first line of the molfile (often the ID). */
  title: string;
  /** Data fields in file order, values as strings exactly as written (multi-line values joined by LF). */
  fields: Map<string, string>;
  /**
   * Set only when the reader was asked not to parse the data fields (`fields` is then empty): where
   * they start in `raw`.
   */
  fieldsFrom?: number;
  /** Atom count from the counts line (V2000) or `M  V30 COUNTS` (V3000); undefined when absent. */
  atomCount: number | undefined;
  /** 'V2000' | 'V3000' | undefined when the counts line is missing. */
  ctabVersion: 'V2000' | 'V3000' | undefined;
  /** Why the molfile block is malformed, if it is; the transform turns this into a reject. */
  problem: string | undefined;
  /** Size of the raw text in bytes (UTF-8), used to weigh items in batches. */
  bytes: number;
  /** The file's lines end in CRLF: `raw` had them before they were normalised to LF. */
  crlf: boolean;
}

/** One CSV/TSV row, with the header the file had (or synthetic column names). */
export interface CsvRecord extends RecordOrigin {
  format: 'csv';
  /** The row's text as read (without the line ending), for rejects. */
  raw: string;
  fields: Map<string, string>;
  /** The header, in order (synthetic `column1..N` when the file has none). */
  columns: readonly string[];
  /** Why the row is malformed (wrong column count, invalid UTF-8), if it is. */
  problem: string | undefined;
  bytes: number;
}

/** One record of an input, as the readers give it: an SDF record or a CSV/TSV row. */
export type SourceRecord = SdfRecord | CsvRecord;

/**
 * A value in `properties`: the file's fields are strings kept verbatim; molimport's own keys
 * (`molimport_warnings`) may be lists of strings.
 */
export type PropertyValue = string | string[];

/** A molecule row as written to the database. */
export interface MoleculeRow {
  /** A {@link DataSource} for rows of molimport's profiles; any name for a library caller's own rows. */
  source: string;
  externalId: string;
  name: string | null;
  smiles: string | null;
  inchi: string | null;
  inchikey: string | null;
  formula: string | null;
  molWeight: number | null;
  molfile: string | null;
  /** Every data field not mapped to a column, verbatim as a string. */
  properties: Record<string, PropertyValue>;
  /** `--standardize`: the standardised structure and its parent (absent when not asked). */
  stdSmiles?: string | null;
  stdInchikey?: string | null;
  parentSmiles?: string | null;
  parentInchikey?: string | null;
  /** Where it came from, for rejects and resume bookkeeping; not a column. */
  origin: RecordOrigin;
  /** Item weight for batching (bytes of the record, or atoms); not a column. */
  weight: number;
}

/** A row without its `properties`: what the transform makes of a record before they are built. */
export type MoleculeColumns = Omit<MoleculeRow, 'properties'>;

/** What identifies a row (its source and external ID), where its record came from, its batching weight. */
export type RowKey = Pick<MoleculeColumns, 'source' | 'externalId' | 'origin' | 'weight'>;

/**
 * Why a record was rejected, as a class a script can count (`rejectReasons` in the stats):
 * - `parse`: the record's structure is malformed (no counts line, no `M  END`, …)
 * - `encoding`: invalid UTF-8
 * - `columns`: a CSV row whose cells do not match the header
 * - `no-id`: no usable ID field
 * - `valence` / `chem-invalid`: the toolkit refused the structure (`--validate`)
 * - `chem-timeout` / `chem-crash`: the toolkit ran over its time limit or crashed (`--validate`)
 * - `chem-warning`: a chemistry warning of a kind `--reject-on` names (`--validate`)
 * - `duplicate-key`: `--mode insert` met a stored ID
 * - `db-refused`: PostgreSQL refused a value (e.g. a NUL byte)
 */
export type RejectKind =
  | 'parse'
  | 'encoding'
  | 'columns'
  | 'no-id'
  | 'valence'
  | 'chem-invalid'
  | 'chem-timeout'
  | 'chem-crash'
  | 'chem-warning'
  | 'duplicate-key'
  | 'db-refused';

/** A record that could not become a row, or that the database refused. Never lost: written to the rejects file. */
export interface Reject extends RecordOrigin {
  format: InputFormat;
  reason: string;
  /** The reason's class. */
  kind: RejectKind;
  /** The original text of the record (SDF record text, or CSV row). */
  raw: string;
  /** SDF: the original text had CRLF line endings (`raw` has LF); the rejects file restores them. */
  crlf?: boolean;
  /** CSV only: the columns of the file, so rejects can be written back as CSV. */
  columns?: readonly string[];
  /** CSV only: the row's values by column. */
  fields?: ReadonlyMap<string, string>;
}

/**
 * The fate of one record in a run; each counts towards exactly one of the stats' counts
 * (`read = inserted + updated + unchanged + duplicates + rejected + skipped`):
 * - `inserted` / `updated`: written as a new row / over a stored one
 * - `unchanged`: the stored row already held its data (or `--mode skip` kept the stored row)
 * - `duplicate`: a later record of the same ID in the run won
 * - `rejected`: could not become a row, or the database refused it (see {@link RejectKind})
 * - `skipped`: not written by this run (committed by the run it resumes, or a dry run)
 */
export type RowStatus = 'inserted' | 'updated' | 'unchanged' | 'duplicate' | 'rejected' | 'skipped';
