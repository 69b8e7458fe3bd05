/**
 * Runs every program in examples/ as a user would (`tsx examples/X.ts`, importing 'molimport'
 * through the package's own `exports`, i.e. the built dist/), and checks what it prints, so the
 * examples and the README's library section never drift from the code.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const run = promisify(execFile);

const usePostgres = await realPostgresReachable();
console.error(
  `[examples] database examples use ${usePostgres ? `PostgreSQL at ${new URL(testDatabaseUrl()).host}` : 'the embedded PGlite (PostgreSQL not reachable)'}`,
);

const schemas: string[] = [];
afterAll(async () => {
  if (!usePostgres || schemas.length === 0) return;
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await client.end();
  }
});

interface ExampleRun {
  stdout: string;
  stderr: string;
  schema: string;
}

/**
 * Run one example with a minimal environment: `DATABASE_URL` set to the test database (and a fresh
 * `MOLIMPORT_SCHEMA`) for `backend: 'postgres'`, nothing for 'embedded' (the example then uses a
 * temporary PGlite directory). Rejects, with the output, when the exit code is not 0.
 */
async function runExample(file: string, backend: 'postgres' | 'embedded' | 'none'): Promise<ExampleRun> {
  const schema = randomSchemaName();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', MOLIMPORT_SCHEMA: schema };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  if (process.env.TMPDIR !== undefined) env.TMPDIR = process.env.TMPDIR;
  if (backend === 'postgres') {
    env.DATABASE_URL = testDatabaseUrl();
    schemas.push(schema);
  }
  try {
    const { stdout, stderr } = await run(process.execPath, [TSX, path.join('examples', file)], {
      cwd: ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, stderr, schema };
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string; code?: number };
    throw new Error(
      `examples/${file} exited with ${e.code}\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}`,
      {
        cause: err,
      },
    );
  }
}

/** The first capture of `re` in `text`, as a number; fails the test when absent. */
function num(text: string, re: RegExp): number {
  const m = re.exec(text);
  expect(m, `output should match ${re}:\n${text}`).not.toBeNull();
  return Number(m?.[1]);
}

async function sdfRecordCount(file: string): Promise<number> {
  const text = gunzipSync(await readFile(path.join(ROOT, file))).toString('utf8');
  return text.split(/\r?\n/).filter((line) => line === '$$$$').length;
}

async function countRows(schema: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."${table}"`);
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

const TESTED = [
  'basic-processor.ts',
  'manager-with-database.ts',
  'streaming-async.ts',
  'transaction-batch-insert.ts',
  'run-import.ts',
];
const dbBackend = usePostgres ? 'postgres' : 'embedded';

describe('examples/', { timeout: 180_000 }, () => {
  it('every example program is run by this file, and the README lists each', async () => {
    const programs = readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'));
    expect(programs.sort()).toEqual([...TESTED].sort());
    const readme = await readFile(path.join(ROOT, 'examples', 'README.md'), 'utf8');
    for (const p of programs) expect(readme).toContain(`examples/${p}`);
  });

  it('basic-processor.ts: 1,000 items, the one bad item isolated by bisection, stats printed', async () => {
    const { stdout } = await runExample('basic-processor.ts', 'none');
    expect(stdout).toContain('processed 1000 items: 999 ok, 1 failed');
    expect(stdout).toContain('failed item -1: negative measurement');
    expect(stdout).toContain('first result: sqrt(1) = 1');
    const batches = num(stdout, /batches (\d+),/);
    const min = num(stdout, /sizes (\d+)-\d+/);
    const max = num(stdout, /sizes \d+-(\d+)/);
    // 1,000 items in batches of 10 to 200: at least 5 batches, sizes within the configured range.
    expect(batches).toBeGreaterThanOrEqual(5);
    expect(min).toBeGreaterThanOrEqual(10);
    expect(max).toBeLessThanOrEqual(200);
    expect(stdout).toContain('error rate 0.001');
  });

  it('streaming-async.ts: 200,000 items, correct sum, read-ahead within the backpressure bound', async () => {
    const { stdout, stderr } = await runExample('streaming-async.ts', 'none');
    expect(stdout).toMatch(/streamed 200000 items in \d+ batches, 0 failed/);
    expect(stdout).toContain('sum 199800000 (correct)');
    const ahead = num(stdout, /read ahead of the consumer: (\d+)/);
    const bound = num(stdout, /\(bound (\d+)\)/);
    expect(bound).toBe(35_000);
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThanOrEqual(bound); // not 200,000: the producer was held back
    // Flat memory: the heap never held anything like the 200,000 items plus results at once.
    expect(num(stdout, /peak heap ([\d.]+) MiB/)).toBeLessThan(256);
    // Progress goes to stderr, results to stdout.
    expect(stderr).toMatch(/progress: \d+\/200000 items/);
    expect(stdout).not.toContain('progress:');
  });

  for (const backend of usePostgres ? (['postgres', 'embedded'] as const) : (['embedded'] as const)) {
    it(`manager-with-database.ts (${backend}): writes the 200 records of the ChEMBL sample`, async () => {
      const records = await sdfRecordCount('fixtures/samples/chembl_dump_head_200.sdf.gz');
      expect(records).toBe(200);
      const { stdout, schema } = await runExample('manager-with-database.ts', backend);
      expect(stdout).toContain(`database: ${backend}`);
      expect(stdout).toContain(`rows read: ${records}, rejected: 0`);
      expect(stdout).toContain(`inserted: ${records}, updated: 0, unchanged: 0`);
      expect(stdout).toContain(`rows in ${schema}.molecules: ${records}`);
      // initialBatchSize 50 over 200 records: several batches, one writeMolecules call each.
      const batches = num(stdout, /engine: (\d+) batches, 0 failed items/);
      expect(batches).toBeGreaterThanOrEqual(2);
      expect(num(stdout, /writeMolecules: (\d+) calls/)).toBe(batches);
      if (backend === 'postgres') expect(await countRows(schema, 'molecules')).toBe(records);
    });
  }

  it(`transaction-batch-insert.ts (${dbBackend}): commit, upsert counts, rollback on a unique violation`, async () => {
    const { stdout, schema } = await runExample('transaction-batch-insert.ts', dbBackend);
    expect(stdout).toContain('committed: inserted 2, ids 1, 2');
    expect(stdout).toContain('upsert: inserted 1, updated 1');
    expect(stdout).toContain('rolled back: MOLIMPORT_DATABASE (SQLSTATE 23505)');
    // 2 + 1 new; the rolled-back transaction's CHEMBL_NEW is not there.
    expect(stdout).toContain(`rows in ${schema}.assays: 3`);
    expect(stdout).toContain('batchInsert: 4 calls, 5 rows; transactions: 2');
    if (dbBackend === 'postgres') expect(await countRows(schema, 'assays')).toBe(3);
  });

  it(`run-import.ts (${dbBackend}): imports the 245 records of the PubChem sample`, async () => {
    const records = await sdfRecordCount('fixtures/samples/pubchem_compound_head_245.sdf.gz');
    expect(records).toBe(245);
    const { stdout, stderr, schema } = await runExample('run-import.ts', dbBackend);
    expect(stdout).toContain('status: completed (exit code 0)');
    expect(stdout).toContain(`read ${records}: inserted ${records}, updated 0, unchanged 0, rejected 0`);
    expect(stdout).toMatch(new RegExp(`\\d+ batches in \\d+ ms into ${schema}\\.molecules`));
    expect(stderr).toContain('connecting: done');
    if (dbBackend === 'postgres') expect(await countRows(schema, 'molecules')).toBe(records);
  });
});
