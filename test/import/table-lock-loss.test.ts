/**
 * The table lock when its connection drops, and a resume right after kill -9 (issue 15, item 4).
 * - The lock's backend is terminated mid-run: the run takes the lock again and finishes, every
 *   record once.
 * - Terminated and taken at once by another session: the run stops with MOLIMPORT_LOCK_LOST and
 *   commits no batch after the other session holds the lock.
 * - A --resume whose lock is held by the connection of the very run it resumes (a killed run's
 *   lingering backend) waits for it, saying so; held by anything else, it is refused at once.
 * Against the real PostgreSQL; only this test's own backends are terminated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVISORY_LOCK_NAMESPACE } from '../../src/sink/schema.js';
import { WRITER_LOCK_NAMESPACE } from '../../src/sink/lock-fence.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { spawnCli, waitFor } from '../helpers/spawn-cli.js';
import { tilePubchem } from '../helpers/tile.js';

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the table-lock-loss tests are NOT run');

const url = testDatabaseUrl();
const N = 6_000;
const SLOW = ['--batch-size', '50', '--no-adaptive', '--workers', '2'];

async function sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as R[];
  } finally {
    await c.end();
  }
}

async function committed(schema: string): Promise<number> {
  try {
    const [r] = await sql<{ n: string }>(
      `SELECT coalesce(sum(last_record - first_record + 1), 0) AS n FROM "${schema}".molimport_batches`,
    );
    return Number(r?.n ?? 0);
  } catch {
    return 0;
  }
}

/** The backend holding the table lock of `schema`.molecules. */
async function lockHolder(schema: string): Promise<{ pid: number; name: string } | undefined> {
  const [r] = await sql<{ pid: number; application_name: string }>(
    `SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = $1::bigint::oid
        AND l.objid = (hashtext($2)::bigint & 4294967295)::oid`,
    [ADVISORY_LOCK_NAMESPACE, `${schema}.molecules`],
  );
  return r === undefined ? undefined : { pid: Number(r.pid), name: r.application_name };
}

describe.runIf(pgUp)('the table lock', () => {
  let dir: string;
  let file: string;
  const schemas: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-lock-'));
    file = tilePubchem(N, path.join(dir, 'pubchem.sdf'));
  });
  afterAll(async () => {
    for (const s of schemas) await sql(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const newSchema = (): string => {
    const s = randomSchemaName();
    schemas.push(s);
    return s;
  };

  it('its backend terminated mid-run: taken again, the run finishes, every record once', async () => {
    const schema = newSchema();
    const run = runCli(
      ['pubchem', file, '--db', url, '--schema', schema, '--create-schema', ...SLOW, '--json'],
      { cwd: dir },
    );
    await waitFor(async () => (await committed(schema)) >= 600);
    const holder = await lockHolder(schema);
    expect(holder?.name).toMatch(/^molimport run \d+ /);
    await sql('SELECT pg_terminate_backend($1)', [holder!.pid]);
    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout)).toMatchObject({ read: N, inserted: N, duplicates: 0 });
    expect(await committed(schema)).toBe(N);
    const [c] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".molecules`);
    expect(Number(c?.n)).toBe(N);
  });

  it('terminated and taken by another session: the run stops (MOLIMPORT_LOCK_LOST) and writes nothing after', async () => {
    const schema = newSchema();
    const run = runCli(
      ['pubchem', file, '--db', url, '--schema', schema, '--create-schema', ...SLOW, '--json'],
      { cwd: dir },
    );
    await waitFor(async () => (await committed(schema)) >= 600);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const holder = await lockHolder(schema);
      await sql('SELECT pg_terminate_backend($1)', [holder!.pid]);
      // Another run: takes the table lock as soon as it is free, then waits out batches in flight.
      await waitFor(
        async () => {
          const [r] = (
            await other.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
              ADVISORY_LOCK_NAMESPACE,
              `${schema}.molecules`,
            ])
          ).rows;
          return r?.ok === true;
        },
        10_000,
        5,
      );
      await other.query('SELECT pg_advisory_lock($1, hashtext($2)), pg_advisory_unlock($1, hashtext($2))', [
        WRITER_LOCK_NAMESPACE,
        `${schema}.molecules`,
      ]);
      const atTakeover = await committed(schema);
      const r = await run;
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const s = parseJsonStats(r.stdout);
      expect(s.errorCode).toBe('MOLIMPORT_LOCK_LOST');
      expect(await committed(schema)).toBe(atTakeover);
      expect(atTakeover).toBeLessThan(N);
    } finally {
      await other.end();
    }
  });

  it('--resume waits for the lingering connection of the killed run it resumes, and only for that', async () => {
    const schema = newSchema();
    const args = ['pubchem', file, '--db', url, '--schema', schema, '--create-schema', ...SLOW, '--json'];
    const killed = spawnCli(args, { cwd: dir });
    await waitFor(async () => (await committed(schema)) >= 300);
    const name = (await lockHolder(schema))?.name;
    expect(name).toMatch(/^molimport run \d+ /);
    killed.child.kill('SIGKILL');
    await killed.done;
    await waitFor(async () => (await lockHolder(schema)) === undefined, 15_000);

    // Held by anything else than the run being resumed: refused at once.
    const stranger = new pg.Client({ connectionString: url, application_name: 'not molimport' });
    await stranger.connect();
    try {
      await stranger.query('SELECT pg_advisory_lock($1, hashtext($2))', [
        ADVISORY_LOCK_NAMESPACE,
        `${schema}.molecules`,
      ]);
      const r = await runCli([...args, '--resume'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(parseJsonStats(r.stdout).errorCode).toBe('MOLIMPORT_LOCKED');
    } finally {
      await stranger.end();
    }

    // Stand-in for the killed run's backend that has not noticed yet: same name, holding the lock.
    const lingering = new pg.Client({ connectionString: url, application_name: name });
    await lingering.connect();
    try {
      await lingering.query('SELECT pg_advisory_lock($1, hashtext($2))', [
        ADVISORY_LOCK_NAMESPACE,
        `${schema}.molecules`,
      ]);
      const resumed = runCli([...args, '--resume'], { cwd: dir });
      await new Promise((res) => setTimeout(res, 1_000));
      await lingering.end();
      const r = await resumed;
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toMatch(/waiting up to 30 s for the connections of run \d+ \(the run being resumed\)/);
      expect(parseJsonStats(r.stdout).resumed).toBe(true);
      const [c] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".molecules`);
      expect(Number(c?.n)).toBe(N);
    } finally {
      await lingering.end().catch(() => undefined);
    }
  });
});
