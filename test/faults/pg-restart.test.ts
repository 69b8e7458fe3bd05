/**
 * The server goes away in the middle of an import — a restart (fast shutdown, then start) or a
 * crash (kill -9 of every server process, down for a second, then crash recovery): the importer
 * retries with backoff, reconnects, and completes; nothing is lost or duplicated. Each case runs
 * against a throwaway PostgreSQL of its own, never the machine's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';
import { spawnCli, waitFor } from '../helpers/spawn-cli.js';
import { startThrowawayPg, type ThrowawayPg } from '../helpers/throwaway-pg.js';
import { tilePubchem } from '../helpers/tile.js';
import { committedRecords, snapshot, sql } from './helpers.js';

const initdb = prereqs.initdb('an import surviving a PostgreSQL restart and crash');
const N = 8_000;

describeWith(initdb)('PostgreSQL restart or crash during an import', () => {
  let dir = '';
  let file = '';
  const servers: ThrowawayPg[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-restart-'));
    file = tilePubchem(N, path.join(dir, 'pubchem.sdf.gz'));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, (server: ThrowawayPg) => Promise<void>][] = [
    ['restart', (server) => server.restart()],
    [
      'crash (kill -9, down for a second)',
      async (server) => {
        await server.kill();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await server.restart();
      },
    ],
  ];

  for (const [name, disrupt] of cases) {
    it(`${name}: loses and duplicates nothing, and the import completes`, async () => {
      const server = await startThrowawayPg();
      servers.push(server);
      const url = server.url;
      const ref = randomSchemaName();
      const victim = randomSchemaName();
      const clean = await runCli(
        ['pubchem', file, '--db', url, '--schema', ref, '--create-schema', '--json'],
        { cwd: dir },
      );
      expect(clean.code, clean.stderr.slice(-2000)).toBe(0);

      const args = ['--batch-size', '100', '--max-batch-size', '200', '--json'];
      const run = spawnCli(['pubchem', file, '--db', url, '--schema', victim, '--create-schema', ...args], {
        cwd: dir,
      });
      await waitFor(async () => (await committedRecords(url, victim)) >= 0.2 * N);
      expect(run.child.exitCode, 'the import finished before the server went away').toBeNull();
      await disrupt(server);
      const done = await run.done;
      expect(done.code, done.stderr.slice(-2000)).toBe(0);
      // The outage was seen and survived by retrying, not by luck of timing.
      expect(done.stderr).toMatch(/transient database error; retrying/);
      const s = parseJsonStats(done.stdout);
      expect(s).toMatchObject({ status: 'completed', read: N, rejected: 0 });
      // A batch whose COMMIT reached the server but whose reply was lost is retried and reports its
      // rows as duplicates of this run; either way the table must hold each molecule once.
      expect(s.inserted + s.duplicates).toBe(N);
      expect(await snapshot(url, victim)).toEqual(await snapshot(url, ref));
      const counted = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM "${victim}".molecules`);
      expect(Number(counted[0]?.n)).toBe(N);
    });
  }
});
