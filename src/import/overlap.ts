/**
 * Cross-source identity through InChIKeys: how many molecules of one source (ChEMBL, say) share an
 * InChIKey with another source's (PubChem), at one of three identity levels (see `OverlapLevel`).
 * The queries, and why they stay cheap, are in sink/overlap-queries.ts; this module checks the
 * options and assembles the report.
 */
import { ConfigurationError } from '../errors.js';
import { assertEmbeddedDatabaseExists, assertSchemaExists } from './existing-target.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from './open-database.js';
import type { DatabaseOperations } from '../sink/index.js';
import { validateIdentifier, type TableTarget } from '../sink/index.js';
import {
  countPerSource,
  countSharedPairs,
  overlapExamples,
  OVERLAP_LEVELS,
  type OverlapExample,
  type OverlapLevel,
} from '../sink/overlap-queries.js';

// The options and the report name these; the CLI takes them from here.
export { OVERLAP_LEVELS, type OverlapExample, type OverlapLevel };

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

/**
 * The overlap of the sources in `options.schema`.`options.table`. Throws `ConfigurationError` for
 * an invalid schema or table name, an empty source name, or an unknown `by`.
 */
export async function overlapReport(db: DatabaseOperations, options: OverlapOptions): Promise<OverlapReport> {
  const target: TableTarget = {
    schema: validateIdentifier(options.schema, 'schema name'),
    table: validateIdentifier(options.table, 'table name'),
  };
  const sources = options.sources === undefined ? undefined : checkSources(options.sources);
  const by = options.by ?? 'inchikey';
  if (!OVERLAP_LEVELS.includes(by)) {
    throw new ConfigurationError(
      `by: expected one of ${OVERLAP_LEVELS.join(', ')}, got ${JSON.stringify(by)}`,
    );
  }

  const perSource: OverlapReport['perSource'] = {};
  for (const name of sources ?? []) perSource[name] = { molecules: 0, withInchikey: 0, withKey: 0 };
  for (const { source, ...counts } of await countPerSource(db, target, by, sources))
    perSource[source] = counts;
  const names = Object.keys(perSource).sort();

  const shared = new Map<string, number>();
  if (names.length > 1) {
    for (const row of await countSharedPairs(db, target, by, names))
      shared.set(pairKey(row.a, row.b), row.shared);
  }
  const examples: OverlapReport['examples'] = {};
  for (const a of names) {
    for (const b of names) {
      if (a === b || (shared.get(pairKey(a, b)) ?? 0) === 0) continue;
      examples[`${a}→${b}`] = await overlapExamples(db, target, by, a, b);
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
