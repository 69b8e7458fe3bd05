/**
 * The table lock across a server restart (issue 15, item 4), on a throwaway server: the restart
 * drops the lock with every connection; the run takes it again and finishes, every record once,
 * and a second run started meanwhile never writes while the first holds it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVISORY_LOCK_NAMESPACE } from '../../src/sink/schema.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/spawn-cli.js';
import { pgBinDir, startThrowawayPg, type ThrowawayPg } from '../helpers/throwaway-pg.js';
import { tilePubchem } from '../helpers/tile.js';

const N = 6_000;

describe.runIf(pgBinDir() !== undefined)('a server restart during an import', () => {
  let server: ThrowawayPg;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    server = await startThrowawayPg();
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-restart-'));
    file = tilePubchem(N, path.join(dir, 'pubchem.sdf'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function sql<R = Record<string, unknown>>(text: string): Promise<R[]> {
    const c = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 2_000 });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query(text)).rows as R[];
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  it('the lock is taken again and the run finishes, every record once, ledger without overlap', async () => {
    const args = [
      'pubchem',
      file,
      '--db',
      server.url,
      '--batch-size',
      '50',
      '--no-adaptive',
      '--workers',
      '2',
    ];
    const run = runCli([...args, '--json'], { cwd: dir });
    await waitFor(async () => {
      try {
        const [r] = await sql<{ n: string }>(
          'SELECT coalesce(sum(last_record - first_record + 1), 0) AS n FROM molimport_batches',
        );
        return Number(r?.n) >= 600;
      } catch {
        return false;
      }
    });
    await server.restart();
    // The run holds the lock again while it writes the rest (no lock at all without the fix).
    let ended = false;
    void run.then(() => (ended = true));
    let relocked = false;
    await waitFor(
      async () => {
        try {
          const [h] = await sql<{ n: string }>(
            `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
              AND l.classid = ${ADVISORY_LOCK_NAMESPACE}::bigint::oid`,
          );
          relocked = Number(h?.n) > 0;
        } catch {
          // the server is still starting
        }
        return relocked || ended;
      },
      60_000,
      20,
    );
    expect(relocked).toBe(true);
    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout)).toMatchObject({ read: N, inserted: N, duplicates: 0, rejected: 0 });
    const [c] = await sql<{ n: string }>('SELECT count(*) AS n FROM molecules');
    expect(Number(c?.n)).toBe(N);
    const [overlap] = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM molimport_batches a JOIN molimport_batches b
         ON a.run_id = b.run_id AND a.file_index = b.file_index AND a.ctid <> b.ctid
        AND a.first_record <= b.last_record AND b.first_record <= a.last_record`,
    );
    expect(Number(overlap?.n)).toBe(0);
  });
});
