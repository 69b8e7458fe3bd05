/**
 * Checks that a command's target already exists, so a typo fails loudly instead of creating
 * something new: a schema that is not there (an import would have created it and imported there),
 * and, for the read-only commands, an embedded database that is not there (`query` used to create
 * an empty one in the current directory and then say the table does not exist).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError, DatabaseError } from '../errors.js';
import type { DatabaseOperations, ResolvedTarget } from '../sink/index.js';
import { schemaExists } from '../sink/schema.js';

/** The schema that exists in every new database: taken as given, and created when missing as before. */
const DEFAULT_SCHEMA = 'public';

/**
 * Throws `ConfigurationError` (`MOLIMPORT_SCHEMA_MISSING`, exit 2) when `schema` does not exist in
 * `db`, unless it is `public`. `createHint` says how this command would create it, if it can.
 */
export async function assertSchemaExists(
  db: DatabaseOperations,
  schema: string,
  createHint: string,
): Promise<void> {
  if (schema === DEFAULT_SCHEMA) return;
  if (await schemaExists(db, schema)) return;
  throw new ConfigurationError(
    `schema "${schema}" does not exist in ${db.describe().target}; check the name, or ${createHint}`,
    { code: 'MOLIMPORT_SCHEMA_MISSING' },
  );
}

/**
 * Throws `DatabaseError` (`MOLIMPORT_NO_DATABASE`, exit 1) when the target is the embedded database
 * and its directory holds none (PostgreSQL's `PG_VERSION` marks a data directory); creates nothing.
 */
export function assertEmbeddedDatabaseExists(target: ResolvedTarget): void {
  if (target.kind !== 'embedded' || existsSync(path.join(target.dataDir, 'PG_VERSION'))) return;
  throw new DatabaseError(
    `no embedded database in ${target.dataDir}: nothing has been imported from this directory. ` +
      'Run the command in the directory the import ran in, or name a database with --db, DATABASE_URL or PGHOST/PGDATABASE',
    undefined,
    { code: 'MOLIMPORT_NO_DATABASE' },
  );
}
