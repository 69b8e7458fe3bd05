/**
 * The queries behind cross-source identity (import/overlap.ts and the run's
 * `knownUnderOtherSource`): how many molecules of one source share a key with another source's.
 * Every probe is an `EXISTS (... WHERE <key> = $key AND source = ...)` lookup on the key's index
 * (`<table>_inchikey_idx`, `<table>_connectivity_idx`, `<table>_parent_inchikey_idx`), so the cost
 * follows the molecules probed, not the table.
 */
import { ConfigurationError } from '../errors.js';
import type { SqlRow } from './driver.js';
import { qualifiedName, type TableTarget } from './identifiers.js';

/**
 * Identity at three levels: the full InChIKey; the connectivity (its first block, so
 * stereoisomers, isotopologues and protonation states meet); and the parent InChIKey that
 * `--standardize` fills (salts and solvents stripped, charges neutralised).
 */
export type OverlapLevel = 'inchikey' | 'connectivity' | 'parent';

/** Every {@link OverlapLevel}. */
export const OVERLAP_LEVELS: readonly OverlapLevel[] = ['inchikey', 'connectivity', 'parent'];

/** What the queries need of a database: one autocommit statement (e.g. `DatabaseOperations.query`). */
export interface QueryRunner {
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** The SQL key of each level, on the table aliased `alias`. */
function keyOf(level: OverlapLevel, alias: string): string {
  if (level === 'connectivity') return `left(${alias}.inchikey, 14)`;
  if (level === 'parent') return `${alias}.parent_inchikey`;
  return `${alias}.inchikey`;
}

/** Molecules per source, with an InChIKey, and with the level's key; only `sources` when given. */
export async function countPerSource(
  db: QueryRunner,
  target: TableTarget,
  by: OverlapLevel,
  sources: readonly string[] | undefined,
): Promise<{ source: string; molecules: number; withInchikey: number; withKey: number }[]> {
  const filter = sources === undefined ? '' : 'WHERE source = ANY($1::text[])';
  const rows = await db.query<{
    source: string;
    molecules: unknown;
    with_inchikey: unknown;
    with_key: unknown;
  }>(
    `SELECT source, count(*)::int8 AS molecules, count(inchikey)::int8 AS with_inchikey,
            count(${keyOf(by, 'm')})::int8 AS with_key
     FROM ${qualifiedName(target)} m ${filter} GROUP BY source ORDER BY source`,
    sources === undefined ? [] : [sources],
  );
  return rows.map((r) => ({
    source: r.source,
    molecules: toCount(r.molecules),
    withInchikey: toCount(r.with_inchikey),
    withKey: toCount(r.with_key),
  }));
}

/**
 * For each ordered pair of distinct `sources` (a, b) with any: molecules of a whose key is also a
 * key of b. One index probe per (molecule, other source); a molecule counts once per pair however
 * many matches it has.
 */
export async function countSharedPairs(
  db: QueryRunner,
  target: TableTarget,
  by: OverlapLevel,
  sources: readonly string[],
): Promise<{ a: string; b: string; shared: number }[]> {
  const table = qualifiedName(target);
  const mKey = keyOf(by, 'm');
  const rows = await db.query<{ a: string; b: string; shared: unknown }>(
    `SELECT m.source AS a, s.source AS b, count(*)::int8 AS shared
     FROM ${table} m
     JOIN unnest($1::text[]) AS s(source) ON s.source <> m.source
     WHERE m.source = ANY($1::text[]) AND ${mKey} IS NOT NULL
       AND EXISTS (SELECT 1 FROM ${table} o WHERE ${keyOf(by, 'o')} = ${mKey} AND o.source = s.source)
     GROUP BY m.source, s.source`,
    [sources],
  );
  return rows.map((r) => ({ a: r.a, b: r.b, shared: toCount(r.shared) }));
}

/** A molecule of `a` and one of `b` that share the level's key. */
export interface OverlapExample {
  /** External IDs of a molecule of `a` and one of `b` that share the key. */
  aId: string;
  bId: string;
  /** The shared key (InChIKey, first block, or parent InChIKey). */
  key: string;
  /** Their full InChIKeys: for `connectivity` and `parent`, examples are chosen where these differ. */
  aInchikey: string | null;
  bInchikey: string | null;
}

/** Up to three examples of molecules of `a` sharing the key with one of `b` (for `connectivity` and `parent`, with differing InChIKeys). */
export async function overlapExamples(
  db: QueryRunner,
  target: TableTarget,
  by: OverlapLevel,
  a: string,
  b: string,
): Promise<OverlapExample[]> {
  const table = qualifiedName(target);
  const mKey = keyOf(by, 'm');
  const rows = await db.query<{
    a_id: string;
    b_id: string;
    key: string;
    a_key: string | null;
    b_key: string | null;
  }>(
    `SELECT m.external_id AS a_id, o.external_id AS b_id, ${mKey} AS key,
            m.inchikey AS a_key, o.inchikey AS b_key
     FROM ${table} m JOIN ${table} o ON ${keyOf(by, 'o')} = ${mKey} AND o.source = $2
     WHERE m.source = $1 AND ${mKey} IS NOT NULL
       ${by === 'inchikey' ? '' : 'AND m.inchikey IS DISTINCT FROM o.inchikey'}
     ORDER BY m.external_id, o.external_id LIMIT 3`,
    [a, b],
  );
  return rows.map((r) => ({ aId: r.a_id, bId: r.b_id, key: r.key, aInchikey: r.a_key, bInchikey: r.b_key }));
}

/**
 * Molecules written by run `runId` (inserted or updated by it: their `run_id`) for `source` whose
 * InChIKey is also the InChIKey of a molecule of another source. Call once the run's batches are
 * committed, before `finishRun`. Rows the run left unchanged keep the run that wrote them and are
 * not counted. Throws `ConfigurationError` when `runId` is not an integer.
 */
export async function knownUnderOtherSource(
  db: QueryRunner,
  target: TableTarget,
  source: string,
  runId: number,
): Promise<number> {
  if (!Number.isSafeInteger(runId))
    throw new ConfigurationError(`run id must be an integer, got ${String(runId)}`);
  const table = qualifiedName(target);
  const rows = await db.query<{ known: unknown }>(
    `SELECT count(*)::int8 AS known FROM ${table} m
     WHERE m.run_id = $1::int8 AND m.source = $2 AND m.inchikey IS NOT NULL
       AND EXISTS (SELECT 1 FROM ${table} o WHERE o.inchikey = m.inchikey AND o.source <> m.source)`,
    [runId, source],
  );
  return toCount(rows[0]?.known);
}

/**
 * Whether the table holds molecules of any source other than `source`: its smallest and largest
 * source, two descents of the (source, external_id) index whatever the table's size. (`WHERE source
 * <> $1 LIMIT 1` reads the whole table when it has no statistics yet, as after a first import
 * without autovacuum: 3 GB at 2,000,000 PubChem rows.)
 */
export async function otherSourcesExist(
  db: QueryRunner,
  target: TableTarget,
  source: string,
): Promise<boolean> {
  const rows = await db.query<{ other: unknown }>(
    `SELECT coalesce(min(source) < $1 OR max(source) > $1, false) AS other FROM ${qualifiedName(target)}`,
    [source],
  );
  return rows[0]?.other === true;
}

/**
 * Whether the table holds any molecule of `source`: one descent of the (source, external_id)
 * index (min() with the index's leading column fixed), whatever the table's statistics.
 */
export async function sourceStored(db: QueryRunner, target: TableTarget, source: string): Promise<boolean> {
  const rows = await db.query<{ own: unknown }>(
    `SELECT min(external_id) IS NOT NULL AS own FROM ${qualifiedName(target)} WHERE source = $1`,
    [source],
  );
  return rows[0]?.own === true;
}

/**
 * Of these InChIKeys (a batch's new or changed molecules), how many are known under another
 * source: one probe of the inchikey index per key, so the cost follows the batch, not the table.
 */
export async function countKnownElsewhere(
  exec: QueryRunner,
  target: TableTarget,
  source: string,
  inchikeys: readonly string[],
): Promise<number> {
  if (inchikeys.length === 0) return 0;
  const rows = await exec.query<{ known: unknown }>(
    `SELECT count(*)::int8 AS known FROM unnest($1::text[]) AS k(key)
     WHERE EXISTS (SELECT 1 FROM ${qualifiedName(target)} o WHERE o.inchikey = k.key AND o.source <> $2)`,
    [inchikeys, source],
  );
  return toCount(rows[0]?.known);
}

/** int8 arrives as a string from pg and as a number or bigint from PGlite. */
function toCount(value: unknown): number {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') return 0;
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}
