/**
 * `molimport query "<sql>"`: one statement against the same database an import would use. Its
 * purpose is the embedded default, which no other client can open while it lives in a directory.
 */
import { assertEmbeddedDatabaseExists } from './existing-target.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from './open-database.js';

export interface QueryOptions extends TargetOptions {
  /** Values for $1, $2, … */
  params?: unknown[];
}

export async function runQuery(
  sql: string,
  options: QueryOptions = {},
): Promise<{ target: string; rows: Record<string, unknown>[] }> {
  const resolved = resolveDatabaseTarget(options);
  // A query where no import ran would otherwise create an empty database here and then fail.
  assertEmbeddedDatabaseExists(resolved);
  const db = await openDatabase(options, resolved);
  try {
    return { target: db.describe().target, rows: await db.query(sql, options.params) };
  } finally {
    await db.close();
  }
}
