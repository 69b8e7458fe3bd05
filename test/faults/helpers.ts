/** Shared pieces of the fault-injection suite: a fresh client per query (survives restarts), table snapshots. */
import pg from 'pg';
import { testDatabaseUrl } from '../helpers/db.js';

export async function sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Records committed so far by the runs into `schema` (0 before the ledger exists). */
export async function committedRecords(schema: string): Promise<number> {
  try {
    const rows = await sql<{ n: string }>(
      `SELECT coalesce(sum(last_record - first_record + 1), 0) AS n FROM "${schema}".molimport_batches`,
    );
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0;
  }
}

/** Every molecule of a table, one line each, in ID order: equal snapshots mean identical tables. */
export async function snapshot(schema: string, table = 'molecules'): Promise<string[]> {
  const rows = await sql<{ line: string }>(
    `SELECT source || ' ' || external_id || ' ' ||
            md5(row(name, smiles, inchi, inchikey, formula, mol_weight, molfile, properties)::text) AS line
       FROM "${schema}"."${table}" ORDER BY source, external_id`,
  );
  return rows.map((r) => r.line);
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
}

/**
 * After killing an importer, wait until its server sessions are gone. A COMMIT it sent just before
 * dying still completes on the server, so counting committed records any earlier can come up short.
 */
export async function importerSessionsGone(timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'molimport%'`,
    );
    if (Number(row?.n ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`importer sessions still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
