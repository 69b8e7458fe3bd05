/**
 * A batch's rejects are on disk before its transaction commits (issue 15, items 1, 2, 12):
 * - killed (-9) the instant a batch commits, then resumed: every reject is in the file, once;
 * - a rejects file that cannot be written fails the run before the batch commits, with
 *   MOLIMPORT_OUTPUT, and a resume writes the missing rejects;
 * - a --resume that starts a new run does not append to the earlier run's file.
 * Against the real PostgreSQL, through a proxy that sees each COMMIT's reply.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputError } from '../../src/errors.js';
import { RejectsWriter } from '../../src/import/rejects-writer.js';
import { ADVISORY_LOCK_NAMESPACE } from '../../src/sink/schema.js';
import { pubchemWithBrokenRecords, rejectedCids, type BrokenFile } from '../helpers/broken-records.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { startCommitProxy } from '../helpers/commit-proxy.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';
import { spawnCli } from '../helpers/spawn-cli.js';

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: the rejects durability tests are NOT run');

const url = testDatabaseUrl();
const FIXED = ['--batch-size', '50', '--no-adaptive', '--workers', '2'];

async function sql<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as R[];
  } finally {
    await c.end();
  }
}

/** Until the table's advisory lock is free (a killed importer's backends linger a moment). */
async function lockFree(name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [r] = await sql<{ ok: boolean }>(
      `SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok, pg_advisory_unlock_all()`,
      [ADVISORY_LOCK_NAMESPACE, name],
    );
    if (r?.ok) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`the lock on ${name} was not released`);
}

const sorted = (xs: string[]): string[] => [...xs].sort((a, b) => Number(a) - Number(b));

describe('RejectsWriter', () => {
  it('a full disk is an OutputError naming the file and the cause', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'molimport-rejects-'));
    try {
      const file = path.join(dir, 'full.sdf');
      symlinkSync('/dev/full', file);
      // A resumed run appending to its file: the device refuses every write (ENOSPC).
      const w = new RejectsWriter({ base: file, explicit: true, append: true });
      const reject = {
        file: 'in.sdf',
        record: 1,
        line: 1,
        format: 'sdf' as const,
        kind: 'no-id' as const,
        reason: 'x',
        raw: 'a\nM  END\n',
      };
      let err: unknown;
      try {
        w.write(reject);
        w.sync();
      } catch (e) {
        err = e;
      }
      w.close();
      expect(err).toBeInstanceOf(OutputError);
      expect((err as OutputError).code).toBe('MOLIMPORT_OUTPUT');
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/no space left/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('RejectsWriter appending for a resumed run', () => {
  it('skips rejects already in the file, except those of inputs read again from the start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'molimport-rejects-'));
    try {
      const file = path.join(dir, 'r.sdf');
      const reject = (input: string, record: number) => ({
        file: input,
        record,
        line: 1,
        format: 'sdf' as const,
        kind: 'no-id' as const,
        reason: 'x',
        raw: `> <PUBCHEM_COMPOUND_CID>\n${record}\n\n`,
      });
      const first = new RejectsWriter({ base: file, explicit: true, append: false });
      first.write(reject('a.sdf', 1));
      first.write(reject('b.sdf', 2));
      first.close();
      const again = new RejectsWriter({ base: file, explicit: true, append: true });
      again.rereads(['b.sdf']);
      again.write(reject('a.sdf', 1));
      again.write(reject('b.sdf', 2));
      again.write(reject('a.sdf', 3));
      again.close();
      expect(rejectedCids(readFileSync(file, 'utf8'))).toEqual(['1', '2', '2', '3']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(pgUp)('rejects and the batch commit', () => {
  let dir: string;
  let input: BrokenFile;
  const schemas: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-rejects-'));
    input = pubchemWithBrokenRecords(1_000, 25, path.join(dir, 'broken.sdf'));
  });
  afterAll(async () => {
    for (const s of schemas) await sql(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  const newSchema = (): string => {
    const s = randomSchemaName();
    schemas.push(s);
    return s;
  };

  it('kill -9 the moment a batch commits, then --resume: every reject in the file, exactly once', async () => {
    const schema = newSchema();
    const rejects = path.join(dir, 'killed-rejects.sdf');
    const u = new URL(url);
    let child: ReturnType<typeof spawnCli> | undefined;
    // COMMITs 1 and 2 are the schema's and the run row's; kill on the third batch's, before its
    // reply reaches the importer.
    const proxy = await startCommitProxy({ host: u.hostname, port: Number(u.port || 5432) }, (n) => {
      if (n === 5) child?.child.kill('SIGKILL');
      return n === 5 ? 'drop' : 'forward';
    });
    try {
      u.port = String(proxy.port);
      child = spawnCli(
        [
          'pubchem',
          input.file,
          '--db',
          u.toString(),
          '--schema',
          schema,
          '--create-schema',
          '--rejects',
          rejects,
          ...FIXED,
          '--json',
        ],
        { cwd: dir },
      );
      const ended = await child.done;
      expect(ended.signal, ended.stderr).toBe('SIGKILL');
    } finally {
      await proxy.close();
    }
    const [{ n: batches } = { n: '0' }] = await sql<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".molimport_batches`,
    );
    expect(Number(batches)).toBeGreaterThanOrEqual(3);
    await lockFree(`${schema}.molecules`);

    const r = await runCli(
      [
        'pubchem',
        input.file,
        '--db',
        url,
        '--schema',
        schema,
        '--create-schema',
        '--rejects',
        rejects,
        '--resume',
        ...FIXED,
        '--json',
      ],
      { cwd: dir },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout).resumed).toBe(true);
    expect(sorted(rejectedCids(readFileSync(rejects, 'utf8')))).toEqual(input.brokenCids);
    const [{ n } = { n: '0' }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".molecules`);
    expect(Number(n)).toBe(input.cids.length - input.brokenCids.length);
  });

  it('an unwritable rejects file fails the run before the commit (MOLIMPORT_OUTPUT); --resume writes the rejects', async () => {
    const schema = newSchema();
    const missingDir = path.join(dir, 'not-yet');
    const rejects = path.join(missingDir, 'rejects.sdf');
    const args = [
      'pubchem',
      input.file,
      '--db',
      url,
      '--schema',
      schema,
      '--create-schema',
      '--rejects',
      rejects,
      ...FIXED,
      '--json',
    ];
    const failed = await runCli(args, { cwd: dir });
    expect(failed.code, failed.stderr).toBe(1);
    const s = parseJsonStats(failed.stdout);
    expect(s.errorCode).toBe('MOLIMPORT_OUTPUT');
    expect(s.error).toContain(rejects);
    const count = async (): Promise<number> =>
      Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".molecules`))[0]?.n);
    // What the stats say was written is what the table holds: no batch with rejects committed.
    expect(await count()).toBe(s.inserted);
    expect(s.inserted).toBeLessThan(50);

    mkdirSync(missingDir);
    const resumed = await runCli([...args, '--resume'], { cwd: dir });
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    const rs = parseJsonStats(resumed.stdout);
    expect(rs.resumed).toBe(true);
    expect(rs.rejected).toBe(input.brokenCids.length);
    expect(sorted(rejectedCids(readFileSync(rejects, 'utf8')))).toEqual(input.brokenCids);
    expect(await count()).toBe(input.cids.length - input.brokenCids.length);
  });

  it('--resume with nothing to resume is a new run: the old rejects file is refused, not appended to', async () => {
    const schema = newSchema();
    const rejects = path.join(dir, 'twice-rejects.sdf');
    const args = [
      'pubchem',
      input.file,
      '--db',
      url,
      '--schema',
      schema,
      '--create-schema',
      '--rejects',
      rejects,
      '--json',
    ];
    const first = await runCli(args, { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(rejects)).toBe(true);
    const before = readFileSync(rejects, 'utf8');
    const again = await runCli([...args, '--resume'], { cwd: dir });
    // The completed run left nothing to resume: this is a new run, and the file is the other run's.
    expect(again.code, again.stderr).toBe(2);
    expect(parseJsonStats(again.stdout)).toMatchObject({ resumed: false, errorCode: 'MOLIMPORT_CONFIG' });
    expect(parseJsonStats(again.stdout).error).toMatch(/already exists/);
    expect(readFileSync(rejects, 'utf8')).toBe(before);
    expect(sorted(rejectedCids(before))).toEqual(input.brokenCids);
  });
});
