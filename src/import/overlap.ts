/**
 * Cross-source identity through InChIKeys: how many molecules of one source (ChEMBL, say) share an
 * InChIKey with another source's (PubChem), and how many molecules a run wrote were already known
 * under another source. Both lean on the table's `inchikey` index (`<table>_inchikey_idx`): every
 * probe is an `EXISTS (... WHERE inchikey = $key AND source = ...)` index lookup.
 *
 * Identity at three levels (`by`): the full InChIKey; the connectivity (its first block, so
 * stereoisomers, isotopologues and protonation states meet: `<table>_connectivity_idx`); and the
 * parent InChIKey that `--standardize` fills (salts and solvents stripped, charges neutralised:
 * `<table>_parent_inchikey_idx`).
 */
import { ConfigurationError } from '../errors.js';
import { assertEmbeddedDatabaseExists, assertSchemaExists } from './existing-target.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from './open-database.js';
import type { DatabaseOperations } from '../sink/index.js';
import { qualifiedName, validateIdentifier, type TableTarget } from '../sink/index.js';

export interface OverlapPair {
  /** The source whose molecules are counted. */
  a: string;
  /** The other source. */
  b: string;
  /** Molecules of `a` whose InChIKey is also the InChIKey of at least one molecule of `b`. */
  shared: number;
  /** Molecules of `a` (with or without an InChIKey). */
  aTotal: number;
  /** Molecules of `b`. */
  bTotal: number;
}

export type OverlapLevel = 'inchikey' | 'connectivity' | 'parent';

export const OVERLAP_LEVELS: readonly OverlapLevel[] = ['inchikey', 'connectivity', 'parent'];

/** The SQL key of each level, on the table aliased `alias`. */
function keyOf(level: OverlapLevel, alias: string): string {
  if (level === 'connectivity') return `left(${alias}.inchikey, 14)`;
  if (level === 'parent') return `${alias}.parent_inchikey`;
  return `${alias}.inchikey`;
}

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

export interface OverlapReport {
  /** The identity level compared. */
  by: OverlapLevel;
  /**
   * Up to three examples per ordered pair (keyed `a→b`); for `connectivity` and `parent`, pairs
   * whose full InChIKeys differ — what this level finds that the InChIKey alone does not.
   */
  examples: Record<string, OverlapExample[]>;
  /**
   * One entry per ordered pair of distinct sources (`a`→`b` and `b`→`a`: the counts differ when a
   * source holds several molecules with the same InChIKey), sorted by `a` then `b`.
   */
  pairs: OverlapPair[];
  perSource: Record<string, { molecules: number; withInchikey: number; withKey: number }>;
}

export interface OverlapOptions {
  schema: string;
  table: string;
  /** Only these sources (each still listed when it has no molecules). @default every source in the table */
  sources?: readonly string[] | undefined;
  /** The identity level. @default 'inchikey' */
  by?: OverlapLevel | undefined;
}

export async function overlapReport(db: DatabaseOperations, options: OverlapOptions): Promise<OverlapReport> {
  const target: TableTarget = {
    schema: validateIdentifier(options.schema, 'schema name'),
    table: validateIdentifier(options.table, 'table name'),
  };
  const table = qualifiedName(target);
  const sources = options.sources === undefined ? undefined : checkSources(options.sources);
  const by = options.by ?? 'inchikey';
  if (!OVERLAP_LEVELS.includes(by)) {
    throw new ConfigurationError(
      `by: expected one of ${OVERLAP_LEVELS.join(', ')}, got ${JSON.stringify(by)}`,
    );
  }
  const mKey = keyOf(by, 'm');
  const oKey = keyOf(by, 'o');
  const filter = sources === undefined ? '' : 'WHERE source = ANY($1::text[])';
  const params = sources === undefined ? [] : [sources];

  const counts = await db.query<{
    source: string;
    molecules: unknown;
    with_inchikey: unknown;
    with_key: unknown;
  }>(
    `SELECT source, count(*)::int8 AS molecules, count(inchikey)::int8 AS with_inchikey,
            count(${mKey})::int8 AS with_key
     FROM ${table} m ${filter} GROUP BY source ORDER BY source`,
    params,
  );
  const perSource: OverlapReport['perSource'] = {};
  for (const name of sources ?? []) perSource[name] = { molecules: 0, withInchikey: 0, withKey: 0 };
  for (const row of counts) {
    perSource[row.source] = {
      molecules: toCount(row.molecules),
      withInchikey: toCount(row.with_inchikey),
      withKey: toCount(row.with_key),
    };
  }
  const names = Object.keys(perSource).sort();

  // For every molecule with a key and every other source: is the key known there? One index probe
  // per (molecule, other source); molecules are counted once per pair however many matches exist.
  const shared = new Map<string, number>();
  if (names.length > 1) {
    const rows = await db.query<{ a: string; b: string; shared: unknown }>(
      `SELECT m.source AS a, s.source AS b, count(*)::int8 AS shared
       FROM ${table} m
       JOIN unnest($1::text[]) AS s(source) ON s.source <> m.source
       WHERE m.source = ANY($1::text[]) AND ${mKey} IS NOT NULL
         AND EXISTS (SELECT 1 FROM ${table} o WHERE ${oKey} = ${mKey} AND o.source = s.source)
       GROUP BY m.source, s.source`,
      [names],
    );
    for (const row of rows) shared.set(pairKey(row.a, row.b), toCount(row.shared));
  }
  const examples: OverlapReport['examples'] = {};
  for (const a of names) {
    for (const b of names) {
      if (a === b || (shared.get(pairKey(a, b)) ?? 0) === 0) continue;
      const rows = await db.query<{
        a_id: string;
        b_id: string;
        key: string;
        a_key: string | null;
        b_key: string | null;
      }>(
        `SELECT m.external_id AS a_id, o.external_id AS b_id, ${mKey} AS key,
                m.inchikey AS a_key, o.inchikey AS b_key
         FROM ${table} m JOIN ${table} o ON ${oKey} = ${mKey} AND o.source = $2
         WHERE m.source = $1 AND ${mKey} IS NOT NULL
           ${by === 'inchikey' ? '' : 'AND m.inchikey IS DISTINCT FROM o.inchikey'}
         ORDER BY m.external_id, o.external_id LIMIT 3`,
        [a, b],
      );
      examples[`${a}→${b}`] = rows.map((r) => ({
        aId: r.a_id,
        bId: r.b_id,
        key: r.key,
        aInchikey: r.a_key,
        bInchikey: r.b_key,
      }));
    }
  }
  const pairs: OverlapPair[] = [];
  for (const a of names) {
    for (const b of names) {
      if (a === b) continue;
      pairs.push({
        a,
        b,
        shared: shared.get(pairKey(a, b)) ?? 0,
        aTotal: perSource[a]!.molecules,
        bTotal: perSource[b]!.molecules,
      });
    }
  }
  return { by, examples, pairs, perSource };
}

/**
 * Molecules written by run `runId` (inserted or updated by it: their `run_id`) for `source` whose
 * InChIKey is also the InChIKey of a molecule of another source. Call once the run's batches are
 * committed, before `finishRun`. Rows the run left unchanged keep the run that wrote them and are
 * not counted.
 */
export async function knownUnderOtherSource(
  db: DatabaseOperations,
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

function checkSources(sources: readonly string[]): string[] {
  const list = [...new Set(sources.map((s) => (typeof s === 'string' ? s.trim() : s)))];
  if (list.some((s) => typeof s !== 'string' || s === '')) {
    throw new ConfigurationError(`sources must be non-empty strings, got ${JSON.stringify(sources)}`);
  }
  return list;
}

function pairKey(a: string, b: string): string {
  return JSON.stringify([a, b]);
}

/** int8 arrives as a string from pg and as a number or bigint from PGlite. */
function toCount(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = Number(typeof value === 'bigint' ? value : String(value));
  return Number.isFinite(n) ? n : 0;
}

/** Whether the table holds molecules of any source other than `source` (an index probe, not a scan). */
export async function otherSourcesExist(
  db: DatabaseOperations,
  target: TableTarget,
  source: string,
): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM ${qualifiedName(target)} WHERE source < $1 OR source > $1 LIMIT 1`,
    [source],
  );
  return rows.length > 0;
}

/**
 * Of these InChIKeys (a batch's new or changed molecules), how many are known under another
 * source: one probe of the inchikey index per key, so the cost follows the batch, not the table.
 */
export async function countKnownElsewhere(
  exec: Pick<DatabaseOperations, 'query'>,
  target: TableTarget,
  source: string,
  inchikeys: readonly string[],
): Promise<number> {
  if (inchikeys.length === 0) return 0;
  const table = qualifiedName(target);
  const rows = await exec.query<{ known: unknown }>(
    `SELECT count(*)::int8 AS known FROM unnest($1::text[]) AS k(key)
     WHERE EXISTS (SELECT 1 FROM ${table} o WHERE o.inchikey = k.key AND o.source <> $2)`,
    [inchikeys, source],
  );
  return toCount(rows[0]?.known);
}

/** `molimport overlap`: opens the target database and reports. */
export async function runOverlap(
  options: TargetOptions & {
    schema?: string;
    table?: string;
    sources?: readonly string[];
    by?: OverlapLevel;
  },
): Promise<OverlapReport> {
  const resolved = resolveDatabaseTarget(options);
  assertEmbeddedDatabaseExists(resolved);
  const db = await openDatabase({ ...options, schema: options.schema ?? 'public' }, resolved);
  try {
    await assertSchemaExists(db, options.schema ?? 'public', 'name the schema an import used');
    return await overlapReport(db, {
      schema: options.schema ?? 'public',
      table: options.table ?? 'molecules',
      sources: options.sources,
      by: options.by,
    });
  } finally {
    await db.close();
  }
}
