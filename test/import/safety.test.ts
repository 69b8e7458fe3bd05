/**
 * Unattended-run safety: records PostgreSQL refuses are isolated and rejected with its message, the
 * table lock keeps overlapping runs apart, and passwords never leak into output, logs or the database.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { lockAttemptSeen, testDatabaseUrl } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';

const PUBCHEM_SDF = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');

let t: CliTarget;
beforeAll(async () => {
  t = await cliTarget();
});
afterAll(async () => {
  await t?.dispose();
});

describe('records the database refuses', () => {
  it('a trigger failing on chosen records: those become rejects with its message, the rest is written', async () => {
    // Create the table with a first, empty-handed run, then arm the trigger.
    const first = await runCli(
      ['pubchem', PUBCHEM_SDF, ...t.args, '--table', 'trig', '--limit', '1', '--json'],
      { env: t.env, cwd: t.cwd },
    );
    expect(first.code, first.stderr).toBe(0);
    await t.query(`DELETE FROM "${t.schema}".trig`);
    await t.query(`CREATE FUNCTION "${t.schema}".refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.external_id IN ('7', '42', '200') THEN RAISE EXCEPTION 'refused by test trigger: CID %', NEW.external_id; END IF;
        RETURN NEW;
      END $$`);
    await t.query(
      `CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON "${t.schema}".trig FOR EACH ROW EXECUTE FUNCTION "${t.schema}".refuse()`,
    );

    const rejects = path.join(t.cwd, 'trigger-rejects.sdf');
    const r = await runCli(
      ['pubchem', PUBCHEM_SDF, ...t.args, '--table', 'trig', '--rejects', rejects, '--json'],
      { env: t.env, cwd: t.cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s.rejected).toBe(3);
    expect(s.read).toBe(s.inserted + s.rejected + s.duplicates);
    const ids = (await t.query<{ external_id: string }>(`SELECT external_id FROM "${t.schema}".trig`)).map(
      (x) => x.external_id,
    );
    expect(ids).toHaveLength(s.inserted);
    expect(ids).not.toContain('42');
    expect(ids).toContain('41');
    const text = readFileSync(rejects, 'utf8');
    expect(text.match(/\$\$\$\$\n/g)).toHaveLength(3);
    expect(text).toMatch(
      /> <molimport_reason>\ndatabase refused the record: refused by test trigger: CID 42/,
    );
    // The reject is the original record: it carries its own CID field and can be fed back.
    expect(text).toMatch(/> <PUBCHEM_COMPOUND_CID>\n42\n/);

    // Fixed (the trigger dropped), the rejects file goes back in: all three land, without our fields.
    await t.query(`DROP TRIGGER refuse ON "${t.schema}".trig`);
    const again = await runCli(['pubchem', rejects, ...t.args, '--table', 'trig', '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(parseJsonStats(again.stdout)).toMatchObject({ read: 3, inserted: 3, rejected: 0 });
    const fed = await t.query<{ keys: string }>(
      `SELECT string_agg(k, ',') AS keys FROM "${t.schema}".trig, jsonb_object_keys(properties) k WHERE external_id = '42'`,
    );
    expect(fed[0]?.keys).not.toMatch(/molimport_/);
  });

  it('a NUL byte in a value is refused by PostgreSQL and isolated to its record', async () => {
    const dir = t.cwd;
    const file = path.join(dir, 'nul.sdf');
    const base = readFileSync(path.resolve(__dirname, '../../fixtures/nasty_sdf/cdk_weirdprops.sdf'), 'utf8');
    const records = base.split('$$$$\n').filter((x) => x.trim());
    records[3] = records[3]!.replace(/(> <DatabaseID>\n)(.*)/, '$1$2\u0000x');
    (await import('node:fs')).writeFileSync(file, records.map((x) => x + '$$$$\n').join(''));
    const r = await runCli(
      ['generic', file, ...t.args, '--table', 'nul', '--id-field', 'DatabaseID', '--json'],
      { env: t.env, cwd: t.cwd },
    );
    const s = parseJsonStats(r.stdout);
    expect(s.rejected).toBe(1);
    expect(s.inserted).toBe(records.length - 1);
  });
});

const pgUp = await prereqs.postgres('the table-lock and password tests (they need a real PostgreSQL)');

describeWith(pgUp)('overlapping runs into one table', () => {
  it('a second run exits with a clear message while the lock is held, and waits for it with --wait-lock', async () => {
    const holder = new pg.Client({ connectionString: testDatabaseUrl() });
    await holder.connect();
    try {
      const r0 = await runCli(
        ['pubchem', PUBCHEM_SDF, ...t.args, '--table', 'locked', '--limit', '1', '--json'],
        { env: t.env, cwd: t.cwd },
      );
      expect(r0.code).toBe(0);
      // Hold the same advisory lock a running import holds.
      const { ADVISORY_LOCK_NAMESPACE } = await import('../../src/sink/schema.js');
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [
        ADVISORY_LOCK_NAMESPACE,
        `${t.schema}.locked`,
      ]);
      const refused = await runCli(['pubchem', PUBCHEM_SDF, ...t.args, '--table', 'locked', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(refused.code).toBe(1);
      const s = parseJsonStats(refused.stdout);
      expect(s.errorCode).toBe('MOLIMPORT_LOCKED');
      expect(s.error).toMatch(/another molimport run is writing to .*locked.*--wait-lock/);

      const [{ now: since } = { now: new Date(0) }] = (await holder.query<{ now: Date }>('SELECT now()'))
        .rows;
      const waiting = runCli(
        ['pubchem', PUBCHEM_SDF, ...t.args, '--table', 'locked', '--wait-lock', '--json'],
        { env: t.env, cwd: t.cwd },
      );
      let settled = false;
      void waiting.then(() => (settled = true));
      // The waiting run has tried the lock we hold (and so found it taken) before we release it.
      expect(await lockAttemptSeen(holder, since)).not.toBeNull();
      expect(settled).toBe(false);
      await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [
        ADVISORY_LOCK_NAMESPACE,
        `${t.schema}.locked`,
      ]);
      const done = await waiting;
      expect(done.code, done.stderr).toBe(0);
      expect(parseJsonStats(done.stdout).status).toBe('completed');
    } finally {
      await holder.end();
    }
  });
});

describeWith(pgUp)('passwords', () => {
  it('never appear in stdout, stderr, the log file, the stats or molimport_runs', async () => {
    const secret = 'S3cret-Pa55word';
    const u = new URL(testDatabaseUrl());
    u.password = secret; // trust auth accepts it; the point is where it ends up
    const logFile = path.join(t.cwd, 'secret.log');
    const r = await runCli(
      [
        'pubchem',
        PUBCHEM_SDF,
        '--db',
        u.toString(),
        '--schema',
        t.schema,
        '--table',
        'pw',
        '--json',
        '--log-level',
        'debug',
        '--log-file',
        logFile,
      ],
      { env: t.env, cwd: t.cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    const s = parseJsonStats(r.stdout);
    expect(s.database).toContain('127.0.0.1');
    for (const text of [r.stdout, r.stderr, readFileSync(logFile, 'utf8')])
      expect(text).not.toContain(secret);
    const runs = await t.query<{ row: string }>(
      `SELECT row_to_json(r)::text AS row FROM "${t.schema}".molimport_runs r`,
    );
    for (const x of runs) expect(x.row).not.toContain(secret);

    const unreachable = await runCli(
      ['pubchem', PUBCHEM_SDF, '--db', `postgres://postgres:${secret}@127.0.0.1:1/test`, '--json'],
      { env: t.env, cwd: t.cwd },
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stdout + unreachable.stderr).not.toContain(secret);
    expect(parseJsonStats(unreachable.stdout).error).toMatch(
      /cannot connect to postgres:\/\/postgres(:\*+)?@127\.0\.0\.1:1\/test/,
    );
  });
});
