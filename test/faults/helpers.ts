/**
 * Shared pieces of the fault-injection suite: a fresh client per query (survives restarts), table
 * snapshots. Every function takes the server's URL: the suite runs against its own throwaway
 * servers (test/helpers/throwaway-pg.ts), never the machine's.
 */
import pg from 'pg';

export async function sql<R = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Records committed so far by the runs into `schema` (0 before the ledger exists or while the server is down). */
export async function committedRecords(url: string, schema: string): Promise<number> {
  try {
    const rows = await sql<{ n: string }>(
      url,
      `SELECT coalesce(sum(last_record - first_record + 1), 0) AS n FROM "${schema}".molimport_batches`,
    );
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0;
  }
}

/** Every molecule of a table, one line each, in ID order: equal snapshots mean identical tables. */
export async function snapshot(url: string, schema: string, table = 'molecules'): Promise<string[]> {
  const rows = await sql<{ line: string }>(
    url,
    `SELECT source || ' ' || external_id || ' ' ||
            md5(row(name, smiles, inchi, inchikey, formula, mol_weight, molfile, properties)::text) AS line
       FROM "${schema}"."${table}" ORDER BY source, external_id`,
  );
  return rows.map((r) => r.line);
}

/**
 * After killing an importer, wait until its server sessions are gone. A COMMIT it sent just before
 * dying still completes on the server, so counting committed records any earlier can come up short.
 */
export async function importerSessionsGone(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql<{ n: string }>(
      url,
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'molimport%'`,
    );
    if (Number(row?.n ?? 0) === 0) return;
    if (Date.now() > deadline) throw new Error(`importer sessions still open after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
