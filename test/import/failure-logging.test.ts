/**
 * Failed runs are visible in logs and history (issue 15, item 13): a failed import logs at error
 * level (so `--log-level error` shows it), and a resume records its own stats in molimport_runs
 * while keeping the earlier session's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { waitFor } from '../helpers/spawn-cli.js';
import { tilePubchem } from '../helpers/tile.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'molimport-faillog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--log-level error', () => {
  it('shows a run that failed on a truncated gzip', async () => {
    const whole = readFileSync(
      path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz'),
    );
    const file = path.join(dir, 'truncated.sdf.gz');
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = await runCli(['pubchem', file, '--dry-run', '--json', '--log-level', 'error']);
    expect(r.code).toBe(1);
    expect(parseJsonStats(r.stdout).errorCode).toBe('MOLIMPORT_INPUT');
    const lines = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.some((l) => l.level >= 50 && /import failed: .*truncated gzip/.test(l.msg))).toBe(true);
  });
});

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the run-history test is NOT run');

describe.runIf(pgUp)('a resumed run in molimport_runs', () => {
  it("records the resume's own stats and keeps the interrupted session's", async () => {
    const url = testDatabaseUrl();
    const schema = randomSchemaName();
    // Gzip: stopping must also end the gzip reader (it once waited forever for its inflater).
    const file = tilePubchem(3_000, path.join(dir, 'pubchem.sdf.gz'));
    const args = [
      'pubchem',
      file,
      '--db',
      url,
      '--schema',
      schema,
      '--create-schema',
      '--batch-size',
      '50',
      '--no-adaptive',
      '--json',
    ];
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const stop = new AbortController();
      const first = runCli(args, { signal: stop.signal });
      await waitFor(
        async () => {
          try {
            const { rows } = await c.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM "${schema}".molimport_batches`,
            );
            return rows[0]!.n >= 5;
          } catch {
            return false;
          }
        },
        60_000,
        5,
      );
      stop.abort();
      const f = parseJsonStats((await first).stdout);
      expect(f.status).toBe('interrupted');
      const r = await runCli([...args, '--resume'], {});
      const s = parseJsonStats(r.stdout);
      expect(s.resumed).toBe(true);
      const { rows } = await c.query<{ status: string; stats: Record<string, unknown> }>(
        `SELECT status, stats FROM "${schema}".molimport_runs WHERE id = $1`,
        [s.runId],
      );
      expect(rows[0]?.status).toBe('completed');
      expect(rows[0]?.stats.skipped).toBe(s.skipped);
      expect(rows[0]?.stats.inserted).toBe(s.inserted);
      expect(rows[0]?.stats.earlierSessions).toEqual([
        expect.objectContaining({ status: 'interrupted', read: f.read, inserted: f.inserted }),
      ]);
    } finally {
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
  });
});
