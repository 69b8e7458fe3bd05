/** Opens the database a command targets: --db, DATABASE_URL, PG* variables, else the embedded one. */
import path from 'node:path';
import { DatabaseOperations, resolveTarget, type ResolvedTarget } from '../sink/index.js';
import type { ImportLogger } from './options.js';

export interface TargetOptions {
  /** A connection string; see `ImportOptions.database` for the fallbacks. */
  database?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** @default `<cwd>/.molimport/pgdata` */
  embeddedDir?: string;
}

export function resolveDatabaseTarget(o: TargetOptions): ResolvedTarget {
  const embeddedDir = path.resolve(o.cwd ?? process.cwd(), o.embeddedDir ?? '.molimport/pgdata');
  return resolveTarget({ url: o.database, env: o.env ?? process.env, embeddedDataDir: embeddedDir });
}

export async function openDatabase(
  o: TargetOptions & {
    schema?: string;
    maxConnections?: number;
    logger?: ImportLogger;
    signal?: AbortSignal | undefined;
  },
  resolved: ResolvedTarget = resolveDatabaseTarget(o),
): Promise<DatabaseOperations> {
  return DatabaseOperations.open({
    ...(resolved.kind === 'embedded'
      ? { embedded: { dataDir: resolved.dataDir } }
      : { connectionString: o.database, env: o.env ?? process.env }),
    schema: o.schema ?? 'public',
    maxConnections: o.maxConnections ?? 1,
    logger: o.logger,
    signal: o.signal,
  });
}
