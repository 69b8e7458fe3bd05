/**
 * The fleet end to end: `enqueue`, workers as real child processes, `fleet wait`, against a
 * throwaway PostgreSQL this file starts (never the machine's server). Every fault is compared, row
 * by row, with one clean single-run import of the same files. Plain processes on 127.0.0.1: no
 * network namespaces (see docs/scale-out.md).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, spawnCli, waitFor, type Spawned } from '../helpers/spawn-cli.js';
import { pgBinDir, startThrowawayPg, type ThrowawayPg } from '../helpers/throwaway-pg.js';
import { tilePubchem } from '../helpers/tile.js';

const missing = !existsSync(BIN.replace('bin/molimport.js', 'dist/cli/main.js'))
  ? 'dist/ is not built (npm run build)'
  : pgBinDir() === undefined
    ? 'PostgreSQL server binaries (initdb) are not installed'
    : undefined;
if (missing) console.warn(`[fleet] SKIPPED: ${missing}; the fleet tests did NOT run`);

const N = 3_000;
const SMALL = ['--batch-size', '100', '--min-batch-size', '50', '--max-batch-size', '200', '--workers', '2'];
const CHEMBL = path.resolve(import.meta.dirname, '../../fixtures/samples/chembl_dump_head_200.sdf.gz');
const PUBCHEM = path.resolve(import.meta.dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');

describe.skipIf(missing !== undefined)('fleet: enqueue, workers, faults', () => {
  let server: ThrowawayPg;
  let dir: string;
  let files: string[];
  const children: Spawned[] = [];

  async function sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: server.url, connectionTimeoutMillis: 3_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(text, params)).rows as R[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  async function snapshot(table: string): Promise<string[]> {
    const rows = await sql<{ line: string }>(
      `SELECT source || ' ' || external_id || ' ' ||
              md5(row(name, smiles, inchi, inchikey, formula, mol_weight, molfile, properties)::text) AS line
         FROM public."${table}" ORDER BY source, external_id`,
    );
    return rows.map((r) => r.line);
  }
  async function leases(set: string) {
    return sql<{ path: string; attempt: number; attempts: number; inserted: string; run_id: string | null }>(
      `SELECT path, attempt, attempts, inserted, run_id FROM molimport_fleet_leases WHERE set_name = $1 ORDER BY file_index`,
      [set],
    );
  }
  function cli(args: string[]): Spawned {
    const s = spawnCli(args, { cwd: dir });
    children.push(s);
    return s;
  }
  async function run(args: string[]) {
    return cli(args).done;
  }
  function worker(extra: string[]): Spawned {
    return cli([
      'worker',
      '--db',
      server.url,
      '--poll-ms',
      '200',
      '--maintenance-seconds',
      '1',
      '-q',
      ...extra,
    ]);
  }
  async function enqueue(source: string, set: string, table: string, inputs: string[], extra: string[] = []) {
    const r = await run([
      'enqueue',
      source,
      ...inputs,
      '--db',
      server.url,
      '--set',
      set,
      '--table',
      table,
      ...SMALL,
      ...extra,
    ]);
    expect(r.code, r.stderr).toBe(0);
  }
  async function waitSet(set: string) {
    const r = await run(['fleet', 'wait', '--db', server.url, '--set', set, '--json', '--poll-ms', '300']);
    return {
      code: r.code,
      status: JSON.parse(r.stdout) as Record<string, unknown> & { files: Record<string, unknown>[] },
    };
  }

  let reference: string[];
  /** The reference rows of input files `ks` (file k holds CIDs k*N+1 .. (k+1)*N). */
  const referenceOf = (...ks: number[]) =>
    reference.filter((line) => ks.includes(Math.floor((Number(line.split(' ')[1]) - 1) / N)));
  beforeAll(async () => {
    server = await startThrowawayPg();
    dir = mkdtempSync(path.join(tmpdir(), 'molimport-fleet-'));
    files = [0, 1, 2].map((k) => tilePubchem(N, path.join(dir, `pc-${k}.sdf.gz`), 1 + k * N));
    const r = await run(['pubchem', ...files, '--db', server.url, '--table', 'reference', '--json']);
    expect(r.code, r.stderr).toBe(0);
    reference = await snapshot('reference');
    expect(reference).toHaveLength(3 * N);
  });

  afterAll(async () => {
    for (const c of children)
      if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 of a worker mid-file: another takes the file over after the lease and continues from the ledger', async () => {
    await enqueue('pubchem', 'kill', 'kill_t', files, ['--lease-seconds', '3']);
    const a = worker(['--set', 'kill']);
    await waitFor(
      async () => (await leases('kill')).some((l) => Number(l.inserted) >= 600) || a.child.exitCode !== null,
    );
    expect(a.child.exitCode, 'the worker finished before it could be killed').toBeNull();
    a.child.kill('SIGKILL');
    await a.done;
    const b = worker(['--set', 'kill', '--drain', '--concurrency', '2']);
    const ended = await b.done;
    expect(ended.code, ended.stderr).toBe(0);
    const { code, status } = await waitSet('kill');
    expect(code).toBe(0);
    expect(status).toMatchObject({ status: 'completed', read: 3 * N, inserted: 3 * N, rejected: 0 });
    // The killed file was taken twice and continued its first attempt's run.
    const ls = await leases('kill');
    expect(ls.some((l) => l.attempts === 2)).toBe(true);
    expect(await snapshot('kill_t')).toEqual(reference);
  });

  it('SIGTERM: the worker lets its batches commit, hands the job back (no lease expiry) and exits 130', async () => {
    await enqueue('pubchem', 'term', 'term_t', [files[1]!], ['--lease-seconds', '600']);
    const a = worker(['--set', 'term']);
    await waitFor(
      async () => Number((await leases('term'))[0]?.inserted ?? 0) >= 300 || a.child.exitCode !== null,
    );
    expect(a.child.exitCode, 'the worker finished before it could be stopped').toBeNull();
    a.child.kill('SIGTERM');
    const aEnded = await a.done;
    expect(aEnded.code, aEnded.stderr).toBe(130);
    expect(aEnded.stderr).toMatch(/"handedBack":1/);
    const [handed] = await sql<{ state: string }>(
      `SELECT state FROM molimport_fleet_leases WHERE set_name = 'term'`,
    );
    expect(handed?.state).toBe('queued');
    // Taken again at once: the 600 s lease never expired.
    const b = worker(['--set', 'term', '--drain']);
    const bEnded = await b.done;
    expect(bEnded.code, bEnded.stderr).toBe(0);
    const { code, status } = await waitSet('term');
    expect(code).toBe(0);
    expect(status).toMatchObject({ read: N, inserted: N });
    expect((await leases('term'))[0]?.attempts).toBe(2);
    expect(await snapshot('term_t')).toEqual(referenceOf(1));
  });

  it('a zombie (SIGSTOP past the lease, taken over, SIGCONT) commits no further batch', async () => {
    await enqueue('pubchem', 'zombie', 'zombie_t', [files[0]!], ['--lease-seconds', '3']);
    const a = worker(['--set', 'zombie', '--drain', '--log-level', 'info']);
    await waitFor(
      async () => Number((await leases('zombie'))[0]?.inserted ?? 0) >= 300 || a.child.exitCode !== null,
    );
    expect(a.child.exitCode, 'the worker finished before it could be paused').toBeNull();
    a.child.kill('SIGSTOP');
    const b = worker(['--set', 'zombie', '--drain']);
    const bEnded = await b.done;
    expect(bEnded.code, bEnded.stderr).toBe(0);
    const [lease] = await leases('zombie');
    expect(lease?.attempt).toBeGreaterThan(0);
    const ledger = async () =>
      Number(
        (
          await sql<{ n: string }>('SELECT count(*) AS n FROM molimport_batches WHERE run_id = $1', [
            lease!.run_id,
          ])
        )[0]!.n,
      );
    const before = await ledger();
    a.child.kill('SIGCONT');
    const aEnded = await a.done;
    expect(aEnded.stderr).toMatch(/"msg":"lease lost/);
    expect(aEnded.stderr).toMatch(/"leaseLost":1/);
    expect(await ledger()).toBe(before);
    const { code, status } = await waitSet('zombie');
    expect(code, JSON.stringify(status.files)).toBe(0);
    expect(status).toMatchObject({ read: N, inserted: N });
    expect(await snapshot('zombie_t')).toEqual(referenceOf(0));
  });

  it('a job that expires while its only worker is slow, nobody taking it over, ends completed once (not failed, not imported again)', async () => {
    await enqueue('pubchem', 'slow', 'slow_t', [files[2]!], ['--lease-seconds', '1', '--retries', '0']);
    const a = worker(['--set', 'slow', '--drain', '--log-level', 'info']);
    await waitFor(
      async () => Number((await leases('slow'))[0]?.inserted ?? 0) >= 300 || a.child.exitCode !== null,
    );
    expect(a.child.exitCode, 'the worker finished before it could be paused').toBeNull();
    // Paused past the lease while pg-boss's maintenance (here the test's, as any other worker's
    // would) expires the job: with no retry left it is failed in the queue, though nobody took it.
    a.child.kill('SIGSTOP');
    const jobId = (
      await sql<{ job_id: string }>(`SELECT job_id FROM molimport_fleet_leases WHERE set_name = 'slow'`)
    )[0]!.job_id;
    const supervisor = new PgBoss({
      connectionString: server.url,
      maintenanceIntervalSeconds: 1,
      schedule: false,
    });
    supervisor.on('error', () => undefined);
    await supervisor.start();
    try {
      await waitFor(async () => {
        const [job] = await sql<{ state: string }>('SELECT state FROM pgboss.job WHERE id = $1', [jobId]);
        return job?.state === 'failed';
      });
    } finally {
      await supervisor.stop({ graceful: false, wait: true });
    }
    a.child.kill('SIGCONT');
    const aEnded = await a.done;
    expect(aEnded.code, aEnded.stderr).toBe(0);
    expect(aEnded.stderr).toMatch(/"msg":"the job expired in the queue before it ended/);
    expect(aEnded.stderr).toMatch(/"msg":"job already done by an earlier attempt/);
    const { code, status } = await waitSet('slow');
    expect(code, JSON.stringify(status.files)).toBe(0);
    expect(status).toMatchObject({ status: 'completed', read: N, inserted: N });
    // One import: the file was not read again by a second attempt.
    expect((await leases('slow'))[0]?.attempts).toBe(1);
    expect(await snapshot('slow_t')).toEqual(referenceOf(2));
  });

  it('two sets at once into different tables, one with a poisoned file (all rejects) that blocks nothing', async () => {
    await enqueue('pubchem', 'two-a', 'two_a', files.slice(1));
    // Under the chembl profile the PubChem sample has no ID: every record is a reject.
    await enqueue('chembl', 'two-b', 'two_b', [PUBCHEM, CHEMBL]);
    const w = [worker(['--drain']), worker(['--drain', '--concurrency', '2'])];
    for (const e of await Promise.all(w.map((x) => x.done))) expect(e.code, e.stderr).toBe(0);
    const a = await waitSet('two-a');
    expect(a.code).toBe(0);
    expect(a.status).toMatchObject({ read: 2 * N, inserted: 2 * N });
    expect(await snapshot('two_a')).toEqual(referenceOf(1, 2));
    const b = await waitSet('two-b');
    expect(b.code).toBe(0);
    expect(b.status).toMatchObject({ status: 'completed', read: 445, inserted: 200, rejected: 245 });
    const single = await run(['chembl', CHEMBL, '--db', server.url, '--table', 'chembl_ref', '--json']);
    expect(single.code, single.stderr).toBe(0);
    expect(await snapshot('two_b')).toEqual(await snapshot('chembl_ref'));
  });

  it('the database restarted mid-set: workers keep going and the result equals a clean import', async () => {
    await enqueue('pubchem', 'restart', 'restart_t', files, ['--lease-seconds', '5']);
    const w = [worker(['--set', 'restart', '--drain']), worker(['--set', 'restart', '--drain'])];
    await waitFor(async () => {
      const ls = await leases('restart').catch(() => []);
      return (
        ls.reduce((n, l) => n + Number(l.inserted), 0) >= 1_000 || w.every((x) => x.child.exitCode !== null)
      );
    });
    const reached = (await leases('restart')).reduce((n, l) => n + Number(l.inserted), 0);
    expect(reached, 'the set finished before the restart').toBeLessThan(3 * N);
    await server.restart();
    for (const e of await Promise.all(w.map((x) => x.done))) expect(e.code, e.stderr).toBe(0);
    const { code, status } = await waitSet('restart');
    expect(code).toBe(0);
    expect(status).toMatchObject({ status: 'completed', read: 3 * N, inserted: 3 * N });
    expect(await snapshot('restart_t')).toEqual(reference);
  });
});
