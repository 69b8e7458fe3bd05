/** The fleet's database: the import target itself, which must be a PostgreSQL server. */
import { UsageError } from '../errors.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from '../import/open-database.js';
import type { Logger } from '../logger.js';
import type { DatabaseOperations } from '../sink/index.js';

export interface FleetTarget extends TargetOptions {
  /** Schema of the bookkeeping tables (molimport_runs, the fleet's tables). @default 'public' */
  schema?: string;
  logger?: Logger;
}

export interface FleetConnection {
  db: DatabaseOperations;
  /** For pg-boss, which opens its own pool. */
  connectionString: string;
  display: string;
}

export async function connectFleet(o: FleetTarget): Promise<FleetConnection> {
  const resolved = resolveDatabaseTarget(o);
  if (resolved.kind === 'embedded' || (o.database === undefined && !(o.env ?? process.env).DATABASE_URL))
    throw new UsageError(
      'the fleet needs a PostgreSQL server that every worker reaches: give --db postgres://… (or DATABASE_URL)',
    );
  const connectionString = o.database ?? (o.env ?? process.env).DATABASE_URL!;
  const db = await openDatabase({ ...o, maxConnections: 2 }, resolved);
  return { db, connectionString, display: resolved.display };
}
