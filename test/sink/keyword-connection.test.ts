/**
 * libpq's keyword connection strings (`host=… port=… dbname=…`): parsed, redacted by structure,
 * and connected to by the library and the CLI (pg itself reads only URLs: it failed with
 * `getaddrinfo ENOTFOUND base`).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import {
  keywordPgConfig,
  parseKeywordConnectionString,
  redactConnectionString,
  secretsOf,
} from '../../src/sink/connection-string.js';
import { DatabaseOperations, redactUrl } from '../../src/sink/index.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';

describe('parsing and redacting', () => {
  it('reads libpq keyword syntax: spaces around =, quotes, backslash escapes', () => {
    const k = parseKeywordConnectionString(
      `host = db.example port=6543 dbname='my db' password='it\\'s a \\\\secret' user=x\\ y`,
    );
    expect(Object.fromEntries(k)).toEqual({
      host: 'db.example',
      port: '6543',
      dbname: 'my db',
      password: "it's a \\secret",
      user: 'x y',
    });
    expect(() => parseKeywordConnectionString("host=x password='open")).toThrow(ConfigurationError);
    expect(() => parseKeywordConnectionString('host=x junk')).toThrow(/keyword = value/);
  });

  it('maps keywords to pg settings and refuses an unknown keyword by name', () => {
    expect(
      keywordPgConfig('host=h port=5 dbname=d user=u password=p sslmode=disable connect_timeout=3'),
    ).toEqual({
      host: 'h',
      port: 5,
      database: 'd',
      user: 'u',
      password: 'p',
      ssl: false,
      connectionTimeoutMillis: 3000,
    });
    expect(() => keywordPgConfig('host=h sevice=x')).toThrow(/keyword "sevice" is not supported/);
  });

  it('redacts only the secret, in both forms', () => {
    expect(redactConnectionString('host=h port=2000 password=2000 dbname=d')).toBe(
      'host=h port=2000 password=*** dbname=d',
    );
    expect(redactConnectionString('postgres://u:2000@h:2000/d?password=2000&application_name=2000')).toBe(
      'postgres://u:***@h:2000/d?password=***&application_name=2000',
    );
    expect(redactUrl('postgres://u:p@ss@h/d')).toBe('postgres://u:***@h/d');
    expect(secretsOf("host=h password='a b'")).toEqual(['a b']);
    expect(secretsOf('postgres://u:p%40s@h/d?sslpassword=k')).toEqual(['p%40s', 'k', 'p@s']);
  });
});

const pgUp = await realPostgresReachable();
if (!pgUp) console.warn('[test db] PostgreSQL not reachable: keyword connection tests are NOT run');

describe.runIf(pgUp)('connecting with a keyword string', () => {
  const u = new URL(testDatabaseUrl());
  const keywords = `host=${u.hostname} port=${u.port || 5432} dbname=${u.pathname.slice(1)} user=${decodeURIComponent(u.username)} password='not used by trust'`;

  it('the library connects', async () => {
    const db = await DatabaseOperations.open({ connectionString: keywords, maxConnections: 1 });
    try {
      expect(await db.query('SELECT current_database() AS d')).toEqual([{ d: u.pathname.slice(1) }]);
      expect(db.describe().target).toContain('password=***');
      expect(db.describe().target).not.toContain('not used');
    } finally {
      await db.close();
    }
  });

  it('the CLI imports through it', async () => {
    const schema = randomSchemaName();
    const file = path.resolve(__dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');
    const r = await runCli(
      ['pubchem', file, '--db', keywords, '--schema', schema, '--create-schema', '--json'],
      {
        env: { PATH: process.env.PATH },
      },
    );
    const db = await DatabaseOperations.open({ connectionString: testDatabaseUrl(), maxConnections: 1 });
    try {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(parseJsonStats(r.stdout).inserted).toBe(245);
      expect(r.stdout + r.stderr).not.toContain('not used');
    } finally {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.close();
    }
  });
});
