/**
 * A COMMIT whose reply is lost (issue 15, item 5): a proxy forwards the COMMIT, the server commits,
 * and the proxy cuts the connection before the reply. Retried as a new write, the batch came back
 * as "duplicate key" rejects of rows that are in the table (insert) or as false duplicates
 * (upsert); asked of the ledger first, it is counted once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { startCommitProxy } from '../helpers/commit-proxy.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { tilePubchem } from '../helpers/tile.js';

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the lost-COMMIT-reply tests are NOT run');

const url = testDatabaseUrl();
const N = 1_000;

async function sql<R = Record<string, unknown>>(text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as R[];
  } finally {
    await c.end();
  }
}

describe.runIf(pgUp)('the reply to a batch COMMIT is lost', () => {
  let dir: string;
  let file: string;
  const schemas: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-commit-'));
    file = tilePubchem(N, path.join(dir, 'pubchem.sdf'));
  });
  afterAll(async () => {
    for (const s of schemas) await sql(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  for (const mode of ['insert', 'upsert'] as const) {
    it(`--mode ${mode}: the batch is counted once, nothing rejected, the ledger has no overlap`, async () => {
      const schema = randomSchemaName();
      schemas.push(schema);
      const u = new URL(url);
      // COMMITs 1 and 2 are the schema's and the run row's; 3 and 5 are batches'.
      const proxy = await startCommitProxy({ host: u.hostname, port: Number(u.port || 5432) }, (n) =>
        n === 3 || n === 5 ? 'drop' : 'forward',
      );
      u.port = String(proxy.port);
      let r;
      try {
        r = await runCli(
          [
            'pubchem',
            file,
            '--db',
            u.toString(),
            '--schema',
            schema,
            '--create-schema',
            '--mode',
            mode,
            '--max-errors',
            '0',
            '--batch-size',
            '100',
            '--no-adaptive',
            '--workers',
            '2',
            '--json',
          ],
          { cwd: dir },
        );
      } finally {
        await proxy.close();
      }
      expect(proxy.dropped).toBe(2);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const s = parseJsonStats(r.stdout);
      expect(s).toMatchObject({ read: N, inserted: N, rejected: 0, duplicates: 0, updated: 0 });
      const [count] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".molecules`);
      expect(Number(count?.n)).toBe(N);
      const [ledger] = await sql<{ n: string; covered: string }>(
        `SELECT count(*) AS n, sum(last_record - first_record + 1) AS covered FROM "${schema}".molimport_batches`,
      );
      expect(Number(ledger?.covered)).toBe(N);
    });
  }
});
