/**
 * The command end to end on URL inputs served by a local node:http server with faults: the rows in
 * the table must be exactly the file's, however the download went, and a bad download must fail
 * the run (exit 1, named in the JSON), never complete it silently.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/http-fixture-server.js';
import { testDatabaseUrl } from '../helpers/db.js';
import { runImport } from '../../src/import/run-import.js';
import type { ImportEvent } from '../../src/import/events.js';

const FIX = path.resolve(__dirname, '../../fixtures');
const CHEMBL = readFileSync(path.join(FIX, 'samples/chembl_dump_head_200.sdf.gz'));
const PUBCHEM = readFileSync(path.join(FIX, 'samples/pubchem_compound_head_245.sdf.gz'));
const CHEMBL_IDS = [
  ...gunzipSync(CHEMBL)
    .toString('utf8')
    .matchAll(/^> +<chembl_id>\n(.*)$/gm),
].map((m) => m[1]!);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const FAST = ['--http-retries', '3', '--http-retry-delay-ms', '10'];

let t: CliTarget;
let server: FixtureServer;
beforeAll(async () => {
  t = await cliTarget();
  server = await startFixtureServer();
});
afterAll(async () => {
  await server?.close();
  await t?.dispose();
});
beforeEach(() => {
  server.files.clear();
  server.log.length = 0;
});

async function ids(table: string): Promise<string[]> {
  const rows = await t.query<{ external_id: string }>(
    `SELECT external_id FROM "${t.schema}"."${table}" ORDER BY source_record`,
  );
  return rows.map((r) => r.external_id);
}

const cli = (args: string[], stdin?: NodeJS.ReadableStream) =>
  runCli([...args, ...t.args, ...FAST, '--json'], { env: t.env, cwd: t.cwd, stdin });

describe('URL inputs', () => {
  it('a connection cut mid-body resumes with Range: rows exact, per-file URL, ETag and verified md5 in the stats', async () => {
    server.files.set('/chembl_35_head.sdf.gz', {
      body: CHEMBL,
      etag: '"r35"',
      lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT',
      md5: 'correct',
      cutAfter: { bytes: 30_000, times: 1 },
    });
    const url = server.url('/chembl_35_head.sdf.gz');
    const r = await cli(['chembl', url, '--table', 'cut']);
    expect(r.code, r.stderr).toBe(0);
    const stats = parseJsonStats(r.stdout);
    expect(stats).toMatchObject({ read: 200, inserted: 200, rejected: 0 });
    expect(stats.files[0]).toMatchObject({
      path: url,
      url,
      bytes: CHEMBL.length,
      etag: '"r35"',
      lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT',
      release: 'chembl_35',
      checksum: { algorithm: 'md5', actual: md5(CHEMBL), expected: md5(CHEMBL), verified: true },
    });
    expect(server.log.some((q) => q.method === 'GET' && q.range !== undefined)).toBe(true);
    expect(await ids('cut')).toEqual(CHEMBL_IDS);

    const runs = await runCli(['runs', ...t.args, '--json'], { env: t.env, cwd: t.cwd });
    const run = (JSON.parse(runs.stdout) as { runId: number; inputs: unknown[] }[]).find(
      (x) => x.runId === stats.runId,
    );
    expect(run?.inputs).toEqual([
      {
        path: url,
        url,
        bytes: CHEMBL.length,
        checksum: { algorithm: 'md5', actual: md5(CHEMBL), verified: true },
        etag: '"r35"',
        lastModified: 'Mon, 30 Nov 2026 10:00:00 GMT',
        release: 'chembl_35',
        unchangedSinceRun: null,
        downloadedTo: null,
      },
    ]);
  });

  it('a 500 then success, and a server without Range support cut twice: rows exact', async () => {
    server.files.set('/a.sdf.gz', { body: CHEMBL, failFirst: { status: 500, times: 1 } });
    const r1 = await cli(['chembl', server.url('/a.sdf.gz'), '--table', 'flaky']);
    expect(r1.code, r1.stderr).toBe(0);
    expect(await ids('flaky')).toEqual(CHEMBL_IDS);

    server.files.set('/b.sdf.gz', { body: CHEMBL, noRange: true, cutAfter: { bytes: 40_000, times: 2 } });
    const r2 = await cli(['chembl', server.url('/b.sdf.gz'), '--table', 'norange']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(parseJsonStats(r2.stdout)).toMatchObject({ read: 200, inserted: 200 });
    expect(await ids('norange')).toEqual(CHEMBL_IDS);
    expect(server.log.filter((q) => q.path === '/b.sdf.gz' && q.method === 'GET')).toHaveLength(3);
  });

  it('a wrong .md5 fails the file: exit 1, the mismatch named in the JSON', async () => {
    const wrong = 'ffffffffffffffffffffffffffffffff';
    server.files.set('/bad.sdf.gz', { body: CHEMBL, md5: `${wrong}  bad.sdf.gz\n` });
    const r = await cli(['chembl', server.url('/bad.sdf.gz'), '--table', 'badmd5']);
    expect(r.code).toBe(1);
    const stats = parseJsonStats(r.stdout);
    expect(stats.status).toBe('failed');
    expect(stats.error).toContain(`${server.url('/bad.sdf.gz')}: checksum mismatch`);
    expect(stats.files[0]!.checksum).toMatchObject({ expected: wrong, actual: md5(CHEMBL), verified: false });
  });

  it('a truncated gzip fails the run with exit 1, naming the URL', async () => {
    server.files.set('/trunc.sdf.gz', { body: CHEMBL.subarray(0, Math.floor(CHEMBL.length * 0.6)) });
    const r = await cli(['chembl', server.url('/trunc.sdf.gz'), '--table', 'trunc']);
    expect(r.code).toBe(1);
    const stats = parseJsonStats(r.stdout);
    expect(stats.error).toMatch(/trunc\.sdf\.gz: truncated gzip/);
    expect(stats.read).toBeLessThan(200);
  });

  it('--download-dir with a wrong .md5 imports nothing', async () => {
    server.files.set('/dl.sdf.gz', { body: CHEMBL, md5: 'ffffffffffffffffffffffffffffffff\n' });
    const dir = path.join(t.cwd, 'downloads');
    const r = await cli(['chembl', server.url('/dl.sdf.gz'), '--table', 'dlbad', '--download-dir', dir]);
    expect(r.code).toBe(1);
    const stats = parseJsonStats(r.stdout);
    expect(stats).toMatchObject({ read: 0, inserted: 0 });
    expect(stats.error).toMatch(/checksum mismatch/);
    expect(existsSync(path.join(dir, 'dl.sdf.gz'))).toBe(false);
  });

  it('--download-dir keeps a verified copy and imports it', async () => {
    server.files.set('/dl2.sdf.gz', { body: CHEMBL, md5: 'correct', cutAfter: { bytes: 20_000, times: 1 } });
    const dir = path.join(t.cwd, 'downloads');
    const r = await cli(['chembl', server.url('/dl2.sdf.gz'), '--table', 'dlok', '--download-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const stats = parseJsonStats(r.stdout);
    expect(stats.files[0]).toMatchObject({
      downloadedTo: path.join(dir, 'dl2.sdf.gz'),
      checksum: { verified: true },
    });
    expect(readFileSync(path.join(dir, 'dl2.sdf.gz')).equals(CHEMBL)).toBe(true);
    expect(await ids('dlok')).toEqual(CHEMBL_IDS);

    // The same bytes again (same .md5): skipped before downloading.
    server.log.length = 0;
    const again = await cli(['chembl', server.url('/dl2.sdf.gz'), '--table', 'dlok', '--download-dir', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJsonStats(again.stdout).files[0]).toMatchObject({ unchangedSinceRun: stats.runId, read: 0 });
    expect(server.log.filter((q) => q.path === '/dl2.sdf.gz' && q.method === 'GET')).toEqual([]);
  });

  it('--inputs-from a file and from stdin; a re-run on the same bytes skips, --force imports', async () => {
    server.files.set('/c.sdf.gz', { body: CHEMBL, md5: 'correct' });
    server.files.set('/p.sdf.gz', { body: PUBCHEM, md5: 'correct' });
    const list = path.join(t.cwd, 'inputs.txt');
    writeFileSync(list, `# tonight's files\n${server.url('/c.sdf.gz')}\n\n`);
    const r1 = await cli(['chembl', '--inputs-from', list, '--table', 'listed']);
    expect(r1.code, r1.stderr).toBe(0);
    expect(parseJsonStats(r1.stdout)).toMatchObject({ read: 200, inserted: 200 });

    const r2 = await cli(
      ['chembl', '--inputs-from', '-', '--table', 'listed'],
      Readable.from([`${server.url('/c.sdf.gz')}\n`]),
    );
    expect(r2.code, r2.stderr).toBe(0);
    const s2 = parseJsonStats(r2.stdout);
    expect(s2).toMatchObject({ read: 0, inserted: 0 });
    expect(s2.files[0]).toMatchObject({ unchangedSinceRun: parseJsonStats(r1.stdout).runId });
    expect(r2.stderr).toMatch(/unchanged since run \d+ .*skipped \(--force imports it again\)/);

    const r3 = await cli(['chembl', server.url('/c.sdf.gz'), '--table', 'listed', '--force']);
    expect(parseJsonStats(r3.stdout)).toMatchObject({ read: 200, unchanged: 200 });
  });

  it('progress events carry the Content-Length as totalBytes and the bytes read so far', async () => {
    server.files.set('/progress.sdf.gz', { body: CHEMBL });
    const events: ImportEvent[] = [];
    const stats = await runImport(
      {
        source: 'chembl',
        files: [server.url('/progress.sdf.gz')],
        ...(t.kind === 'postgres'
          ? { database: testDatabaseUrl() }
          : { embeddedDir: path.join(t.cwd, '.molimport', 'pgdata') }),
        schema: t.schema,
        table: 'progress',
        cwd: t.cwd,
        env: {},
        batchSize: 50,
        adaptive: false,
        parallel: false,
        httpRetryDelayMs: 10,
      },
      { onEvent: (e) => events.push(e) },
    );
    expect(stats.status, stats.error ?? '').toBe('completed');
    expect(events.find((e) => e.type === 'file-start')).toMatchObject({
      totalBytes: CHEMBL.length,
      compressed: true,
    });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p.totalBytes).toBe(CHEMBL.length);
      expect(p.bytesRead).toBeGreaterThan(0);
      expect(p.bytesRead).toBeLessThanOrEqual(CHEMBL.length);
    }
  });
});
