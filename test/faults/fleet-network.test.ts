/**
 * The fleet across a network: every worker runs in a network namespace of its own (its own veth and
 * address, test/helpers/netns.ts) and reaches a throwaway PostgreSQL that listens only on a veth
 * address of the root namespace. Faults the plain-process tests (test/fleet/fleet.test.ts) cannot
 * make: a machine lost (link down, then kill -9: the server never hears the close), a link cut past
 * the lease and restored (a zombie that keeps running, not a paused one), the server stopped while
 * workers on other hosts hold connections. Each result is compared row by row with one clean
 * single-process import of the same files. FLEET_NET_DEBUG=1 streams every worker's log, prefixed
 * with its host, to stderr.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { pubchemWithBrokenRecords } from '../helpers/broken-records.js';
import { createNetLab, netnsPrerequisite, type NetHost, type NetLab } from '../helpers/netns.js';
import { describeWith, prereqs, prerequisite } from '../helpers/prereq.js';
import { BIN, spawnCli, waitFor, type Spawned } from '../helpers/spawn-cli.js';
import { startThrowawayPg, type ThrowawayPg } from '../helpers/throwaway-pg.js';
import { tilePubchem } from '../helpers/tile.js';
import { snapshot as tableSnapshot, sql as query } from './helpers.js';

const WHAT = 'fleet faults across network namespaces (kill -9, link cut, restart, poisoned file, two sets)';
// The first missing prerequisite only: one loud line, whatever else is missing too.
const built = prerequisite(
  WHAT,
  existsSync(path.join(path.dirname(BIN), '../dist/cli/main.js')) ? undefined : 'dist/ is not built',
  'npm run build',
);
const initdb = built.missing === undefined ? prereqs.initdb(WHAT) : built;
const needs = initdb.missing === undefined ? netnsPrerequisite(WHAT) : initdb;

const N = 3_000;
const SMALL = ['--batch-size', '100', '--min-batch-size', '50', '--max-batch-size', '200', '--workers', '2'];

interface LeaseRow {
  job_id: string;
  path: string;
  attempt: number;
  attempts: number;
  state: string;
  worker_pid: number | null;
  inserted: string;
  rejected: string;
  exit_code: number | null;
  run_id: string | null;
}

describeWith(needs)('fleet across network namespaces', () => {
  let lab: NetLab;
  let server: ThrowawayPg;
  let dir: string;
  let files: string[];
  let reference: string[];
  const children: Spawned[] = [];

  const sql = <R = Record<string, unknown>>(text: string, params: unknown[] = []) =>
    query<R>(server.url, text, params);
  const snapshot = (table: string) => tableSnapshot(server.url, 'public', table);
  const leases = (set: string) =>
    sql<LeaseRow>(`SELECT * FROM molimport_fleet_leases WHERE set_name = $1 ORDER BY file_index`, [set]);
  const inserted = async (set: string) =>
    (await leases(set).catch(() => [])).reduce((n, l) => n + Number(l.inserted), 0);
  /** The reference rows of input files `ks` (file k holds CIDs k*N+1 .. (k+1)*N). */
  const referenceOf = (...ks: number[]) =>
    reference.filter((line) => ks.includes(Math.floor((Number(line.split(' ')[1]) - 1) / N)));
  /** Server sessions of one attempt of a job (the worker names them `mfleet:<job>:<attempt>`). */
  const sessionsOf = async (jobId: string, attempt: number) =>
    Number(
      (
        await sql<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [
          `mfleet:${jobId}:${attempt}`,
        ])
      )[0]!.n,
    );

  function cli(args: string[], host?: NetHost): Spawned {
    const s = spawnCli(args, { cwd: dir, wrap: host?.run });
    if (process.env.FLEET_NET_DEBUG)
      s.child.stderr!.on('data', (c: Buffer) =>
        process.stderr.write(`[${host?.netns ?? 'root'} ${s.child.pid}] ${c.toString()}`),
      );
    children.push(s);
    return s;
  }
  const alive = (s: Spawned) => s.child.exitCode === null && s.child.signalCode === null;
  /** A worker on `host`: it reaches the server through that host's veth only. */
  const worker = (host: NetHost, extra: string[]) =>
    cli(
      [
        'worker',
        '--db',
        server.url,
        '--poll-ms',
        '200',
        '--maintenance-seconds',
        '1',
        '-q',
        '--log-level',
        'info',
        ...extra,
      ],
      host,
    );
  async function enqueue(set: string, table: string, inputs: string[], extra: string[] = []) {
    const r = await cli([
      'enqueue',
      'pubchem',
      ...inputs,
      '--db',
      server.url,
      '--set',
      set,
      '--table',
      table,
      ...SMALL,
      ...extra,
    ]).done;
    expect(r.code, r.stderr).toBe(0);
  }
  async function waitSet(set: string) {
    const r = await cli(['fleet', 'wait', '--db', server.url, '--set', set, '--json', '--poll-ms', '300'])
      .done;
    return {
      code: r.code,
      status: JSON.parse(r.stdout) as Record<string, unknown> & { files: Record<string, unknown>[] },
    };
  }
  async function ended(s: Spawned, label: string) {
    const e = await s.done;
    expect(e.code, `${label}: ${e.stderr.slice(-3000)}`).toBe(0);
    return e;
  }

  beforeAll(async () => {
    lab = createNetLab(3);
    server = await startThrowawayPg({ host: lab.serverAddress, trustClients: lab.subnet });
    dir = mkdtempSync(path.join(tmpdir(), 'molimport-fleet-net-'));
    files = [0, 1, 2].map((k) => tilePubchem(N, path.join(dir, `pc-${k}.sdf.gz`), 1 + k * N));
    const r = await cli(['pubchem', ...files, '--db', server.url, '--table', 'reference', '--json']).done;
    expect(r.code, r.stderr).toBe(0);
    reference = await snapshot('reference');
    expect(reference).toHaveLength(3 * N);
  });

  // A failed test must not leave a worker running or a link down for the next one.
  afterEach(async () => {
    for (const c of children) if (alive(c)) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.done));
    for (const h of lab.hosts) h.restore();
  });

  afterAll(async () => {
    for (const c of children) if (alive(c)) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.done));
    await server?.stop();
    lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a host lost mid-file (link down inside it, then kill -9): its orphaned sessions are ended and another host finishes the file', async () => {
    await enqueue('lost', 'lost_t', files, ['--lease-seconds', '3']);
    const ws = lab.hosts.map((h) => worker(h, ['--set', 'lost', '--drain']));
    const victim = ws[0]!;
    const held = async () =>
      (await leases('lost')).find((l) => l.worker_pid === victim.child.pid && l.state === 'running');
    await waitFor(
      async () => Number((await held())?.inserted ?? 0) >= 600 || !alive(victim) || !ws.some(alive),
    );
    const file = await held();
    expect(file, 'the first host never held a file mid-way').toBeDefined();
    // Link first, then the process: no FIN or RST reaches the server, as when a machine vanishes.
    lab.hosts[0]!.cut('inside');
    victim.child.kill('SIGKILL');
    await victim.done;
    // The server still holds the dead attempt's sessions (one may be inside an uncommitted batch).
    expect(await sessionsOf(file!.job_id, file!.attempt)).toBeGreaterThan(0);
    await ended(ws[1]!, 'host 2');
    await ended(ws[2]!, 'host 3');
    const { code, status } = await waitSet('lost');
    expect(code, JSON.stringify(status.files)).toBe(0);
    expect(status).toMatchObject({ status: 'completed', read: 3 * N, inserted: 3 * N, rejected: 0 });
    const after = (await leases('lost')).find((l) => l.job_id === file!.job_id)!;
    // Taken over at least once (more when a survivor, slow under load, outlived its own short lease).
    expect(after.attempts).toBeGreaterThanOrEqual(2);
    expect([ws[1]!.child.pid, ws[2]!.child.pid]).toContain(after.worker_pid);
    // The takeover ended the orphaned sessions (they would otherwise wait for TCP keepalive, hours).
    expect(await sessionsOf(file!.job_id, file!.attempt)).toBe(0);
    expect(await snapshot('lost_t')).toEqual(reference);
    lab.hosts[0]!.restore();
  });

  it('a link cut past the lease and restored: the zombie commits no further batch, says so, and another host finished the file', async () => {
    await enqueue('cut', 'cut_t', [files[0]!], ['--lease-seconds', '3']);
    const [h1, h2] = lab.hosts;
    const zombie = worker(h1!, ['--set', 'cut', '--drain']);
    await waitFor(async () => Number((await leases('cut'))[0]?.inserted ?? 0) >= 300 || !alive(zombie));
    expect(alive(zombie), 'the worker finished before its link could be cut').toBe(true);
    h1!.cut('outside');
    const cutAt = Date.now();
    const taker = worker(h2!, ['--set', 'cut', '--drain']);
    await ended(taker, 'the host that took over');
    const [lease] = await leases('cut');
    expect(lease).toMatchObject({ state: 'completed', attempts: 2, worker_pid: taker.child.pid });
    expect(Number(lease!.inserted)).toBe(N);
    // Down longer than the lease, whatever the takeover took.
    await sleep(Math.max(0, cutAt + 4_000 - Date.now()));
    // Cut off, the zombie cannot know: it still runs, with its batch in flight.
    expect(alive(zombie)).toBe(true);
    const ledger = async () =>
      Number(
        (
          await sql<{ n: string }>('SELECT count(*) AS n FROM molimport_batches WHERE run_id = $1', [
            lease!.run_id,
          ])
        )[0]!.n,
      );
    const before = await ledger();
    h1!.restore();
    const z = await zombie.done;
    expect(z.stderr).toMatch(/"msg":"lease lost: another worker took this job over/);
    expect(z.stderr).toMatch(/"leaseLost":1/);
    expect(await ledger()).toBe(before);
    expect(Number((await leases('cut'))[0]!.inserted)).toBe(N);
    const { code, status } = await waitSet('cut');
    expect(code, JSON.stringify(status.files)).toBe(0);
    expect(status).toMatchObject({ read: N, inserted: N });
    expect(await snapshot('cut_t')).toEqual(referenceOf(0));
  });

  it('the database stopped and started mid-set: workers on every host keep going, the result equals a clean import', async () => {
    await enqueue('restart', 'restart_t', files, ['--lease-seconds', '20']);
    const ws = lab.hosts.map((h) => worker(h, ['--set', 'restart', '--drain']));
    await waitFor(async () => (await inserted('restart')) >= 1_000 || !ws.some(alive));
    expect(await inserted('restart'), 'the set finished before the stop').toBeLessThan(3 * N);
    await server.shutdown();
    await sleep(2_000);
    expect(ws.every(alive), 'a worker gave up while the server was down').toBe(true);
    await server.restart();
    for (const [i, w] of ws.entries()) await ended(w, `host ${i + 1}`);
    const { code, status } = await waitSet('restart');
    expect(code, JSON.stringify(status.files)).toBe(0);
    expect(status).toMatchObject({ status: 'completed', read: 3 * N, inserted: 3 * N });
    expect(await snapshot('restart_t')).toEqual(reference);
  });

  it('a poisoned file (all rejects) hits its error limit without blocking the other files: fleet wait exits 3', async () => {
    // Every record lacks `M  END`: a parse reject, and --max-errors stops the file (exit 3).
    const poison = pubchemWithBrokenRecords(400, 1, path.join(dir, 'poison.sdf.gz')).file;
    await enqueue('poison', 'poison_t', [poison, files[1]!, files[2]!], ['--max-errors', '20']);
    const ws = lab.hosts.slice(0, 2).map((h) => worker(h, ['--set', 'poison', '--drain']));
    for (const [i, w] of ws.entries()) await ended(w, `host ${i + 1}`);
    const { code, status } = await waitSet('poison');
    expect(code, JSON.stringify(status.files)).toBe(3);
    expect(status).toMatchObject({ status: 'failed', exitCode: 3, inserted: 2 * N });
    const [p, ...good] = await leases('poison');
    // Stopped by its error limit once, not retried (retrying would reject the same records).
    expect(p).toMatchObject({ state: 'failed', exit_code: 3, attempts: 1, inserted: '0' });
    expect(Number(p!.rejected)).toBeGreaterThan(20);
    for (const g of good) expect(g).toMatchObject({ state: 'completed', exit_code: 0, attempts: 1 });
    expect(await snapshot('poison_t')).toEqual(referenceOf(1, 2));
    // The rejects went to a file of the job's own run, in the worker's directory.
    expect(readdirSync(dir).some((f) => f.startsWith('molimport-rejects-'))).toBe(true);
  });

  it('two sets at once into different tables, sharing one file: neither set sees the other', async () => {
    await enqueue('two-a', 'two_a', [files[0]!, files[1]!]);
    await enqueue('two-b', 'two_b', [files[1]!, files[2]!], ['--lease-seconds', '60']);
    // No --set: each worker serves every set with work left.
    const ws = lab.hosts.map((h) => worker(h, ['--drain']));
    for (const [i, w] of ws.entries()) await ended(w, `host ${i + 1}`);
    for (const [set, table, ks] of [
      ['two-a', 'two_a', [0, 1]],
      ['two-b', 'two_b', [1, 2]],
    ] as const) {
      const { code, status } = await waitSet(set);
      expect(code, JSON.stringify(status.files)).toBe(0);
      expect(status).toMatchObject({ status: 'completed', read: 2 * N, inserted: 2 * N });
      expect(await snapshot(table)).toEqual(referenceOf(...ks));
    }
    // Each file of each set imported once, under a run of its own (the shared file twice: once per table).
    const runs = await sql<{ n: string }>(
      `SELECT count(DISTINCT run_id) AS n FROM molimport_fleet_leases WHERE set_name IN ('two-a', 'two-b')`,
    );
    expect(Number(runs[0]!.n)).toBe(4);
  });
});
