/** What earlier runs loaded, per file: a re-run on the same bytes can say so and skip the file. */
import type { DatabaseOperations } from './database-operations.js';
import { qualifiedName, type TableTarget } from './identifiers.js';
import { RUNS_TABLE } from './schema.js';

/**
 * The latest completed run of `source` into `target` that read a file with this checksum to its
 * end (its stats record it per file), or undefined.
 */
export async function findRunWithChecksum(
  db: DatabaseOperations,
  query: { source: string; target: TableTarget; algorithm: string; hex: string },
): Promise<number | undefined> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM ${qualifiedName({ schema: db.schema, table: RUNS_TABLE })}
     WHERE status = 'completed' AND source = $1 AND target_table = $2 AND stats->'files' @> $3::text::jsonb
     ORDER BY id DESC LIMIT 1`,
    [
      query.source,
      `${query.target.schema}.${query.target.table}`,
      JSON.stringify([{ checksum: { algorithm: query.algorithm, actual: query.hex } }]),
    ],
  );
  return rows[0] === undefined ? undefined : Number(rows[0].id);
}
