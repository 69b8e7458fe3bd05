/**
 * `molimport query "<sql>"`: one statement against the same database an import would use. Its
 * purpose is the embedded default, which no other client can open while it lives in a directory.
 */
import path from 'node:path';
import { DatabaseOperations, resolveTarget } from '../sink/index.js';

export interface QueryOptions {
  database?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  embeddedDir?: string;
  params?: unknown[];
}

export async function runQuery(sql: string, options: QueryOptions = {}): Promise<{ target: string; rows: Record<string, unknown>[] }> {
  const env = options.env ?? process.env;
  const embeddedDir = path.resolve(options.cwd ?? process.cwd(), options.embeddedDir ?? '.molimport/pgdata');
  const resolved = resolveTarget({ url: options.database, env, embeddedDataDir: embeddedDir });
  const db = await DatabaseOperations.open({
    ...(resolved.kind === 'embedded' ? { embedded: { dataDir: resolved.dataDir } } : { connectionString: options.database, env }),
    maxConnections: 1,
  });
  try {
    return { target: db.describe().target, rows: await db.query(sql, options.params) };
  } finally {
    await db.close();
  }
}
