/**
 * Passwords are redacted structurally: a password that also occurs as text in the run's JSON
 * (a number such as 2000, a word such as the database name) or one given as `?password=` must
 * neither corrupt `molimport_runs` nor stop the import, and must not be stored.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { DatabaseOperations } from '../../src/sink/index.js';

const PUBCHEM_SDF = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');
const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the password JSON tests are NOT run');

describe.runIf(pgUp)('a password that also occurs in the run JSON', () => {
  const schema = randomSchemaName();
  let db: DatabaseOperations;
  beforeAll(async () => {
    db = await DatabaseOperations.open({ connectionString: testDatabaseUrl(), maxConnections: 1 });
  });
  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.close();
  });

  // Trust authentication accepts any password: what matters is what molimport does with it.
  const cases: [string, (u: URL) => void, string][] = [
    ['a number in the stats (userinfo)', (u) => (u.password = '2000'), '2000'],
    ['the database name (userinfo)', (u) => (u.password = 'test'), 'test'],
    ['a quote and a backslash (userinfo)', (u) => (u.password = encodeURIComponent('p"a\\ss')), 'p"a\\ss'],
    ['a query parameter', (u) => u.searchParams.set('password', 'Qp-S3cret'), 'Qp-S3cret'],
    ['a number as a query parameter', (u) => u.searchParams.set('password', '245'), '245'],
  ];
  it.each(cases)('%s: the import runs and is recorded, without the password', async (_name, set, secret) => {
    const u = new URL(testDatabaseUrl());
    set(u);
    const table = `pw_${Math.random().toString(36).slice(2, 8)}`;
    const r = await runCli(
      [
        'pubchem',
        PUBCHEM_SDF,
        '--db',
        u.toString(),
        '--schema',
        schema,
        '--create-schema',
        '--table',
        table,
        '--json',
      ],
      { env: { PATH: process.env.PATH } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s.inserted).toBe(245);
    const rows = await db.query<{ status: string; stats: { inserted: number; database: string } }>(
      `SELECT status, stats FROM "${schema}".molimport_runs WHERE id = $1`,
      [s.runId],
    );
    expect(rows[0]?.status).toBe('completed');
    // Stored faithfully: the numbers and names that happen to equal the password are intact.
    expect(rows[0]?.stats.inserted).toBe(245);
    expect(rows[0]?.stats.database).toBe(s.database);
    const parsed = new URL(s.database);
    expect(parsed.pathname).toBe('/test');
    expect(decodeURIComponent(parsed.password)).not.toBe(secret);
    expect(parsed.searchParams.get('password') ?? '***').toBe('***');
  });
});
