/** Opens the database a command targets: --db, DATABASE_URL, PG* variables, else the embedded one. */
import path from 'node:path';
import { DatabaseOperations, resolveTarget, type ResolvedTarget, type RetryNotice } from '../sink/index.js';
import { checkConnectionString } from '../sink/database-url.js';
import type { Logger } from '../logger.js';

export interface TargetOptions {
  /** A connection string; see `ImportOptions.database` for the fallbacks. */
  database?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** @default `<cwd>/.molimport/pgdata` */
  embeddedDir?: string;
}

/** Throws `ConfigurationError` (`MOLIMPORT_DB_URL`) when `database` or `DATABASE_URL` is not a usable URL. */
export function resolveDatabaseTarget(o: TargetOptions): ResolvedTarget {
  const env = o.env ?? process.env;
  if (o.database !== undefined) checkConnectionString(o.database, 'database');
  else if (env.DATABASE_URL?.trim()) checkConnectionString(env.DATABASE_URL, 'DATABASE_URL');
  const embeddedDir = path.resolve(o.cwd ?? process.cwd(), o.embeddedDir ?? '.molimport/pgdata');
  return resolveTarget({ url: o.database, env, embeddedDataDir: embeddedDir });
}

export async function openDatabase(
  o: TargetOptions & {
    schema?: string;
    maxConnections?: number;
    logger?: Logger;
    onRetry?: (info: RetryNotice) => void;
    signal?: AbortSignal | undefined;
  },
  resolved: ResolvedTarget = resolveDatabaseTarget(o),
): Promise<DatabaseOperations> {
  return DatabaseOperations.open({
    ...(resolved.kind === 'embedded'
      ? {
          embedded: {
            dataDir: resolved.dataDir,
            // MOLIMPORT_EMBEDDED_THREAD=0: PGlite in the main thread (to measure what its thread buys).
            ...((o.env ?? process.env).MOLIMPORT_EMBEDDED_THREAD === '0' ? { thread: false } : {}),
          },
        }
      : { connectionString: o.database, env: o.env ?? process.env }),
    schema: o.schema ?? 'public',
    maxConnections: o.maxConnections ?? 1,
    logger: o.logger,
    onRetry: o.onRetry,
    signal: o.signal,
  });
}
