/**
 * A PostgreSQL restart in the middle of an import: the importer retries with backoff, reconnects,
 * and completes; nothing is lost or duplicated. Needs the real server and permission to restart it
 * (CI and the dev machines run as root); runs alone, after the main suite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { spawnCli, waitFor } from '../helpers/spawn-cli.js';
import { tilePubchem } from '../helpers/tile.js';
import { committedRecords, dropSchema, snapshot, sql } from './helpers.js';

const cluster = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql')[0] : undefined;
const canRestart = (await realPostgresReachable()) && cluster !== undefined && process.getuid?.() === 0;
if (!canRestart)
  console.warn(
    '[faults] cannot restart PostgreSQL here (needs the local cluster and root): restart test NOT run',
  );

describe.runIf(canRestart)('PostgreSQL restart during an import', () => {
  const schemas: string[] = [];
  let dir = '';
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loses and duplicates nothing, and the import completes', async () => {
    const N = 8_000;
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-restart-'));
    const file = tilePubchem(N, path.join(dir, 'pubchem.sdf.gz'));
    const url = testDatabaseUrl();
    const ref = randomSchemaName();
    const victim = randomSchemaName();
    schemas.push(ref, victim);
    expect(
      (
        await runCli(['pubchem', file, '--db', url, '--schema', ref, '--create-schema', '--json'], {
          cwd: dir,
        })
      ).code,
    ).toBe(0);

    const run = spawnCli(
      [
        'pubchem',
        file,
        '--db',
        url,
        '--schema',
        victim,
        '--create-schema',
        '--batch-size',
        '100',
        '--max-batch-size',
        '200',
        '--json',
      ],
      { cwd: dir },
    );
    await waitFor(async () => (await committedRecords(victim)) >= 0.2 * N);
    expect(run.child.exitCode).toBeNull();
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster!, 'main', 'restart'], {
      stdio: 'pipe',
    });
    const done = await run.done;
    expect(done.code, done.stderr.slice(-2000)).toBe(0);
    // The restart was seen and survived by retrying, not by luck of timing.
    expect(done.stderr).toMatch(/transient database error; retrying/);
    const s = parseJsonStats(done.stdout);
    expect(s).toMatchObject({ status: 'completed', read: N, rejected: 0 });
    // A batch whose COMMIT reached the server but whose reply was lost is retried and reports its
    // rows as duplicates of this run; either way the table must hold each molecule once.
    expect(s.inserted + s.duplicates).toBe(N);
    expect(await snapshot(victim)).toEqual(await snapshot(ref));
    const counted = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${victim}".molecules`);
    expect(Number(counted[0]?.n)).toBe(N);
  });
});
