/**
 * Exactly-once resume: kill -9 (and SIGTERM) the importer at several points, resume, and compare
 * the table row by row with one clean import of the same file. Against a throwaway PostgreSQL of
 * its own (its session counts must not see other importers on a shared server).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';
import { spawnCli, waitFor } from '../helpers/spawn-cli.js';
import { startThrowawayPg, type ThrowawayPg } from '../helpers/throwaway-pg.js';
import { tilePubchem } from '../helpers/tile.js';
import * as faults from './helpers.js';

const initdb = prereqs.initdb('exactly-once resume after kill -9 / SIGTERM of the importer');

const N = 8_000;
// Small batches make many commit points to be killed between.
const SLOW = ['--batch-size', '100', '--min-batch-size', '50', '--max-batch-size', '200', '--workers', '2'];

describeWith(initdb)('kill -9 / SIGTERM, then --resume', () => {
  let dir: string;
  let file: string;
  let reference: string[];
  let server: ThrowawayPg | undefined;
  let url = '';
  const db = (schema: string) => ['--db', url, '--schema', schema, '--create-schema'];
  const sql = <R = Record<string, unknown>>(text: string) => faults.sql<R>(url, text);
  const committedRecords = (schema: string) => faults.committedRecords(url, schema);
  /** {@link faults.committedRecords} on an open session (0 before the ledger exists). */
  const committedOn = async (client: pg.Client, schema: string): Promise<number> => {
    try {
      const { rows } = await client.query<{ n: string }>(
        `SELECT coalesce(sum(last_record - first_record + 1), 0) AS n FROM "${schema}".molimport_batches`,
      );
      return Number(rows[0]?.n ?? 0);
    } catch {
      return 0;
    }
  };
  const snapshot = (schema: string) => faults.snapshot(url, schema);

  beforeAll(async () => {
    server = await startThrowawayPg();
    url = server.url;
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-faults-'));
    file = tilePubchem(N, path.join(dir, 'pubchem-8000.sdf.gz'));
    const ref = randomSchemaName();
    const r = await runCli(['pubchem', file, ...db(ref), '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout)).toMatchObject({ read: N, inserted: N });
    reference = await snapshot(ref);
    expect(reference).toHaveLength(N);
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function killAt(schema: string, fraction: number, signal: NodeJS.Signals, extra: string[] = []) {
    // Polled every 5 ms on one open session: a fresh connection per probe plus a 50 ms pause let a
    // fast import commit its last 15 % between the probe and the kill.
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    const run = spawnCli(['pubchem', file, ...db(schema), ...SLOW, '--json', ...extra], { cwd: dir });
    try {
      await waitFor(
        async () => (await committedOn(probe, schema)) >= fraction * N || run.child.exitCode !== null,
        60_000,
        5,
      );
    } finally {
      await probe.end();
    }
    expect(run.child.exitCode, 'the import finished before it could be interrupted').toBeNull();
    run.child.kill(signal);
    const ended = await run.done;
    await faults.importerSessionsGone(url);
    return ended;
  }

  for (const fraction of [0.05, 0.4, 0.85]) {
    it(`kill -9 after ${fraction * 100}% committed, resume: identical to a clean import`, async () => {
      const schema = randomSchemaName();
      const killed = await killAt(schema, fraction, 'SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      const before = await committedRecords(schema);
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(N);
      const [run] = await sql<{ status: string }>(`SELECT status FROM "${schema}".molimport_runs`);
      expect(run?.status).toBe('running'); // killed: nobody could mark it

      const r = await runCli(['pubchem', file, ...db(schema), '--resume', '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const s = parseJsonStats(r.stdout);
      expect(s).toMatchObject({ status: 'completed', resumed: true, read: N, rejected: 0 });
      expect(s.skipped).toBe(before);
      expect(s.inserted + s.skipped + s.unchanged + s.updated).toBe(N);
      expect(await snapshot(schema)).toEqual(reference);
    });
  }

  it('two kills in a row (one during the resume), then resume: still identical', async () => {
    const schema = randomSchemaName();
    await killAt(schema, 0.25, 'SIGKILL');
    const second = await killAt(schema, 0.6, 'SIGKILL', ['--resume']);
    expect(second.signal).toBe('SIGKILL');
    const r = await runCli(['pubchem', file, ...db(schema), '--resume', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout)).toMatchObject({ status: 'completed', read: N });
    expect(await snapshot(schema)).toEqual(reference);
  });

  it('SIGTERM stops cleanly (exit 130, run marked interrupted, stats printed); resume completes it', async () => {
    const schema = randomSchemaName();
    const stopped = await killAt(schema, 0.3, 'SIGTERM');
    expect(stopped.code).toBe(130);
    const s = parseJsonStats(stopped.stdout);
    expect(s).toMatchObject({ status: 'interrupted', exitCode: 130 });
    expect(s.read).toBe(s.inserted + s.updated + s.unchanged + s.duplicates + s.rejected + s.skipped);
    const [run] = await sql<{ status: string }>(`SELECT status FROM "${schema}".molimport_runs`);
    expect(run?.status).toBe('interrupted');
    // Everything the stats call inserted is committed, and nothing else.
    expect(await committedRecords(schema)).toBe(s.read);

    const r = await runCli(['pubchem', file, ...db(schema), '--resume', '--json'], { cwd: dir });
    const done = parseJsonStats(r.stdout);
    expect(done).toMatchObject({ status: 'completed', skipped: s.read, inserted: N - s.read });
    expect(await snapshot(schema)).toEqual(reference);
  });

  it('--resume=strict refuses to resume when the file changed since', async () => {
    const schema = randomSchemaName();
    const changed = path.join(dir, 'changing.sdf.gz');
    tilePubchem(N, changed);
    const run = spawnCli(['pubchem', changed, ...db(schema), ...SLOW, '--json'], { cwd: dir });
    await waitFor(async () => (await committedRecords(schema)) >= 0.1 * N);
    run.child.kill('SIGKILL');
    await run.done;
    tilePubchem(N + 10, changed);
    // Plain --resume reads a changed file again from the start (a new run); strict refuses.
    const r = await runCli(['pubchem', changed, ...db(schema), '--resume=strict', '--json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(parseJsonStats(r.stdout).error).toMatch(
      /cannot resume run \d+: .*changing\.sdf\.gz changed since \(size/,
    );
  });
});
