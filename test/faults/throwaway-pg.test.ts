/**
 * The throwaway PostgreSQL helper itself: it starts on its own port as an unprivileged user, survives
 * restart and kill -9 with committed data intact, and leaves no file or process behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgBinDir, startThrowawayPg, type ThrowawayPg } from '../helpers/throwaway-pg.js';

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Gone, or a zombie nobody reaped yet (PID 1 in a container may not reap). */
function running(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

function ownerUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

describe.runIf(pgBinDir() !== undefined)('throwaway PostgreSQL', () => {
  let server: ThrowawayPg | undefined;
  afterAll(async () => server?.stop());

  it('starts, restarts, survives kill -9 and removes everything on stop', async () => {
    server = await startThrowawayPg();
    expect(server.port).not.toBe(5432);
    const [row] = await query(server.url, `SELECT current_setting('data_directory') AS dir, version() AS v`);
    expect(row?.dir).toBe(server.dataDir);
    const pid = Number(readFileSync(`${server.dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    if (process.getuid?.() === 0) expect(ownerUid(pid)).not.toBe(0);

    await query(server.url, 'CREATE TABLE t (n int); INSERT INTO t VALUES (1)');
    await server.restart();
    await query(server.url, 'INSERT INTO t VALUES (2)');

    await server.kill();
    expect(running(pid)).toBe(false);
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow();
    await server.restart();
    const rows = await query(server.url, 'SELECT n FROM t ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([1, 2]);

    const dataDir = server.dataDir;
    await server.stop();
    expect(existsSync(dataDir)).toBe(false);
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow();
  });
});
