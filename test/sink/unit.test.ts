import { describe, expect, it } from 'vitest';
import { ConfigurationError, DatabaseError } from '../../src/errors.js';
import {
  backoffDelayMs,
  classifyDbError,
  copyField,
  copyRow,
  copyText,
  DEFAULT_RETRY,
  escapeCopyText,
  isTransientDbError,
  qualifiedName,
  quoteIdent,
  redactUrl,
  resolveTableTarget,
  resolveTarget,
  scrubSecrets,
  toDatabaseError,
  validateIdentifier,
  withRetry,
} from '../../src/sink/index.js';

const pgError = (code: string, message = `pg error ${code}`): Error =>
  Object.assign(new Error(message), { code });

describe('redactUrl', () => {
  it.each([
    ['postgres://alice:s3cret@db.example:5432/chem', 'postgres://alice:***@db.example:5432/chem'],
    ['postgresql://alice:p%40ss%3Aword@h/db?sslmode=require', 'postgresql://alice:***@h/db?sslmode=require'],
    ['postgres://alice@h/db', 'postgres://alice@h/db'],
    ['postgres://h/db?password=s3cret&sslmode=disable', 'postgres://h/db?password=***&sslmode=disable'],
    ['postgres://h/db?sslpassword=s3cret', 'postgres://h/db?sslpassword=***'],
    ['host=h user=alice password=s3cret dbname=chem', 'host=h user=alice password=*** dbname=chem'],
    ["host=h password='se cret' dbname=chem", 'host=h password=*** dbname=chem'],
    ['host=h PASSWORD = s3cret', 'host=h PASSWORD = ***'],
  ])('%s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
    expect(redactUrl(input)).not.toMatch(/s3cret|se cret|p%40ss/);
  });

  it('scrubs known secrets from arbitrary text', () => {
    expect(scrubSecrets('failed for postgres://u:hunter2@h/db with hunter2', ['hunter2'])).toBe(
      'failed for postgres://u:***@h/db with ***',
    );
  });
});

describe('resolveTarget', () => {
  it('prefers the explicit URL, then DATABASE_URL, then PG*, then embedded', () => {
    const env = {
      DATABASE_URL: 'postgres://a:pw1@h1/d1',
      PGHOST: 'h2',
      PGDATABASE: 'd2',
      PGUSER: 'bob',
      PGPASSWORD: 'pw2',
    };
    const explicit = resolveTarget({ url: 'postgres://x:pw0@h0/d0', env });
    expect(explicit).toMatchObject({ kind: 'postgres', origin: 'option', display: 'postgres://x:***@h0/d0' });
    expect(explicit.secrets).toContain('pw0');
    expect(resolveTarget({ env })).toMatchObject({
      origin: 'DATABASE_URL',
      display: 'postgres://a:***@h1/d1',
    });
    const pgVars = resolveTarget({ env: { ...env, DATABASE_URL: '' } });
    expect(pgVars).toMatchObject({
      kind: 'postgres',
      origin: 'PG*',
      connectionString: undefined,
      display: 'postgres://bob@h2:5432/d2',
    });
    expect(pgVars.secrets).toEqual(['pw2']);
    const embedded = resolveTarget({ env: { PGUSER: 'only-user' }, embeddedDataDir: '/tmp/x' });
    expect(embedded).toMatchObject({ kind: 'embedded', dataDir: '/tmp/x', display: 'embedded:/tmp/x' });
  });
});

describe('classification', () => {
  it.each([
    ['ECONNRESET', 'transient'],
    ['ECONNREFUSED', 'transient'],
    ['EPIPE', 'transient'],
    ['ETIMEDOUT', 'transient'],
    ['57P01', 'transient'],
    ['57P02', 'transient'],
    ['57P03', 'transient'],
    ['53300', 'transient'],
    ['40001', 'transient'],
    ['40P01', 'transient'],
    ['08006', 'transient'],
    ['08003', 'transient'],
    ['22021', 'data'],
    ['22P05', 'data'],
    ['23505', 'data'],
    ['23502', 'data'],
    ['P0001', 'data'],
    ['54000', 'data'],
    ['42P01', 'fatal'],
    ['42601', 'fatal'],
    ['28P01', 'fatal'],
    ['3D000', 'fatal'],
  ])('%s is %s', (code, expected) => {
    expect(classifyDbError(pgError(code))).toBe(expected);
    expect(isTransientDbError(pgError(code))).toBe(expected === 'transient');
    // through the DatabaseError wrapper too
    expect(classifyDbError(toDatabaseError(pgError(code)))).toBe(expected);
  });

  it('recognises connection loss by message and through causes', () => {
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDbError(new Error('boom', { cause: pgError('ECONNRESET') }))).toBe(true);
    expect(isTransientDbError(new Error('plain bug'))).toBe(false);
    expect(isTransientDbError('string')).toBe(false);
  });

  it('wraps with the SQLSTATE and PostgreSQL message, never the password', () => {
    const err = toDatabaseError(pgError('23505', 'duplicate key value violates unique constraint "x"'));
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.sqlState).toBe('23505');
    expect(err.message).toBe('duplicate key value violates unique constraint "x"');
    const leaky = Object.assign(new Error('could not connect to postgres://u:topsecret@h/db'), {
      code: 'ECONNREFUSED',
      url: 'postgres://u:topsecret@h/db',
    });
    const wrapped = toDatabaseError(leaky, ['topsecret']);
    expect(wrapped.message).not.toContain('topsecret');
    expect(JSON.stringify(wrapped.cause ?? null)).not.toContain('topsecret');
    expect(isTransientDbError(wrapped)).toBe(true);
  });
});

describe('identifiers', () => {
  it('accepts plain names and quotes them', () => {
    expect(quoteIdent('molecules')).toBe('"molecules"');
    expect(qualifiedName({ schema: 'Chem_1', table: '_t' })).toBe('"Chem_1"."_t"');
    expect(resolveTableTarget('s.t')).toEqual({ schema: 's', table: 't' });
    expect(resolveTableTarget('t', 'x')).toEqual({ schema: 'x', table: 't' });
    expect(validateIdentifier('a'.repeat(63))).toHaveLength(63);
  });

  it.each([
    'x; drop table y',
    'a"b',
    '1abc',
    '',
    'a'.repeat(64),
    'tab\tname',
    'mol-ecules',
    'schéma',
    'a.b.c',
  ])('rejects %j', (name) => {
    expect(() => resolveTableTarget(name)).toThrow(ConfigurationError);
    expect(() => quoteIdent(name)).toThrow(/letters, digits and underscores/);
  });
});

describe('COPY text encoding', () => {
  it('escapes backslash, tab, LF and CR and writes \\N for null', () => {
    expect(escapeCopyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField(1.5)).toBe('1.5');
    expect(copyField(Number.NaN)).toBe('NaN');
    expect(copyField(-Infinity)).toBe('-Infinity');
    expect(copyField(12n)).toBe('12');
    expect(copyField(true)).toBe('t');
    expect(copyField({ k: 'v\n"x"', n: '007' })).toBe(String.raw`{"k":"v\\n\\"x\\"","n":"007"}`);
    expect(copyRow(['a', null, 2])).toBe('a\t\\N\t2\n');
  });

  it('leaves NUL bytes for PostgreSQL to refuse', () => {
    expect(copyField('a\u0000b')).toBe('a\u0000b');
  });

  it('joins rows into one payload', () => {
    expect(copyText([1, 2], (n) => [n, `r${n}`])).toBe('1\tr1\n2\tr2\n');
  });
});

describe('retry', () => {
  it('backs off exponentially with jitter, capped', () => {
    const opts = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelayMs(1, opts, () => 0)).toBe(50);
    expect(backoffDelayMs(1, opts, () => 1)).toBe(100);
    expect(backoffDelayMs(3, opts, () => 1)).toBe(400);
    expect(backoffDelayMs(10, opts, () => 1)).toBe(1_000);
  });

  it('retries transient errors up to the limit and never data errors', async () => {
    const sleep = (): Promise<void> => Promise.resolve();
    let calls = 0;
    await expect(
      withRetry(
        () => {
          calls++;
          return Promise.reject(pgError('40001'));
        },
        { ...DEFAULT_RETRY, maxRetries: 3 },
        undefined,
        sleep,
      ),
    ).rejects.toThrow();
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withRetry(
        () => {
          calls++;
          return Promise.reject(pgError('23505'));
        },
        DEFAULT_RETRY,
        undefined,
        sleep,
      ),
    ).rejects.toThrow();
    expect(calls).toBe(1);
    calls = 0;
    const value = await withRetry(
      async () => (++calls < 3 ? Promise.reject(pgError('57P01')) : 'ok'),
      DEFAULT_RETRY,
      undefined,
      sleep,
    );
    expect([value, calls]).toEqual(['ok', 3]);
  });
});
