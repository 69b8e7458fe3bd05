/**
 * A signal ends any wait at once (issue 15, item 10): waiting for the table lock (--wait-lock),
 * and the backoff between connection retries. No run row is left by a run stopped while waiting.
 */
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ADVISORY_LOCK_NAMESPACE } from '../../src/sink/schema.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { lockAttemptSeen, randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';

const PUBCHEM_SDF = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');

describe('connection retries', () => {
  it('SIGTERM during the backoff ends the run at once with exit 130', async () => {
    const stop = new AbortController();
    // Nothing listens on port 1: every attempt is refused and retried (6 times by default).
    const run = runCli(
      [
        'pubchem',
        PUBCHEM_SDF,
        '--db',
        'postgres://postgres@127.0.0.1:1/test',
        '--json',
        '--log-level',
        'warn',
      ],
      { signal: stop.signal },
    );
    setTimeout(() => stop.abort(), 300);
    const r = await run;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(parseJsonStats(r.stdout).errorCode).toBe('MOLIMPORT_INTERRUPTED');
    // Without the signal it would log all 6 retries before giving up.
    expect(r.stderr.match(/retrying/g)?.length ?? 0).toBeLessThan(6);
  });
});

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the lock-wait signal test is NOT run');

describe.runIf(pgUp)('--wait-lock', () => {
  const url = testDatabaseUrl();
  const schema = randomSchemaName();
  afterAll(async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  it('SIGTERM while waiting for the lock ends the wait at once and leaves no run row', async () => {
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [
        ADVISORY_LOCK_NAMESPACE,
        `${schema}.molecules`,
      ]);
      const [{ now: since } = { now: new Date(0) }] = (await holder.query<{ now: Date }>('SELECT now()'))
        .rows;
      const stop = new AbortController();
      const run = runCli(
        ['pubchem', PUBCHEM_SDF, '--db', url, '--schema', schema, '--create-schema', '--wait-lock', '--json'],
        {
          signal: stop.signal,
        },
      );
      let settled = false;
      void run.then(() => (settled = true));
      // The run has tried the lock we hold, so it is waiting for it: only now send the signal.
      expect(await lockAttemptSeen(holder, since)).not.toBeNull();
      expect(settled).toBe(false);
      stop.abort();
      // The lock is still held: only the signal can end the wait.
      for (let i = 0; i < 100 && !settled; i++) await new Promise((res) => setTimeout(res, 50));
      expect(settled).toBe(true);
      const r = await run;
      expect(r.code).toBe(130);
      const { rows } = await holder.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schema}".molimport_runs`,
      );
      expect(rows[0]?.n).toBe(0);
    } finally {
      await holder.end();
    }
  });
});
