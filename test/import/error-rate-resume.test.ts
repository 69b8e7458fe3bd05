/**
 * `--max-error-rate` over a resumed run (issue 15, item 6): the records an earlier session
 * committed count in the denominator (as skipped), so their rejects count in the numerator too.
 * A run that a clean import stops with exit 3 must stop with exit 3 after SIGTERM + --resume.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pubchemWithBrokenRecords, type BrokenFile } from '../helpers/broken-records.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { waitFor } from '../helpers/spawn-cli.js';

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the error-rate resume test is NOT run');

const url = testDatabaseUrl();
// 5 % rejects against a limit of 3 %; interrupted after about half, before the rate is first checked.
const N = 1_500;
const LIMIT = ['--max-error-rate', '0.03', '--batch-size', '50', '--no-adaptive', '--workers', '1'];

async function sql<R = Record<string, unknown>>(text: string): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as R[];
  } finally {
    await c.end();
  }
}

describe.runIf(pgUp)('--max-error-rate and --resume', () => {
  let dir: string;
  let input: BrokenFile;
  const schemas: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-rate-'));
    input = pubchemWithBrokenRecords(N, 20, path.join(dir, 'five-percent.sdf'));
  });
  afterAll(async () => {
    for (const s of schemas) await sql(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('a clean run and an interrupted + resumed run both exit 3', async () => {
    const clean = randomSchemaName();
    const resumed = randomSchemaName();
    schemas.push(clean, resumed);
    const args = (schema: string) => [
      'pubchem',
      input.file,
      '--db',
      url,
      '--schema',
      schema,
      '--create-schema',
      ...LIMIT,
      '--json',
    ];

    const c = await runCli(args(clean), { cwd: dir });
    expect(c.code, c.stderr).toBe(3);

    const stop = new AbortController();
    // One open session: a new connection per probe took longer than the reader needs to reach
    // the record count asserted below.
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    const first = runCli(args(resumed), { cwd: dir, signal: stop.signal });
    try {
      await waitFor(
        async () => {
          try {
            const { rows } = await probe.query<{ n: string }>(
              `SELECT coalesce(sum(last_record - first_record + 1), 0) AS n FROM "${resumed}".molimport_batches`,
            );
            return Number(rows[0]?.n) >= 750;
          } catch {
            return false;
          }
        },
        60_000,
        5,
      );
    } finally {
      stop.abort();
      await probe.end();
    }
    const f = await first;
    expect(f.code, f.stdout).toBe(130);
    expect(parseJsonStats(f.stdout).read).toBeLessThan(1_000);

    const r = await runCli([...args(resumed), '--resume'], { cwd: dir });
    const s = parseJsonStats(r.stdout);
    expect(s.resumed).toBe(true);
    expect(s.skipped).toBeGreaterThanOrEqual(750);
    expect(r.code, r.stdout).toBe(3);
    expect(s.errorCode).toBe('MOLIMPORT_ERROR_LIMIT');
    expect(s.error).toMatch(/before --resume/);
  });
});
