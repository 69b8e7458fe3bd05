/**
 * molimport's sessions ask the server for TCP keepalive (src/sink/session-keepalive.ts), so a client
 * that vanishes without a FIN does not hold its table lock for the kernel's two hours. Read back
 * from the server's own view of each session (pg_settings), over TCP.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgDriver } from '../../src/sink/pg-driver.js';
import { SESSION_KEEPALIVE } from '../../src/sink/session-keepalive.js';
import type { SqlClient } from '../../src/sink/driver.js';
import { testDatabaseUrl } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';

const pgUp = await prereqs.postgres("the session keepalive tests (they read a real server's pg_settings)");
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

async function keepalive(client: SqlClient): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name`,
    [Object.keys(SESSION_KEEPALIVE)],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

describeWith(pgUp)('session keepalive', () => {
  let driver: PgDriver;
  beforeAll(() => {
    driver = new PgDriver({
      connectionString: testDatabaseUrl(),
      display: 'test',
      secrets: [],
      logger: silent,
    });
  });
  afterAll(async () => {
    await driver.close();
  });

  it("pooled connections and the lock session take molimport's values", async () => {
    const expected = { ...SESSION_KEEPALIVE };
    const pooled = await driver.checkout();
    try {
      expect(await keepalive(pooled)).toEqual(expected);
      // Set in the same round trip on connect (the staging table's session memory).
      expect((await pooled.query<{ temp_buffers: string }>('SHOW temp_buffers')).rows[0]?.temp_buffers).toBe(
        '64MB',
      );
    } finally {
      pooled.release();
    }
    const session = await driver.openSession();
    try {
      expect(await keepalive(session)).toEqual(expected);
    } finally {
      session.release();
    }
  });

  it('a shorter value from the connection string is kept; the others are still set', async () => {
    const url = new URL(testDatabaseUrl());
    url.searchParams.set('options', '-c tcp_keepalives_idle=5');
    const own = new PgDriver({
      connectionString: url.toString(),
      display: 'test',
      secrets: [],
      logger: silent,
    });
    try {
      const session = await own.openSession();
      try {
        expect(await keepalive(session)).toEqual({ ...SESSION_KEEPALIVE, tcp_keepalives_idle: '5' });
      } finally {
        session.release();
      }
    } finally {
      await own.close();
    }
  });
});
