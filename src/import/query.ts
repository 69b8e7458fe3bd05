/**
 * `molimport query "<sql>"`: one statement against the same database an import would use. Its
 * purpose is the embedded default, which no other client can open while it lives in a directory.
 */
import { assertEmbeddedDatabaseExists } from './existing-target.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from './open-database.js';

/** Options of {@link runQuery}: the target database and the statement's parameters. */
export interface QueryOptions extends TargetOptions {
  /** Values for $1, $2, … */
  params?: unknown[];
}

/**
 * Run one SQL statement against the target database (`molimport query`), with `$1…` parameters.
 * @throws {ConfigurationError} when the embedded database does not exist yet (no import ran).
 * @throws {DatabaseError} when the database cannot be reached or refuses the statement.
 */
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
