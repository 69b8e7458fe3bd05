/**
 * `--sync` and `molimport delete` end to end: release N, then release N+1 with three molecules
 * withdrawn and two changed; a release missing half its records refused by the guard; soft
 * deletes that come back; a killed and resumed sync run compared row by row with a clean one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { spawnCli, waitFor } from '../helpers/spawn-cli.js';
import * as faults from '../faults/helpers.js';

// The machine's PostgreSQL, through SQL only (these tests kill the importer, never the server).
const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> =>
  faults.sql<R>(testDatabaseUrl(), text, params);
const snapshot = (schema: string): Promise<string[]> => faults.snapshot(testDatabaseUrl(), schema);
const dropSchema = async (schema: string): Promise<void> => {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
};

const SAMPLE = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');
const RECORDS = gunzipSync(readFileSync(SAMPLE))
  .toString('utf8')
  .split('$$$$\n')
  .filter((r) => r.trim() !== '');

/** A release: real PubChem records tiled under the given CIDs; `changed` CIDs carry one more field. */
function release(file: string, cids: readonly number[], changed: ReadonlySet<number> = new Set()): string {
  const parts: string[] = [];
  // The record follows the CID, not the position: a withdrawn CID does not shift the others' data.
  cids.forEach((cid) => {
    let rec = RECORDS[(cid - 1) % RECORDS.length]!.replace(/(> <PUBCHEM_COMPOUND_CID>\n)\d+/, `$1${cid}`);
    if (changed.has(cid)) rec += '> <MIRROR_NOTE>\nrevised in release N+1\n\n';
    parts.push(rec, '$$$$\n');
  });
  writeFileSync(file, gzipSync(parts.join('')));
  return file;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const N = 200;
const WITHDRAWN = [7, 100, 151];
const CHANGED = new Set([20, 30]);

let t: CliTarget;
let dir: string;
let releaseN: string;
let releaseN1: string;
let half: string;
beforeAll(async () => {
  t = await cliTarget();
  dir = t.cwd;
  releaseN = release(path.join(dir, 'release-n.sdf.gz'), range(1, N));
  releaseN1 = release(
    path.join(dir, 'release-n1.sdf.gz'),
    range(1, N).filter((c) => !WITHDRAWN.includes(c)),
    CHANGED,
  );
  half = release(path.join(dir, 'release-half.sdf.gz'), range(1, N / 2));
});
afterAll(async () => {
  await t?.dispose();
});

const cli = (args: string[]) => runCli([...args, ...t.args, '--json'], { env: t.env, cwd: t.cwd });
const cids = async (table: string, where = 'true'): Promise<number[]> =>
  (
    await t.query<{ external_id: string }>(
      `SELECT external_id FROM "${t.schema}"."${table}" WHERE ${where} ORDER BY external_id::int`,
    )
  ).map((r) => Number(r.external_id));

describe('--sync', () => {
  it('release N, then N+1 with 3 withdrawn and 2 changed: deleted 3, updated 2; runs --json shows it', async () => {
    expect((await cli(['pubchem', releaseN, '--table', 'hard'])).code).toBe(0);
    const r = await cli(['pubchem', releaseN1, '--table', 'hard', '--sync']);
    expect(r.code, r.stderr).toBe(0);
    const stats = parseJsonStats(r.stdout);
    expect(stats).toMatchObject({ read: N - 3, inserted: 0, updated: 2, unchanged: N - 5, deleted: 3 });
    expect(stats.sync).toMatchObject({ mode: 'hard', rowsBefore: N, unseen: 3, deleted: 3, refused: false });
    expect(stats.sync!.sample).toEqual(WITHDRAWN.map(String).sort());
    expect(await cids('hard')).toEqual(range(1, N).filter((c) => !WITHDRAWN.includes(c)));

    const runs = await runCli(['runs', ...t.args, '--table', 'hard', '--json'], { env: t.env, cwd: t.cwd });
    const listed = JSON.parse(runs.stdout) as { runId: number; deleted: number | null }[];
    expect(listed.find((x) => x.runId === stats.runId)?.deleted).toBe(3);
    const table = await runCli(['runs', ...t.args, '--table', 'hard'], { env: t.env, cwd: t.cwd });
    const header = table.stdout.split('\n').find((l) => l.includes('deleted'))!;
    const line = table.stdout.split('\n').find((l) => new RegExp(`^\\W*${stats.runId}\\s`).test(l))!;
    const cells = (l: string) => l.split('│').map((c) => c.trim());
    expect(cells(line)[cells(header).indexOf('deleted')]).toBe('3');
  });

  it('--dry-run reports what would be deleted and deletes nothing', async () => {
    expect((await cli(['pubchem', releaseN, '--table', 'dry'])).code).toBe(0);
    const r = await cli(['pubchem', releaseN1, '--table', 'dry', '--sync', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const stats = parseJsonStats(r.stdout);
    expect(stats).toMatchObject({ deleted: 0, dryRun: true });
    expect(stats.sync).toMatchObject({ dryRun: true, rowsBefore: N, unseen: 3, deleted: 0 });
    expect(stats.sync!.sample).toEqual(WITHDRAWN.map(String).sort());
    expect(await cids('dry')).toEqual(range(1, N));
  });

  it('a release missing half its records is refused by the guard (exit 3, nothing deleted); resume with a higher fraction applies it', async () => {
    expect((await cli(['pubchem', releaseN, '--table', 'guard'])).code).toBe(0);
    const r = await cli(['pubchem', half, '--table', 'guard', '--sync']);
    expect(r.code).toBe(3);
    const stats = parseJsonStats(r.stdout);
    expect(stats).toMatchObject({ status: 'failed', errorCode: 'MOLIMPORT_DELETE_GUARD', deleted: 0 });
    expect(stats.sync).toMatchObject({ refused: true, rowsBefore: N, unseen: N / 2, deleted: 0 });
    expect(stats.error).toMatch(
      /sync refused: 100 of 200 pubchem rows .* more than --max-delete-fraction 0\.05; nothing was deleted/,
    );
    expect(await cids('guard')).toEqual(range(1, N));

    const again = await cli([
      'pubchem',
      half,
      '--table',
      'guard',
      '--sync',
      '--resume',
      '--max-delete-fraction',
      '0.6',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJsonStats(again.stdout)).toMatchObject({ resumed: true, skipped: N / 2, deleted: N / 2 });
    expect(await cids('guard')).toEqual(range(1, N / 2));
  });

  it('--sync soft stamps deleted_at, and a later run that sees the rows again brings them back', async () => {
    expect((await cli(['pubchem', releaseN, '--table', 'soft'])).code).toBe(0);
    const r = await cli(['pubchem', releaseN1, '--table', 'soft', '--sync', 'soft']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout).sync).toMatchObject({ mode: 'soft', deleted: 3, restored: 0 });
    expect(await cids('soft', 'deleted_at IS NOT NULL')).toEqual(WITHDRAWN);
    expect(await cids('soft')).toHaveLength(N);

    const back = await cli(['pubchem', releaseN, '--table', 'soft', '--sync', 'soft']);
    expect(back.code, back.stderr).toBe(0);
    expect(parseJsonStats(back.stdout).sync).toMatchObject({ deleted: 0, restored: 3 });
    expect(await cids('soft', 'deleted_at IS NOT NULL')).toEqual([]);
  });

  it('a run with a failed input never deletes', async () => {
    expect((await cli(['pubchem', releaseN, '--table', 'partial'])).code).toBe(0);
    const r = await cli([
      'pubchem',
      releaseN1,
      path.join(dir, 'missing.sdf.gz'),
      '--table',
      'partial',
      '--sync',
    ]);
    expect(r.code).toBe(1);
    expect(parseJsonStats(r.stdout)).toMatchObject({ deleted: 0, sync: null });
    expect(await cids('partial')).toEqual(range(1, N));
  });
});

describe('molimport delete', () => {
  it('deletes the listed IDs of the source (gzip list), counts not-found ones; --dry-run deletes nothing', async () => {
    expect((await cli(['pubchem', releaseN, '--table', 'killed'])).code).toBe(0);
    const list = path.join(dir, 'killed-cids.txt.gz');
    writeFileSync(list, gzipSync('# killed CIDs\n7\n100\n\n151\n999999\n888888\n'));
    const dry = await cli(['delete', 'pubchem', '--ids-file', list, '--table', 'killed', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      read: 5,
      deleted: 3,
      notFound: 2,
      runId: null,
    });
    expect(await cids('killed')).toHaveLength(N);

    const r = await cli(['delete', 'pubchem', '--ids-file', list, '--table', 'killed', '--batch-size', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'completed',
      read: 5,
      deleted: 3,
      notFound: 2,
      batches: 3,
    });
    expect(await cids('killed')).toEqual(range(1, N).filter((c) => !WITHDRAWN.includes(c)));
    // Other sources' rows with the same IDs are not touched: the source scopes the delete.
    const other = await cli(['delete', 'chembl', '--ids-file', list, '--table', 'killed']);
    expect(JSON.parse(other.stdout)).toMatchObject({ deleted: 0, notFound: 5 });
  });
});

const pgUp = await realPostgresReachable();

describe.runIf(pgUp)('killed and resumed (PostgreSQL; kills only our own child process)', () => {
  const BIG = 6_000;
  const withdrawn = [11, 2_500, 5_999];
  const changed = new Set([40, 4_000]);
  const url = testDatabaseUrl();
  const schemas: string[] = [];
  let work: string;
  let bigN: string;
  let bigN1: string;
  const db = (schema: string) => ['--db', url, '--schema', schema, '--create-schema'];
  // `delete` works on a table that exists: it takes no --create-schema.
  const dbOf = (schema: string) => ['--db', url, '--schema', schema];
  const SLOW = ['--batch-size', '100', '--min-batch-size', '50', '--max-batch-size', '200', '--workers', '2'];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'molimport-sync-'));
    bigN = release(path.join(work, 'big-n.sdf.gz'), range(1, BIG));
    bigN1 = release(
      path.join(work, 'big-n1.sdf.gz'),
      range(1, BIG).filter((c) => !withdrawn.includes(c)),
      changed,
    );
  });
  afterAll(async () => {
    for (const s of schemas) await dropSchema(s);
    await rm(work, { recursive: true, force: true });
  });

  const committed = async (schema: string, runId: number): Promise<number> => {
    try {
      const [row] = await sql<{ n: string }>(
        `SELECT coalesce(sum(last_record - first_record + 1), 0) AS n FROM "${schema}".molimport_batches WHERE run_id = $1`,
        [runId],
      );
      return Number(row?.n ?? 0);
    } catch {
      return 0;
    }
  };

  it('kill -9 during a --sync run, then --resume --sync: the same rows as a clean sync run', async () => {
    const clean = randomSchemaName();
    const killed = randomSchemaName();
    schemas.push(clean, killed);
    for (const s of [clean, killed]) {
      const r = await runCli(['pubchem', bigN, ...db(s), '--json'], { cwd: work });
      expect(r.code, r.stderr).toBe(0);
    }
    const ref = await runCli(['pubchem', bigN1, ...db(clean), '--sync', '--json'], { cwd: work });
    expect(ref.code, ref.stderr).toBe(0);
    expect(parseJsonStats(ref.stdout)).toMatchObject({ deleted: 3, updated: 2 });

    const run = spawnCli(['pubchem', bigN1, ...db(killed), ...SLOW, '--sync', '--json'], { cwd: work });
    // The sync run's id is the second run in the schema.
    await waitFor(async () => (await committed(killed, 2)) >= BIG * 0.3 || run.child.exitCode !== null);
    expect(run.child.exitCode, 'the run finished before it could be killed').toBeNull();
    run.child.kill('SIGKILL');
    await run.done;
    // A COMMIT sent just before the kill still lands: wait until the ledger stops moving.
    let before = -1;
    for (let now = await committed(killed, 2); now !== before; now = await committed(killed, 2)) {
      before = now;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(before).toBeLessThan(BIG - 3);
    expect((await sql(`SELECT count(*)::int AS n FROM "${killed}".molecules`))[0]).toEqual({ n: BIG });

    const resumed = await runCli(['pubchem', bigN1, ...db(killed), ...SLOW, '--sync', '--resume', '--json'], {
      cwd: work,
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    const stats = parseJsonStats(resumed.stdout);
    expect(stats).toMatchObject({ resumed: true, deleted: 3, runId: 2 });
    expect(stats.skipped).toBe(before);
    expect(await snapshot(killed)).toEqual(await snapshot(clean));
  });
  it('kill -9 during molimport delete, then --resume: each listed ID deleted exactly once', async () => {
    const schema = randomSchemaName();
    schemas.push(schema);
    const r = await runCli(['pubchem', bigN, ...db(schema), '--json'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    // Every other CID of the release, plus IDs that were never there.
    const listed = [...range(1, BIG).filter((c) => c % 2 === 0), ...range(BIG + 1, BIG + 500)];
    const list = path.join(work, 'killed.txt');
    writeFileSync(list, listed.join('\n') + '\n');
    const run = spawnCli(
      ['delete', 'pubchem', '--ids-file', list, ...dbOf(schema), '--batch-size', '5', '--json'],
      {
        cwd: work,
      },
    );
    await waitFor(async () => (await committed(schema, 2)) >= 600 || run.child.exitCode !== null);
    expect(run.child.exitCode, 'the delete finished before it could be killed').toBeNull();
    run.child.kill('SIGKILL');
    await run.done;
    let before = -1;
    for (let now = await committed(schema, 2); now !== before; now = await committed(schema, 2)) {
      before = now;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(before).toBeLessThan(listed.length);
    const resumed = await runCli(
      ['delete', 'pubchem', '--ids-file', list, ...dbOf(schema), '--resume', '--json'],
      {
        cwd: work,
      },
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const stats = JSON.parse(resumed.stdout) as {
      deleted: number;
      notFound: number;
      skipped: number;
      runId: number;
      resumed: boolean;
    };
    expect(stats).toMatchObject({ runId: 2, resumed: true, skipped: before });
    const deletedBefore = before <= BIG / 2 ? before : BIG / 2;
    expect(stats.deleted + deletedBefore).toBe(BIG / 2);
    expect(stats.notFound).toBe(500 - (before - deletedBefore));
    const left = await sql<{ external_id: string }>(
      `SELECT external_id FROM "${schema}".molecules ORDER BY external_id::int`,
    );
    expect(left.map((x) => Number(x.external_id))).toEqual(range(1, BIG).filter((c) => c % 2 === 1));
  });
});
