/**
 * The embedded default: with no database named, the import goes to PGlite under ./.molimport/ and
 * says so; a re-run finds the same data; `molimport query` reaches it. Runs whether or not a
 * PostgreSQL server is up (it never needs one).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const SAMPLE = path.resolve(__dirname, '../../fixtures/samples/chembl_dump_head_200.sdf.gz');

// Each test imports into a directory of its own: they may run in any order.
const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'molimport-embedded-'));
  dirs.push(dir);
  console.error(`[test db] embedded default in ${dir}/.molimport`);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const env = { PATH: process.env.PATH };

describe('embedded default database', () => {
  it('imports into ./.molimport with no database configured, and says where', async () => {
    const cwd = await freshDir();
    const r = await runCli(['chembl', SAMPLE], { env, cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(cwd, '.molimport', 'pgdata'))).toBe(true);
    expect(r.stdout).toContain(`embedded:${path.join(cwd, '.molimport', 'pgdata')}`);
    expect(r.stdout).toMatch(/molimport query/);
    expect(r.stdout).toMatch(/status: completed/);
  });

  it('a re-run sees the same rows as unchanged, and query reaches them', async () => {
    const cwd = await freshDir();
    const first = await runCli(['chembl', SAMPLE, '--json'], { env, cwd });
    expect(parseJsonStats(first.stdout)).toMatchObject({ read: 200, inserted: 200 });
    const again = await runCli(['chembl', SAMPLE, '--json'], { env, cwd });
    expect(parseJsonStats(again.stdout)).toMatchObject({ read: 200, inserted: 0, unchanged: 200 });
    const q = await runCli(
      ['query', "select count(*)::int as n from molecules where source = 'chembl'", '--json'],
      { env, cwd },
    );
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual([{ n: 200 }]);
    const runs = await runCli(['runs', '--json'], { env, cwd });
    expect((JSON.parse(runs.stdout) as unknown[]).length).toBe(2);
  });

  it('writes one batch at a time: the embedded database is one connection, so a second would only wait', async () => {
    const cwd = await freshDir();
    // --workers 2 (the default, named here) and small batches: many batches, each could overlap.
    const r = await runCli(
      [
        'chembl',
        SAMPLE,
        '--json',
        '--workers',
        '2',
        '--no-adaptive',
        '--batch-size',
        '50',
        '--log-level',
        'debug',
      ],
      { env, cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout)).toMatchObject({ read: 200, inserted: 200, batches: 4 });
    // Each batch's interval, from its "batch done" log line: end (the line's time), start = end − duration.
    const batches = r.stderr
      .split('\n')
      .filter((line) => line.includes('"batch done"'))
      .map((line) => JSON.parse(line) as { time: number; durationMs: number })
      .map((b) => ({ start: b.time - b.durationMs, end: b.time }))
      .sort((a, b) => a.start - b.start);
    expect(batches).toHaveLength(4);
    // Log times are whole milliseconds: 2 ms of slack. Two batches in flight would overlap by a
    // whole batch (the second waits for the connection from its start).
    for (let i = 1; i < batches.length; i++)
      expect(batches[i]!.start, `batch ${i} starts before batch ${i - 1} ends`).toBeGreaterThanOrEqual(
        batches[i - 1]!.end - 2,
      );
  });
});
