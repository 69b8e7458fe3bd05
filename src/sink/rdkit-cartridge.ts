/**
 * `--rdkit-mol`: when the target PostgreSQL has the RDKit cartridge, a `mol` column filled server
 * side from the molfile (or the SMILES when there is no molfile) and a GiST index on it, so that
 * substructure search (`mol @> 'c1ccccc1'::qmol`) works right after the import.
 *
 * Order of use: `checkRdkitCartridge` before anything is written (it throws a clear error when the
 * cartridge is missing), `ensureMolColumn` after `ensureSchema`, then `fillMolColumn` per batch in
 * the batch's transaction (or once at the end of the run).
 */
import { ConfigurationError, DatabaseError, errorMessage } from '../errors.js';
import { sqlStateOf } from './connection.js';
import { DatabaseOperations } from './database-operations.js';
import type { Transaction } from './transactions.js';
import { derivedName, qualifiedName, quoteIdent, type TableTarget } from './identifiers.js';
import { ADVISORY_LOCK_NAMESPACE } from './schema.js';

export interface RdkitCartridge {
  /** Schema the extension lives in (its types and functions are qualified with it). */
  schema: string;
  /** Extension version (`4.2.0` for Debian bookworm's postgresql-15-rdkit). */
  extensionVersion: string;
  /** RDKit toolkit version inside the server, e.g. `2022.09.3`, when the cartridge reports it. */
  toolkitVersion: string | null;
  /** Whether this call created the extension. */
  created: boolean;
}

export interface MolFillResult {
  /** Rows whose `mol` was set. */
  filled: number;
  /** Rows with a molfile or SMILES that the cartridge refused: `mol` stays null. */
  failed: number;
}

/**
 * Which rows to fill: those a run wrote (`run_id`), optionally only the given `source_seq` values
 * (one batch); or, with `runId: null`, every row of the table whose `mol` is null (rows imported
 * before `--rdkit-mol` was used, or left unchanged by an upsert).
 */
export interface MolFillScope {
  runId: number | null;
  /** The batch's `seq`s (WorkItem.seq): fill only these rows of the run. @default every row of the run */
  seqs?: readonly number[] | undefined;
  /** Recompute `mol` even where it is set (rows an upsert updated). @default true */
  overwrite?: boolean;
}

const MOL_COLUMN = 'mol';
const HINT = 'install postgresql-15-rdkit (Debian) or use a server that has it';

/**
 * Makes sure the RDKit cartridge is usable in the target database: `CREATE EXTENSION IF NOT EXISTS
 * rdkit` (skipped when already installed, so a role without CREATE privilege works on a prepared
 * database). Throws a `DatabaseError` naming the option, PostgreSQL's message and the remedy.
 * Call it before writing anything.
 */
export async function checkRdkitCartridge(db: DatabaseOperations): Promise<RdkitCartridge> {
  let created = false;
  try {
    created = await db.transaction(async (tx) => {
      // The same lock as ensureSchema's DDL: two importers must not race on CREATE EXTENSION.
      await tx.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_LOCK_NAMESPACE]);
      const { rows } = await tx.query(`SELECT 1 FROM pg_extension WHERE extname = 'rdkit'`);
      if (rows.length > 0) return false;
      await tx.query('CREATE EXTENSION IF NOT EXISTS rdkit');
      return true;
    });
  } catch (err) {
    throw cartridgeError(err);
  }
  const info = await extensionInfo(db);
  if (info === undefined)
    throw cartridgeError(new Error('the extension is not listed in pg_extension after CREATE EXTENSION'));
  let toolkitVersion: string | null = null;
  try {
    const rows = await db.query<{ v: string }>(
      `SELECT ${quoteIdent(info.schema, 'schema name')}.rdkit_toolkit_version() AS v`,
    );
    toolkitVersion = rows[0]?.v ?? null;
  } catch {
    toolkitVersion = null; // older cartridges have no rdkit_toolkit_version()
  }
  return { ...info, toolkitVersion, created };
}

/**
 * Adds `mol <schema>.mol` to the molecules table when missing, and a GiST index on it
 * (`<table>_mol_gist`). Idempotent. Throws a `ConfigurationError` when the table already has a
 * `mol` column of another type.
 */
export async function ensureMolColumn(
  db: DatabaseOperations,
  target: TableTarget,
  cartridge?: RdkitCartridge,
): Promise<void> {
  const ext = cartridge ?? (await extensionInfo(db));
  if (ext === undefined)
    throw cartridgeError(new Error('extension "rdkit" is not installed (call checkRdkitCartridge first)'));
  const table = qualifiedName(target);
  const molType = `${quoteIdent(ext.schema, 'schema name')}.mol`;
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_LOCK_NAMESPACE]);
    const { rows } = await tx.query<{ type: string }>(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type, t.typname AS name, n.nspname AS nsp
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped`,
      [table, MOL_COLUMN],
    );
    const existing = rows[0] as { type: string; name: string; nsp: string } | undefined;
    if (existing !== undefined && !(existing.name === 'mol' && existing.nsp === ext.schema)) {
      throw new ConfigurationError(
        `--rdkit-mol: table ${target.schema}.${target.table} already has a column "mol" of type ${existing.type}, not the cartridge's mol; rename or drop it`,
      );
    }
    if (existing === undefined)
      await tx.query(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(MOL_COLUMN)} ${molType}`);
    // Only when the catalog says an index is missing: CREATE INDEX IF NOT EXISTS locks the table
    // before it finds there is nothing to do, so a run whose client vanished mid-batch would stall
    // every later file (the same rule as ensureSchema's).
    const createMissing = async (name: string, definition: string): Promise<void> => {
      const found = await tx.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [
        qualifiedName({ schema: target.schema, table: name }),
      ]);
      if ((found.rows[0] as { found?: boolean } | undefined)?.found !== true)
        await tx.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${table} ${definition}`);
    };
    await createMissing(derivedName(target.table, 'mol_gist'), `USING gist (${quoteIdent(MOL_COLUMN)})`);
    // fillMolColumn finds each batch's rows by (run_id, source_seq): without this index every
    // batch would scan the table, quadratic over a run. Only --rdkit-mol tables pay for it.
    await createMissing(derivedName(target.table, 'run_seq_idx'), '(run_id, source_seq)');
  });
}

/**
 * Fills `mol` server side for the rows in scope: `mol_from_ctab(molfile)` when the row has a
 * molfile, else `mol_from_smiles(smiles)`. A structure the cartridge refuses leaves `mol` null
 * (the cartridge says so with a WARNING, silenced here) and is counted in `failed`.
 *
 * Pass the batch's transaction (`tx`) to fill in the same commit as the rows, or `db` to run its
 * own transaction (e.g. once at the end of the run).
 */
export async function fillMolColumn(
  exec: DatabaseOperations | Transaction,
  target: TableTarget,
  scope: MolFillScope,
  cartridge: Pick<RdkitCartridge, 'schema'>,
): Promise<MolFillResult> {
  if (scope.runId !== null && !Number.isSafeInteger(scope.runId)) {
    throw new ConfigurationError(`run id must be an integer or null, got ${String(scope.runId)}`);
  }
  const seqs = scope.seqs === undefined ? undefined : [...scope.seqs];
  if (seqs !== undefined && !seqs.every((s) => Number.isSafeInteger(s))) {
    throw new ConfigurationError('fillMolColumn: seqs must be integers');
  }
  if (seqs !== undefined && seqs.length === 0) return { filled: 0, failed: 0 };
  const table = qualifiedName(target);
  const ext = quoteIdent(cartridge.schema, 'schema name');
  const mol = quoteIdent(MOL_COLUMN);
  const params: unknown[] = [];
  const where = ['(molfile IS NOT NULL OR smiles IS NOT NULL)'];
  if (scope.runId === null) {
    where.push(`${mol} IS NULL`);
  } else {
    params.push(scope.runId);
    where.push(`run_id = $${params.length}::int8`);
    if (seqs !== undefined) {
      params.push(seqs);
      where.push(`source_seq = ANY($${params.length}::int8[])`);
    }
    if (scope.overwrite === false) where.push(`${mol} IS NULL`);
  }
  const structure = `CASE WHEN molfile IS NOT NULL THEN ${ext}.mol_from_ctab(molfile::cstring) ELSE ${ext}.mol_from_smiles(smiles::cstring) END`;
  const statement = `WITH updated AS (UPDATE ${table} SET ${mol} = ${structure} WHERE ${where.join(' AND ')} RETURNING ${mol} IS NOT NULL AS ok)
    SELECT count(*) FILTER (WHERE ok)::int8 AS filled, count(*) FILTER (WHERE NOT ok)::int8 AS failed FROM updated`;

  const run = async (tx: Transaction): Promise<MolFillResult> => {
    // One WARNING per refused structure would otherwise reach the client.
    await tx.query(`SET LOCAL client_min_messages = error`);
    const { rows } = await tx.query<{ filled: unknown; failed: unknown }>(statement, params);
    return { filled: toCount(rows[0]?.filled), failed: toCount(rows[0]?.failed) };
  };
  try {
    return exec instanceof DatabaseOperations ? await exec.transaction(run) : await run(exec);
  } catch (err) {
    throw new DatabaseError(
      `--rdkit-mol: filling the mol column failed: ${errorMessage(err)}`,
      sqlStateOf(err),
      { cause: err },
    );
  }
}

/** The installed extension's schema and version, or undefined. */
async function extensionInfo(
  db: DatabaseOperations,
): Promise<Omit<RdkitCartridge, 'toolkitVersion' | 'created'> | undefined> {
  const rows = await db.query<{ schema: string; version: string }>(
    `SELECT n.nspname AS schema, e.extversion AS version
     FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'rdkit'`,
  );
  const row = rows[0];
  return row === undefined ? undefined : { schema: row.schema, extensionVersion: row.version };
}

function cartridgeError(err: unknown): DatabaseError {
  const message = errorMessage(err);
  // Debian bookworm's postgresql-15-rdkit (202209.3) predates PostgreSQL's 2024 check on operator
  // commutators (15.8+): its script then fails on the @= operator. Say how to fix the package.
  const broken = /is already the commutator of operator/.test(message)
    ? ' (the installed rdkit--*.sql predates PostgreSQL 15.8; make the @= operators their own COMMUTATOR and drop their NEGATOR, as RDKit 2024.09 did)'
    : '';
  return new DatabaseError(
    `--rdkit-mol needs the RDKit cartridge: CREATE EXTENSION rdkit failed: ${message}${broken}; ${HINT}`,
    sqlStateOf(err),
    { cause: err },
  );
}

function toCount(value: unknown): number {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}
