/**
 * Typos fail loudly (issue 14, item 6): a schema that does not exist, a connection string that is
 * not a postgres:// URL, an unknown `runImport` key and a `query` where no database exists are each
 * refused with a message naming what was typed, and nothing is created.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, MolimportError, runImport } from '../../src/index.js';
import { closestName, editDistance } from '../../src/did-you-mean.js';
import { connectionStringProblem } from '../../src/sink/database-url.js';
import { cliTarget, type CliTarget } from '../helpers/cli-target.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testBackends, testDatabaseUrl } from '../helpers/db.js';

const CHEMBL = path.resolve(__dirname, '../../fixtures/samples/chembl_dump_head_200.sdf.gz');
const backends = await testBackends();
const pgUp = await realPostgresReachable();

/** A `--json` failure line: the stats of a run, or the short form of a refusal before any run. */
function failure(stdout: string): { exitCode: number; error: string; errorCode: string } {
  return JSON.parse(stdout.trim()) as { exitCode: number; error: string; errorCode: string };
}

describe.each(backends)('--schema that does not exist (%s)', (kind) => {
  let t: CliTarget;
  beforeAll(async () => {
    t = await cliTarget(kind);
  });
  afterAll(async () => {
    await t?.dispose();
  });
  const schemaExists = async (name: string): Promise<boolean> =>
    (await t.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).length > 0;

  it('is refused (exit 2, naming it and --create-schema), and is not created', async () => {
    const typo = randomSchemaName();
    const r = await runCli(['chembl', CHEMBL, ...t.args.slice(0, -1), typo, '--json'], {
      env: t.env,
      cwd: t.cwd,
    });
    expect(r.code, r.stderr).toBe(2);
    const s = parseJsonStats(r.stdout);
    expect(s).toMatchObject({
      status: 'failed',
      exitCode: 2,
      errorCode: 'MOLIMPORT_SCHEMA_MISSING',
      read: 0,
    });
    expect(s.runId).toBeNull();
    expect(s.error).toContain(`schema "${typo}" does not exist`);
    expect(s.error).toContain('--create-schema');
    expect(await schemaExists(typo)).toBe(false);
  });

  it('is created and imported into with --create-schema', async () => {
    const fresh = randomSchemaName();
    try {
      const r = await runCli(['chembl', CHEMBL, ...t.args.slice(0, -1), fresh, '--create-schema', '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(parseJsonStats(r.stdout)).toMatchObject({ inserted: 200, table: `${fresh}.molecules` });
      expect(await schemaExists(fresh)).toBe(true);
    } finally {
      await t.query(`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`);
    }
  });

  it('an existing schema needs no flag', async () => {
    expect(await schemaExists(t.schema)).toBe(true);
    const r = await runCli(['chembl', CHEMBL, ...t.args, '--json'], { env: t.env, cwd: t.cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(parseJsonStats(r.stdout)).toMatchObject({ inserted: 200, table: `${t.schema}.molecules` });
  });

  it('runs and overlap refuse it too, and create nothing', async () => {
    const typo = randomSchemaName();
    for (const command of ['runs', 'overlap']) {
      const r = await runCli([command, ...t.args.slice(0, -1), typo, '--json'], {
        env: t.env,
        cwd: t.cwd,
      });
      expect(r.code, `${command}: ${r.stderr}`).toBe(2);
      expect(failure(r.stdout)).toMatchObject({ errorCode: 'MOLIMPORT_SCHEMA_MISSING' });
      expect(failure(r.stdout).error).toContain(`schema "${typo}" does not exist`);
    }
    expect(await schemaExists(typo)).toBe(false);
  });
});

describe('--db that is not a PostgreSQL URL', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'molimport-typos-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it.each([
    [
      'postgress://u:secret@localhost/db',
      /unsupported scheme "postgress:" \(did you mean "postgres:\/\/"\?\)/,
    ],
    ['mysql://u@localhost/db', /unsupported scheme "mysql:"/],
    ['mydb', /not a URL/],
    ['localhost:5432/db', /host and port, not with postgres:\/\//],
    ['postgres://u@host:99999/db', /not a valid URL/],
    ['', /it is empty/],
  ])('%j: exit 2 with the expected form, before anything is created', async (db, why) => {
    for (const command of [['chembl', CHEMBL], ['runs'], ['query', 'select 1']]) {
      const r = await runCli([...command, '--db', db, '--json'], { env: { PATH: process.env.PATH }, cwd });
      expect(r.code, r.stderr).toBe(2);
      const f = failure(r.stdout);
      expect(f.errorCode).toBe('MOLIMPORT_DB_URL');
      expect(f.error).toMatch(/^--db .*is not a PostgreSQL connection URL/);
      expect(f.error).toMatch(why);
      expect(f.error).toContain('expected postgres://user@host:5432/db');
      expect(r.stdout + r.stderr).not.toContain('secret');
    }
    expect(await readdir(cwd)).toEqual([]);
  });

  it('DATABASE_URL is checked the same way, and named', async () => {
    const r = await runCli(['chembl', CHEMBL, '--json'], {
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgress://u@localhost/db' },
      cwd,
    });
    expect(r.code, r.stderr).toBe(2);
    expect(parseJsonStats(r.stdout)).toMatchObject({ errorCode: 'MOLIMPORT_DB_URL', read: 0 });
    expect(parseJsonStats(r.stdout).error).toMatch(/^DATABASE_URL "postgress:\/\/u@localhost\/db" is not/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it.runIf(pgUp)('postgresql:// is accepted like postgres://', async () => {
    const url = testDatabaseUrl().replace(/^postgres:/, 'postgresql:');
    const r = await runCli(['query', 'select 1 as one', '--db', url, '--json'], {
      env: { PATH: process.env.PATH },
      cwd,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ one: 1 }]);
  });

  it('the forms pg reads as meant pass the check; keyword strings are left to the connection layer', () => {
    for (const ok of [
      'postgres://user@host:5432/db',
      'postgresql://user:pw@host/db?sslmode=require',
      'POSTGRES://host/db',
      'postgres://user@/db',
      'postgres:///db',
      'postgres://u@host/my db',
      'socket:/var/run/postgresql?db=chem',
      '/var/run/postgresql chem',
      'host=db.example.org port=5432 dbname=chem',
    ]) {
      expect(connectionStringProblem(ok), ok).toBeUndefined();
    }
    for (const bad of ['postgre://h/db', 'postgres:h/db', 'https://h/db', 'db.example.org', '  ']) {
      expect(connectionStringProblem(bad), bad).toBeDefined();
    }
  });
});

describe('runImport with an unknown option key', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'molimport-typos-lib-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  async function refusal(options: Record<string, unknown>): Promise<ConfigurationError> {
    const err = await runImport({ source: 'chembl', files: [CHEMBL], cwd, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigurationError);
    return err as ConfigurationError;
  }

  it('throws ConfigurationError naming the key and the closest one, and creates nothing', async () => {
    const err = await refusal({ db: testDatabaseUrl() });
    expect(err.message).toBe('unknown option "db": did you mean "database"?');
    expect(err.code).toBe('MOLIMPORT_UNKNOWN_OPTION');
    expect(err.exitCode).toBe(2);
    expect(err).toBeInstanceOf(MolimportError);
    expect(existsSync(path.join(cwd, '.molimport'))).toBe(false);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('names every unknown key: misspelt, CLI-style, and unrelated (with the known keys)', async () => {
    const err = await refusal({ shema: 'x', 'batch-size': 10, rejects: 'r.sdf', frobnicate: true });
    expect(err.message).toContain('unknown options "shema": did you mean "schema"?');
    expect(err.message).toContain('"batch-size": did you mean "batchSize"?');
    expect(err.message).toContain('"rejects": did you mean "rejectsFile"?');
    expect(err.message).toMatch(/"frobnicate" \(known options: source, files, database, /);
  });

  it('a database option that is not a URL is refused at once too', async () => {
    const err = await refusal({ database: 'postgress://h/db' });
    expect(err.code).toBe('MOLIMPORT_DB_URL');
    expect(err.message).toMatch(/^database "postgress:\/\/h\/db" is not a PostgreSQL connection URL/);
  });

  it('suggestions: transpositions count once, far names get none', () => {
    expect(editDistance('shcema', 'schema')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestName('wokers', ['workers', 'mode'])).toBe('workers');
    expect(closestName('xyz', ['workers', 'mode'])).toBeUndefined();
    expect(closestName('DB', ['database'], { db: 'database' })).toBe('database');
  });
});

describe('query, runs and overlap where no embedded database exists', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'molimport-typos-query-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it.each([[['query', 'select count(*) from molecules']], [['runs']], [['overlap']]])(
    '%j: exit 1 saying so, and no .molimport/ left behind',
    async (command) => {
      const r = await runCli([...command, '--json'], { env: { PATH: process.env.PATH }, cwd });
      expect(r.code, r.stderr).toBe(1);
      const f = failure(r.stdout);
      expect(f.errorCode).toBe('MOLIMPORT_NO_DATABASE');
      expect(f.error).toContain(`no embedded database in ${path.join(cwd, '.molimport', 'pgdata')}`);
      expect(r.stderr).toContain('no embedded database');
      expect(await readdir(cwd)).toEqual([]);
    },
  );
});
