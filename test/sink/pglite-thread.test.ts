/**
 * The embedded database in its worker thread (the default) and in the caller's thread: the same
 * results, the same errors (message and SQLSTATE), COPY payloads cut anywhere; and a process
 * using it exits on its own, closed or not, and on Ctrl-C. The spawned processes run `dist/`
 * (worker threads load built JavaScript), so `npm run build` must have run.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/errors.js';
import { PgliteDriver } from '../../src/sink/pglite-driver.js';

const ROOT = path.resolve(__dirname, '..', '..');
const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'molimport-pglite-thread-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each([true, false])('embedded database, thread: %s', (thread) => {
  it('runs statements and COPY (text cut mid-row), and reports errors as PostgreSQL did', async () => {
    const driver = await PgliteDriver.open(path.join(await freshDir(), 'pgdata'), { thread });
    try {
      const client = await driver.checkout();
      try {
        await client.query('CREATE TABLE t (id int PRIMARY KEY, name text, n bigint)');
        expect(await client.copyFrom('COPY t (id, name) FROM STDIN', ['1\tal', 'pha\n2\tbe', 'ta\n'])).toBe(
          2,
        );
        expect(await client.copyFrom('COPY t (id, name) FROM STDIN', '3\tgamma\n')).toBe(1);
        const inserted = await client.query('INSERT INTO t VALUES ($1, $2, $3)', [
          4,
          'δέλτα',
          '9007199254740993',
        ]);
        expect(inserted.rowCount).toBe(1);
        const rows = await client.query<{ id: number; name: string; n: string | null }>(
          'SELECT id, name, n FROM t ORDER BY id',
        );
        expect(rows.rows).toEqual([
          { id: 1, name: 'alpha', n: null },
          { id: 2, name: 'beta', n: null },
          { id: 3, name: 'gamma', n: null },
          // int8 as a string, exactly as pg returns it
          { id: 4, name: 'δέλτα', n: '9007199254740993' },
        ]);

        const zero = await client.query('SELECT 1/0').catch((e: unknown) => e);
        expect(zero).toBeInstanceOf(DatabaseError);
        expect((zero as DatabaseError).sqlState).toBe('22012');
        expect((zero as DatabaseError).message).toBe('division by zero');

        // A duplicate key inside COPY: the writer relies on 23505 to fall back to its staging path.
        const dup = await client
          .copyFrom('COPY t (id, name) FROM STDIN', '5\tok\n1\tagain\n')
          .catch((e: unknown) => e);
        expect(dup).toBeInstanceOf(DatabaseError);
        expect((dup as DatabaseError).sqlState).toBe('23505');
        expect((dup as DatabaseError).message).toMatch(
          /duplicate key value violates unique constraint "t_pkey"/,
        );
        expect((await client.query('SELECT count(*)::int AS c FROM t')).rows).toEqual([{ c: 4 }]);

        const notCopy = await client.copyFrom('SELECT 1', '').catch((e: unknown) => e);
        expect((notCopy as Error).message).toMatch(/copyFrom expects COPY \.\.\. FROM STDIN/);

        // A transaction left open by one holder is rolled back before the next one gets the connection.
        await client.query('BEGIN');
        await client.query("INSERT INTO t VALUES (6, 'uncommitted')");
      } finally {
        client.release();
      }
      const next = await driver.checkout();
      try {
        expect((await next.query('SELECT count(*)::int AS c FROM t')).rows).toEqual([{ c: 4 }]);
      } finally {
        next.release();
      }
    } finally {
      await driver.close();
    }
    const closed = await driver.checkout().catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(DatabaseError);
  });

  it('a directory it cannot open fails with the reason, and can be retried elsewhere', async () => {
    const file = path.join(await freshDir(), 'not-a-directory');
    await writeFile(file, 'x');
    const failed = await PgliteDriver.open(path.join(file, 'pgdata'), { thread }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DatabaseError);
    expect((failed as Error).message).toMatch(
      /^cannot open the embedded database in .*not-a-directory.*pgdata: .*ENOTDIR/,
    );
  });
});

describe('embedded database in its thread', () => {
  it('a parameter that cannot be sent to the thread fails that statement only', async () => {
    const driver = await PgliteDriver.open(path.join(await freshDir(), 'pgdata'));
    try {
      const client = await driver.checkout();
      try {
        const failed = await client.query('SELECT $1::text AS x', [() => 1]).catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(DatabaseError);
        expect((failed as Error).message).toMatch(/could not be cloned/);
        expect((await client.query('SELECT $1::text AS x', ['next'])).rows).toEqual([{ x: 'next' }]);
      } finally {
        client.release();
      }
    } finally {
      await driver.close();
    }
  });
});

/** Run `node -e SCRIPT` (ESM) in the repository; resolves with its exit code and output. */
interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function node(args: string[]): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '' };
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end();
  });
}

describe('a process using the embedded database', () => {
  const script = (close: boolean, dir: string) =>
    [
      `import { PgliteDriver } from './dist/sink/pglite-driver.js';`,
      `const d = await PgliteDriver.open(${JSON.stringify(dir)});`,
      `const c = await d.checkout();`,
      `console.log(JSON.stringify((await c.query('SELECT 40 + 2 AS x')).rows));`,
      // A statement that never reached the thread must not leave it holding the process open.
      `await c.query('SELECT $1::text', [() => 1]).catch(() => undefined);`,
      `c.release();`,
      close ? `await d.close();` : '',
    ].join('\n');

  it.each([true, false])('exits by itself when its work is done (closed: %s)', async (close) => {
    const dir = path.join(await freshDir(), 'pgdata');
    const r = await node(['--input-type=module', '-e', script(close, dir)]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('[{"x":42}]');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  });

  it("opens under node -e with V8 flags too (the thread is given node's options without V8's)", async () => {
    // --input-type makes the thread's options explicit, and Node refuses V8 flags named there.
    const dir = path.join(await freshDir(), 'pgdata');
    const r = await node([
      '--max-semi-space-size=8',
      '--heap-growing-percent=60',
      '--input-type=module',
      '-e',
      script(true, dir),
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('[{"x":42}]');
    expect(r.code).toBe(0);
  });

  it('Ctrl-C during an embedded import exits 130, and the database opens again with what was committed', async () => {
    const cwd = await freshDir();
    const text = gunzipSync(
      readFileSync(path.join(ROOT, 'fixtures/samples/chembl_dump_head_200.sdf.gz')),
    ).toString();
    const bin = path.join(ROOT, 'bin', 'molimport.js');
    const r = await new Promise<Exited>((resolve, reject) => {
      const started = Date.now();
      const child = spawn(process.execPath, [bin, 'chembl', '-', '--batch-size', '50', '--no-adaptive'], {
        cwd,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('error', reject);
      // The import may stop and exit before stdin is ended (or before it read all the input): the
      // write then fails with EPIPE, which is expected here, not an error of the test (seen in CI).
      child.stdin.on('error', () => undefined);
      child.on('close', (code, signal) => {
        clearTimeout(killer);
        resolve({ code, signal, stdout, stderr });
      });
      // All records, the stream left open: the import is waiting for more when Ctrl-C comes. (A
      // pending read of stdin is not cut short by the signal, so stdin ends a moment later.)
      child.stdin.write(text);
      const poll = setInterval(() => {
        // Without a terminal stderr carries JSON lines: wait until a batch has been written.
        if (/"event":"progress"[^\n]*"written":[1-9]/.test(stderr) || Date.now() - started > 30_000) {
          clearInterval(poll);
          child.kill('SIGINT');
          setTimeout(() => child.stdin.end(), 500);
        }
      }, 50);
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    const driver = await PgliteDriver.open(path.join(cwd, '.molimport', 'pgdata'));
    try {
      const c = await driver.checkout();
      try {
        const runs = await c.query<{ status: string; inserted: number }>(
          "SELECT status, (stats->>'inserted')::int AS inserted FROM molimport_runs",
        );
        // What the run says it committed is what the table and the resume ledger hold.
        const counts = await c.query<{ rows: number; ledger: number }>(
          'SELECT (SELECT count(*)::int FROM molecules) AS rows, (SELECT sum(rows)::int FROM molimport_batches) AS ledger',
        );
        expect(runs.rows).toEqual([{ status: 'interrupted', inserted: counts.rows[0]?.rows }]);
        expect(counts.rows[0]?.ledger).toBe(counts.rows[0]?.rows);
        expect(r.stdout).toMatch(/status: interrupted \(exit 130\)/);
      } finally {
        c.release();
      }
    } finally {
      await driver.close();
    }
  });
});
