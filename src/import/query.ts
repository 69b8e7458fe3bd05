/**
 * `molimport query "<sql>"`: one statement against the same database an import would use. Its
 * purpose is the embedded default, which no other client can open while it lives in a directory.
 */
import { openDatabase, type TargetOptions } from './open-database.js';

export interface QueryOptions extends TargetOptions {
  /** Values for $1, $2, … */
  params?: unknown[];
}

export async function runQuery(
  sql: string,
  options: QueryOptions = {},
): Promise<{ target: string; rows: Record<string, unknown>[] }> {
  const db = await openDatabase(options);
  try {
    return { target: db.describe().target, rows: await db.query(sql, options.params) };
  } finally {
    await db.close();
  }
}
