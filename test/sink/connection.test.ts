import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/errors.js';
import { DatabaseOperations, isTransientDbError, type SinkLogger } from '../../src/sink/index.js';
import { testDatabaseUrl, useTestOperations } from '../helpers/db.js';
import { describeWith, itWith, prereqs } from '../helpers/prereq.js';
import { molecule } from './fixtures.js';

const SECRET = 'Sup3r-Secret_pw';
const postgres = await prereqs.postgres('connection tests against a real PostgreSQL server');

function capturingLogger(): { logger: SinkLogger; lines: string[] } {
  const lines: string[] = [];
  const log = (obj: Record<string, unknown>, msg: string): void =>
    void lines.push(JSON.stringify({ ...obj, msg }));
  return { logger: { debug: log, info: log, warn: log }, lines };
}

describe('connection failures never leak the password', () => {
  it('refused connection: DatabaseError, transient, redacted, after bounded retries', async () => {
    const { logger, lines } = capturingLogger();
    const err = await DatabaseOperations.open({
      connectionString: `postgres://alice:${SECRET}@127.0.0.1:1/chem`,
      retry: { maxRetries: 2, baseDelayMs: 5 },
      connectionTimeoutMs: 2_000,
      logger,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(isTransientDbError(err)).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('postgres://alice:***@127.0.0.1:1/chem');
    expect(message).toMatch(/ECONNREFUSED|connect/);
    expect(message).not.toContain(SECRET);
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(SECRET);
    expect(String((err as Error).stack)).not.toContain(SECRET);
  });

  it('keyword-form connection string: redacted too', async () => {
    const err = await DatabaseOperations.open({
      connectionString: `host=127.0.0.1 port=1 user=alice password=${SECRET} dbname=chem connect_timeout=2`,
      retry: { maxRetries: 0 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as Error).message).not.toContain(SECRET);
    expect((err as Error).message).toContain('password=***');
  });

  itWith(postgres)('server-side refusal (unknown database): fatal, SQLSTATE kept, redacted', async () => {
    const url = new URL(testDatabaseUrl());
    url.password = SECRET;
    url.pathname = '/molimport_no_such_db';
    const err = await DatabaseOperations.open({
      connectionString: url.toString(),
      retry: { maxRetries: 3, baseDelayMs: 5 },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).sqlState).toBe('3D000');
    expect(isTransientDbError(err)).toBe(false);
    expect((err as Error).message).toMatch(/does not exist/);
    expect((err as Error).message).not.toContain(SECRET);
  });
});

describeWith(postgres)('real PostgreSQL only', () => {
  const ctx = useTestOperations('postgres', { maxConnections: 4 });

  it('describes the target without password and bounds the pool', () => {
    expect(ctx.db.describe()).toMatchObject({ kind: 'postgres', maxConnections: 4 });
    expect(ctx.db.describe().target).not.toMatch(/:[^@/]*@.*:[^@/]*@/);
  });

  it('parallel batches of one run with overlapping IDs: the highest seq wins, every record counted once', async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'parallel' });
    const runId = await ctx.db.startRun({ source: 'chembl', target });
    const ids = 200;
    const batches = 8;
    // record r (global seq) carries ID (r % ids); every ID appears in several batches.
    const all = Array.from({ length: ids * 4 }, (_, r) => ({
      seq: r,
      row: molecule(`P${r % ids}`, { name: `seq ${r}` }, r),
    }));
    const shuffled = [...all].sort((a, b) => ((a.seq * 7919) % 1009) - ((b.seq * 7919) % 1009));
    const size = Math.ceil(shuffled.length / batches);
    const results = await Promise.all(
      Array.from({ length: batches }, (_, b) => {
        const slice = shuffled.slice(b * size, (b + 1) * size);
        return ctx.db.writeMolecules({
          target,
          rows: slice.map((s) => s.row),
          mode: 'upsert',
          runId,
          seqOf: (row) => row.origin.record,
        });
      }),
    );
    const totals = results.reduce(
      (acc, r) => ({
        inserted: acc.inserted + r.inserted,
        duplicates: acc.duplicates + r.duplicates,
        other: acc.other + r.updated + r.unchanged,
      }),
      { inserted: 0, duplicates: 0, other: 0 },
    );
    expect(totals).toEqual({ inserted: ids, duplicates: all.length - ids, other: 0 });
    const rows = await ctx.db.query<{ external_id: string; name: string }>(
      `SELECT external_id, name FROM "${ctx.schema}".parallel`,
    );
    expect(rows).toHaveLength(ids);
    for (const r of rows) {
      const id = Number(r.external_id.slice(1));
      expect(r.name).toBe(`seq ${id + ids * 3}`);
    }
  });

  it('ensureSchema on existing tables does not queue behind an open write transaction (a fleet worker lost mid-batch)', async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'held' });
    // What a batch holds until COMMIT; a worker whose machine vanished holds it until the server
    // notices (hours) or a takeover ends its session. Every file of a fleet starts with ensureSchema:
    // a lock it waited for would stall every worker (and, through ensureSchema's advisory lock, every
    // import into the database), with no worker left free to take the lost file over.
    const holder = new pg.Client({ connectionString: testDatabaseUrl() });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `LOCK TABLE "${ctx.schema}".held, "${ctx.schema}".molimport_batches IN ROW EXCLUSIVE MODE`,
      );
      const again = ctx.db.ensureSchema(target).then(() => 'done' as const);
      const outcome = await Promise.race([again, sleep(10_000).then(() => 'still waiting' as const)]);
      await holder.query('ROLLBACK');
      await again;
      expect(outcome).toBe('done');
    } finally {
      await holder.end();
    }
  });

  it('accepts a caller-owned pg.Pool and leaves it open', async () => {
    const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
    const db = await DatabaseOperations.open({ pool, schema: ctx.schema });
    expect(db.describe()).toMatchObject({ kind: 'postgres', maxConnections: 2 });
    expect(await db.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    await db.close();
    expect((await pool.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    await pool.end();
  });

  it("keeps writing after the server terminates the pool's connections", async () => {
    const target = await ctx.db.ensureSchema({ schema: ctx.schema, table: 'killed' });
    let killed = false;
    // Check out every client of the pool at once (maxConnections 4) to learn their backends: only
    // those are terminated, never another process's connections on the shared server.
    let arrived = 0;
    let release: () => void = () => undefined;
    const allOut = new Promise<void>((resolve) => (release = resolve));
    const pids = await Promise.all(
      Array.from({ length: 4 }, () =>
        ctx.db.transaction(async (tx) => {
          const [{ pid } = { pid: 0 }] = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
            .rows;
          if (++arrived === 4) release();
          await allOut;
          return pid;
        }),
      ),
    );
    const result = pids[0];
    expect(new Set(pids).size).toBe(4);
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    await admin.end();
    killed = true;
    const written = await ctx.db.writeMolecules({
      target,
      rows: [molecule('K1')],
      mode: 'upsert',
      runId: null,
    });
    expect([killed, typeof result, written.statuses]).toEqual([true, 'number', ['inserted']]);
  });
});
