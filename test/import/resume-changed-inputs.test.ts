/**
 * `--resume` when the inputs changed (issue 15, item 7): a new file matching the glob, or a
 * truncated download fetched again. What can be resumed is (unchanged files skip what the run
 * committed), what cannot is read from the start, and a warning says which; `--resume=strict`
 * refuses instead. The nightly recipe is no longer stuck.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { tilePubchem } from '../helpers/tile.js';

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the changed-inputs resume tests are NOT run');

const url = testDatabaseUrl();
const SMALL = ['--batch-size', '100', '--no-adaptive', '--workers', '1'];

describe.runIf(pgUp)('--resume after the inputs changed', () => {
  let dir: string;
  const schemas: string[] = [];
  const c = new pg.Client({ connectionString: url });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-changed-'));
    await c.connect();
  });
  afterAll(async () => {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await c.end();
    await rm(dir, { recursive: true, force: true });
  });
  const count = async (schema: string): Promise<number> =>
    (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".molecules`)).rows[0]!.n;

  it('a new file matching the glob: the old files resume, the new one is read, strict refuses', async () => {
    const schema = randomSchemaName();
    schemas.push(schema);
    const sub = path.join(dir, 'glob');
    mkdirSync(sub);
    tilePubchem(500, path.join(sub, 'a.sdf'), 1);
    tilePubchem(500, path.join(sub, 'b.sdf'), 1_001);
    const args = [
      'pubchem',
      path.join(sub, '*.sdf'),
      '--db',
      url,
      '--schema',
      schema,
      '--create-schema',
      ...SMALL,
      '--json',
    ];
    const stop = new AbortController();
    // Interrupted (as by SIGTERM) once a few batches are committed.
    const first = runCli(args, { signal: stop.signal });
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      const n = await c
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".molimport_batches`)
        .then((r) => r.rows[0]!.n)
        .catch(() => 0);
      if (n >= 3) break;
    }
    stop.abort();
    expect((await first).code).toBe(130);

    tilePubchem(500, path.join(sub, 'c.sdf'), 2_001);
    const strict = await runCli([
      'pubchem',
      path.join(sub, '*.sdf'),
      '--db',
      url,
      '--schema',
      schema,
      '--create-schema',
      '--resume=strict',
      '--json',
    ]);
    expect(strict.code).toBe(1);
    expect(parseJsonStats(strict.stdout).errorCode).toBe('MOLIMPORT_RESUME');

    const r = await runCli([...args, '--resume']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s.resumed).toBe(true);
    expect(s.skipped).toBeGreaterThanOrEqual(300);
    expect(s.read).toBe(1_500);
    expect(s.inserted).toBe(1_500 - s.skipped);
    expect(r.stderr).toMatch(/c\.sdf is new: read from the start/);
    expect(await count(schema)).toBe(1_500);
    // The earlier run is superseded: a further --resume finds nothing left to continue.
    const again = await runCli([...args, '--resume']);
    expect(parseJsonStats(again.stdout)).toMatchObject({ resumed: false, inserted: 0, unchanged: 1_500 });
  });

  it('a truncated gzip fetched again: the other file resumes, the refetched one is read from the start', async () => {
    const schema = randomSchemaName();
    schemas.push(schema);
    const a = tilePubchem(600, path.join(dir, 'first.sdf.gz'), 1);
    const whole = path.join(dir, 'whole.sdf.gz');
    tilePubchem(600, whole, 10_001);
    const b = path.join(dir, 'second.sdf.gz');
    const bytes = readFileSync(whole);
    writeFileSync(b, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const args = ['pubchem', a, b, '--db', url, '--schema', schema, '--create-schema', ...SMALL, '--json'];
    const first = await runCli(args);
    expect(first.code).toBe(1);
    expect(parseJsonStats(first.stdout).error).toMatch(/truncated gzip/);

    writeFileSync(b, bytes);
    const r = await runCli([...args, '--resume']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s.files[0]?.skipped).toBe(600);
    expect(s.files[1]).toMatchObject({ read: 600, skipped: 0 });
    expect(r.stderr).toMatch(/second\.sdf\.gz changed since \(size \d+ → \d+ bytes\): read from the start/);
    expect(await count(schema)).toBe(1_200);
  });
});
