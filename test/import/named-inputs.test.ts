/**
 * Messages name the thing (issue 14, item 7): a directory given as input, a file that cannot be
 * opened, a text file that is neither SDF nor CSV/TSV, and a database host that does not resolve.
 * Each gets its own error code in `--json`, an exit code, and a message naming the path or host as
 * the user wrote it; nothing already good is lost.
 */
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const CHEMBL = path.resolve(__dirname, '../../fixtures/samples/chembl_dump_head_200.sdf.gz');

let t: CliTarget;
let n = 0;
beforeAll(async () => {
  t = await cliTarget();
});
afterAll(async () => {
  await t?.dispose();
});

async function run(files: string[], extra: string[] = []) {
  const table = `named${++n}`;
  const r = await runCli(['chembl', ...files, ...t.args, '--table', table, '--json', ...extra], {
    env: t.env,
    cwd: t.cwd,
  });
  const rows = async (): Promise<number | 'no table'> => {
    const found = await t.query<{ n: string }>(`SELECT count(*) AS n FROM "${t.schema}"."${table}"`).then(
      (r) => r,
      () => undefined,
    );
    return found === undefined ? 'no table' : Number(found[0]?.n);
  };
  return { ...r, stats: parseJsonStats(r.stdout), rows };
}

describe('messages name the thing', () => {
  it('a directory among files: exit 1 naming it, before anything is imported', async () => {
    const dir = path.join(t.cwd, 'downloads');
    mkdirSync(dir);
    const r = await run([CHEMBL, dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stats).toMatchObject({
      errorCode: 'MOLIMPORT_INPUT_DIRECTORY',
      exitCode: 1,
      read: 0,
      runId: null,
    });
    expect(r.stats.error).toBe(
      `${dir}: is a directory, not a file; name the files in it (e.g. '${dir}/*.sdf.gz', quoted)`,
    );
    // Checked before connecting: the good file is not half-imported, nothing was created.
    expect(await r.rows()).toBe('no table');
  });

  it('a file that cannot be opened: exit 1, "permission denied", before anything is imported', async (ctx) => {
    const locked = path.join(t.cwd, 'locked.sdf.gz');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    // root reads a mode-000 file anyway: drop to an unprivileged effective user for the run (the
    // real user stays root, so it can come back), else the case cannot be made to fail.
    const root = process.getuid?.() === 0;
    if (root && typeof process.seteuid !== 'function') {
      console.error('[skipped] running as root without process.seteuid: cannot make a file unreadable');
      ctx.skip();
    }
    chmodSync(t.cwd, 0o755);
    // The good input beside it: the checkout may sit in a directory the unprivileged user cannot enter.
    const good = path.join(t.cwd, 'good.sdf.gz');
    copyFileSync(CHEMBL, good);
    chmodSync(good, 0o644);
    if (root) process.seteuid!(65_534);
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run([good, locked]);
    } finally {
      if (root) process.seteuid!(0);
    }
    expect(r.code, r.stderr).toBe(1);
    expect(r.stats).toMatchObject({
      errorCode: 'MOLIMPORT_INPUT_UNREADABLE',
      exitCode: 1,
      read: 0,
      runId: null,
    });
    expect(r.stats.error).toMatch(
      new RegExp(`^${escape(locked)}: permission denied: cannot open it for reading`),
    );
    expect(await r.rows()).toBe('no table');
  });

  it.each([
    ['notes.txt', 'hello world\nthis is not a molecule file\n', 'hello world'],
    ['one-line.sdf', 'not a molecule\n', 'not a molecule'],
  ])(
    'text that is neither SDF nor CSV/TSV (%s): exit 1 quoting its first line; the good file is imported',
    async (name, content, firstLine) => {
      const bad = path.join(t.cwd, name);
      writeFileSync(bad, content);
      const r = await run([CHEMBL, bad]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stats).toMatchObject({
        errorCode: 'MOLIMPORT_INPUT_FORMAT',
        exitCode: 1,
        read: 200,
        inserted: 200,
      });
      expect(r.stats.error).toBe(
        `${bad}: not SDF or CSV/TSV: first line "${firstLine}" (no SDF record, no delimited columns); --format sdf|csv forces one`,
      );
      expect(r.stats.error).not.toMatch(/empty/);
      expect(await r.rows()).toBe(200);
    },
  );

  it('a host that does not resolve: exit 1 naming the host as written', async () => {
    // .invalid never resolves (RFC 2606); the lookup fails at once and is not retried.
    const r = await runCli(['chembl', CHEMBL, '--db', 'postgres://u@No-Such-Host.invalid/db', '--json'], {
      env: { PATH: process.env.PATH },
      cwd: t.cwd,
    });
    expect(r.code, r.stderr).toBe(1);
    const s = parseJsonStats(r.stdout);
    expect(s).toMatchObject({ errorCode: 'MOLIMPORT_DB_HOST', exitCode: 1, read: 0 });
    expect(s.error).toMatch(
      /^cannot connect to postgres:\/\/u@No-Such-Host\.invalid\/db: host "No-Such-Host\.invalid" not found \(/,
    );
    const human = await runCli(['chembl', CHEMBL, '--db', 'postgres://u@No-Such-Host.invalid/db'], {
      env: { PATH: process.env.PATH },
      cwd: t.cwd,
    });
    expect(human.code).toBe(1);
    // Without a terminal stderr is JSON lines: the failed run's line names the host as written.
    const failed = human.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string; errorCode?: string })
      .filter((l) => l.level === 50);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ errorCode: 'MOLIMPORT_DB_HOST' });
    expect(failed[0]!.msg).toContain(
      'cannot connect to postgres://u@No-Such-Host.invalid/db: host "No-Such-Host.invalid" not found',
    );
  });

  it('the same through PGHOST', async () => {
    // pg reads the PG* variables from process.env itself (the CLI passes process.env as its env).
    const vars = { PGHOST: 'No-Such-Host.invalid', PGDATABASE: 'db', PGUSER: 'u' };
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(['runs', '--json'], { env: { PATH: process.env.PATH, ...vars }, cwd: t.cwd });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(r.code, r.stderr).toBe(1);
    const f = JSON.parse(r.stdout) as { error: string; errorCode: string };
    expect(f.errorCode).toBe('MOLIMPORT_DB_HOST');
    expect(f.error).toContain('host "No-Such-Host.invalid" not found');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
