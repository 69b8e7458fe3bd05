/**
 * Create the molecules table and the bookkeeping tables when missing. Idempotent, and safe when two
 * processes race: every `CREATE ... IF NOT EXISTS` runs in one transaction under an advisory
 * transaction lock (two concurrent `CREATE TABLE IF NOT EXISTS` can otherwise both fail on the
 * catalog's unique index).
 */
import { ConfigurationError } from '../errors.js';
import type { SqlExecutor } from './driver.js';
import {
  assertWritableSchema,
  derivedName,
  qualifiedName,
  quoteIdent,
  type TableTarget,
} from './identifiers.js';

/** First key of every advisory lock molimport takes ('moli'), the second is a hash of the name. */
export const ADVISORY_LOCK_NAMESPACE = 0x6d6f6c69;

/** One row per run (written by runs-ledger.ts only). */
export const RUNS_TABLE = 'molimport_runs';
/** The record ranges each committed batch held (written by runs-ledger.ts only). */
export const BATCHES_TABLE = 'molimport_batches';

/**
 * The data columns (compared to tell `updated` from `unchanged`), in table order, with their SQL
 * type and the type of their COPY binary form: one list, so the table, the staging table and the
 * binary encoding cannot drift apart.
 */
const MOLECULE_DATA_COLUMN_TYPES = {
  name: { sql: 'text', binary: 'text' },
  smiles: { sql: 'text', binary: 'text' },
  inchi: { sql: 'text', binary: 'text' },
  inchikey: { sql: 'text', binary: 'text' },
  formula: { sql: 'text', binary: 'text' },
  mol_weight: { sql: 'double precision', binary: 'float8' },
  molfile: { sql: 'text', binary: 'text' },
  properties: { sql: "jsonb NOT NULL DEFAULT '{}'", binary: 'jsonb' },
  std_smiles: { sql: 'text', binary: 'text' },
  std_inchikey: { sql: 'text', binary: 'text' },
  parent_smiles: { sql: 'text', binary: 'text' },
  parent_inchikey: { sql: 'text', binary: 'text' },
} as const;

/**
 * Data columns added after the first release (`--standardize`): a table created before them gets
 * them with `ALTER TABLE … ADD COLUMN IF NOT EXISTS`, so they are not required of an existing table.
 */
const ADDED_MOLECULE_COLUMNS = ['std_smiles', 'std_inchikey', 'parent_smiles', 'parent_inchikey'] as const;

export const MOLECULE_DATA_COLUMNS = Object.keys(
  MOLECULE_DATA_COLUMN_TYPES,
) as (keyof typeof MOLECULE_DATA_COLUMN_TYPES)[];

/** The data columns' COPY binary types, in table order. */
export const MOLECULE_DATA_BINARY_TYPES = Object.values(MOLECULE_DATA_COLUMN_TYPES).map((t) => t.binary);

/** The data columns' definitions, shared by the molecules table and the staging table so they cannot drift. */
export const MOLECULE_DATA_COLUMNS_DDL = Object.entries(MOLECULE_DATA_COLUMN_TYPES)
  .map(([column, type]) => `  ${column} ${type.sql},`)
  .join('\n');

/**
 * `properties` keys that describe one record's import, not the molecule (warnings met while
 * computing it, which columns were computed, what the standardiser changed): a merge takes them
 * from the winning record only, so stale ones do not linger.
 */
export const RECORD_SCOPED_PROPERTIES: readonly string[] = [
  'molimport_warnings',
  'molimport_computed',
  'molimport_standardized',
];

const REQUIRED_MOLECULE_COLUMNS = [
  'id',
  'source',
  'external_id',
  ...MOLECULE_DATA_COLUMNS.filter((c) => !(ADDED_MOLECULE_COLUMNS as readonly string[]).includes(c)),
  'run_id',
  'source_file',
  'source_record',
  'source_seq',
  'created_at',
  'updated_at',
];

export function moleculesTableDdl(target: TableTarget): string {
  const table = qualifiedName(target);
  const unique = quoteIdent(derivedName(target.table, 'source_external_id_key'));
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source text NOT NULL,
  external_id text NOT NULL,
${MOLECULE_DATA_COLUMNS_DDL}
  run_id bigint,
  source_file text,
  source_record bigint,
  source_seq bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${unique} UNIQUE (source, external_id)
)`;
}

/** A DDL statement run only when `missing` (a query) returns a row. */
interface Guarded {
  sql: string;
  missing: string;
  params: unknown[];
}

/**
 * Ensure `target.schema`, the molecules table `target`, and the bookkeeping tables
 * (`molimport_runs`, `molimport_batches`) in `bookkeepingSchema` (default: the target's schema).
 * Runs its own transaction on `client`. Throws a `ConfigurationError` when an existing table lacks
 * a column molimport writes.
 */
export async function ensureSchema(
  client: SqlExecutor,
  target: TableTarget,
  bookkeepingSchema: string = target.schema,
): Promise<void> {
  const schemas = [...new Set([target.schema, bookkeepingSchema])];
  for (const s of schemas) assertWritableSchema(s);
  const books = { schema: bookkeepingSchema, table: RUNS_TABLE };
  const runs = qualifiedName(books, RUNS_TABLE);
  const batches = qualifiedName(books, BATCHES_TABLE);
  const createTable = [
    ...schemas.map((s) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s, 'schema name')}`),
    moleculesTableDdl(target),
  ];
  // ALTER TABLE and CREATE INDEX lock the table before they find there is nothing to do, and wait
  // for every open write transaction on it (and make later writers wait behind them): a run whose
  // client vanished mid-batch would stall every run that starts after it. So each is run only
  // when the catalog says the column or index is missing.
  const index = (name: string, sql: string): Guarded => ({
    sql: `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ${sql}`,
    missing: `SELECT 1 WHERE to_regclass($1) IS NULL`,
    params: [qualifiedName({ schema: target.schema, table: name })],
  });
  const createRest: (string | Guarded)[] = [
    ...ADDED_MOLECULE_COLUMNS.map((c) => ({
      sql: `ALTER TABLE ${qualifiedName(target)} ADD COLUMN IF NOT EXISTS ${c} ${MOLECULE_DATA_COLUMN_TYPES[c].sql}`,
      missing: `SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped)`,
      params: [qualifiedName(target), c],
    })),
    index(derivedName(target.table, 'inchikey_idx'), `ON ${qualifiedName(target)} (inchikey)`),
    // `overlap --by connectivity|parent` probes these.
    index(derivedName(target.table, 'connectivity_idx'), `ON ${qualifiedName(target)} (left(inchikey, 14))`),
    index(derivedName(target.table, 'parent_inchikey_idx'), `ON ${qualifiedName(target)} (parent_inchikey)`),
    `CREATE TABLE IF NOT EXISTS ${runs} (
  id bigserial PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status text NOT NULL DEFAULT 'running',
  source text,
  target_table text,
  files jsonb,
  options jsonb,
  stats jsonb,
  error text,
  input_fingerprint text
)`,
    `CREATE TABLE IF NOT EXISTS ${batches} (
  run_id bigint NOT NULL,
  file_index int NOT NULL,
  file_key text NOT NULL,
  first_record bigint NOT NULL,
  last_record bigint NOT NULL,
  rows int NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  statuses text
)`,
    {
      sql: `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${BATCHES_TABLE}_run_id_idx`)} ON ${batches} (run_id)`,
      missing: `SELECT 1 WHERE to_regclass($1) IS NULL`,
      params: [qualifiedName({ schema: bookkeepingSchema, table: `${BATCHES_TABLE}_run_id_idx` })],
    },
    // A batch's row statuses (see batch-outcome.ts), added to ledgers made before it existed; checked
    // first, as ALTER TABLE would lock the ledger against other runs' batches even when it has it.
    `DO $molimport$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('${batches}') AND attname = 'statuses') THEN
    ALTER TABLE ${batches} ADD COLUMN statuses text;
  END IF;
END $molimport$`,
  ];
  await client.query('BEGIN');
  try {
    // One lock for all DDL in the database: schema creation is rare and quick.
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_LOCK_NAMESPACE]);
    for (const sql of createTable) await client.query(sql);
    await assertMoleculesTable(client, target);
    for (const step of createRest) {
      if (typeof step === 'string') await client.query(step);
      else if ((await client.query(step.missing, step.params)).rows.length > 0) await client.query(step.sql);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function assertMoleculesTable(client: SqlExecutor, target: TableTarget): Promise<void> {
  const { rows } = await client.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
    [target.schema, target.table],
  );
  const present = new Set(rows.map((r) => r.column_name));
  const missing = REQUIRED_MOLECULE_COLUMNS.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new ConfigurationError(
      `table ${target.schema}.${target.table} exists but is not a molimport molecules table: missing column(s) ${missing.join(', ')}; choose another --table or drop it`,
    );
  }
}

/** Whether a schema of this name exists in the database (a catalog lookup; creates nothing). */
export async function schemaExists(
  db: { query(text: string, params?: readonly unknown[]): Promise<unknown[]> },
  schema: string,
): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema]);
  return rows.length > 0;
}
