/**
 * The later record of an ID wins on a re-import too, when the later record changes nothing and its
 * batch commits before the batch holding the earlier record. A row lock held by this test on
 * another row of the earlier batch forces that commit order in a real parallel import.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runImport } from '../../src/index.js';
import { randomSchemaName, testDatabaseUrl } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';

const pgUp = await prereqs.postgres(
  'the parallel re-import commit-order test (it holds a row lock in a second session)',
);

describeWith(pgUp)('re-import: the later record wins whatever the commit order', () => {
  const schema = randomSchemaName();
  let dir = '';
  let admin: pg.Client;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-later-wins-'));
    admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  const csv = async (name: string, rows: [string, string][]): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, ['chembl_id,pref_name', ...rows.map(([id, n]) => `${id},${n}`)].join('\n') + '\n');
    return file;
  };
  const options = (file: string) => ({
    source: 'chembl' as const,
    files: [file],
    database: testDatabaseUrl(),
    schema,
    table: 'molecules',
    cwd: dir,
    createSchema: true,
    batchSize: 2,
    minBatchSize: 2,
    maxBatchSize: 2,
    adaptive: false,
    workers: 2,
  });

  it('an unchanged later record committed first is not overwritten by the earlier one', async () => {
    const first = await runImport(
      options(
        await csv('first.csv', [
          ['CHEMBL1', 'blocker'],
          ['CHEMBL5', 'V'],
          ['CHEMBL9', 'filler'],
        ]),
      ),
    );
    expect(first, JSON.stringify(first)).toMatchObject({ inserted: 3 });
    // Batch 1: CHEMBL1 changed (its row lock waits for ours), CHEMBL5's earlier record 'W'.
    // Batch 2: CHEMBL9 and CHEMBL5's later record 'V', both equal to what is stored.
    const second = await csv('second.csv', [
      ['CHEMBL1', 'blocker changed'],
      ['CHEMBL5', 'W'],
      ['CHEMBL9', 'filler'],
      ['CHEMBL5', 'V'],
    ]);
    await admin.query('BEGIN');
    await admin.query(`SELECT 1 FROM "${schema}".molecules WHERE external_id = 'CHEMBL1' FOR UPDATE`);
    const run = runImport(options(second));
    try {
      // Batch 2 commits while batch 1 waits for the lock: its ledger row appears first.
      const deadline = Date.now() + 60_000;
      let committed = 0;
      while (committed === 0 && Date.now() < deadline) {
        const { rows } = await admin.query<{ n: string }>(
          `SELECT count(*) AS n FROM "${schema}".molimport_batches
            WHERE run_id > $1`,
          [first.runId],
        );
        committed = Number(rows[0]?.n ?? 0);
        if (committed === 0) await new Promise((r) => setTimeout(r, 25));
      }
      expect(committed).toBe(1);
    } finally {
      await admin.query('COMMIT');
    }
    const stats = await run;
    expect(stats).toMatchObject({ read: 4, updated: 1, unchanged: 2, duplicates: 1, rejected: 0 });
    const { rows } = await admin.query<{ external_id: string; name: string }>(
      `SELECT external_id, name FROM "${schema}".molecules ORDER BY external_id`,
    );
    expect(rows).toEqual([
      { external_id: 'CHEMBL1', name: 'blocker changed' },
      { external_id: 'CHEMBL5', name: 'V' },
      { external_id: 'CHEMBL9', name: 'filler' },
    ]);
  });
});
