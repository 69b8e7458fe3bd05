import { describe, expect, it } from 'vitest';
import { ConfigurationError, DatabaseError } from '../../src/errors.js';
import { backoffDelayMs } from '../../src/retry.js';
import {
  classifyDbError,
  isTransientDbError,
  qualifiedName,
  quoteIdent,
  redactUrl,
  resolveTableTarget,
  resolveTarget,
  scrubSecrets,
  toDatabaseError,
  validateIdentifier,
  type RetryNotice,
} from '../../src/sink/index.js';
import type { SqlDriver } from '../../src/sink/driver.js';
import { OperationTimings } from '../../src/sink/operation-stats.js';
import { DEFAULT_RETRY } from '../../src/sink/options.js';
import { TransactionRunner } from '../../src/sink/transactions.js';

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

describe('retry', () => {
  it('backs off exponentially with equal jitter (uniform in [cap/2, cap]), capped', () => {
    const delay = (retry: number, random: number): number =>
      backoffDelayMs(retry, 100, 1_000, () => random, 'equal');
    expect(delay(1, 0)).toBe(50);
    expect(delay(1, 1)).toBe(100);
    expect(delay(3, 1)).toBe(400);
    expect(delay(10, 1)).toBe(1_000);
  });

  /** The sink's retry, on a driver that is never asked for a connection. */
  function runner(
    maxRetries: number,
    notices: RetryNotice[] = [],
    timings = new OperationTimings(),
  ): TransactionRunner {
    return new TransactionRunner({} as SqlDriver, {
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      secrets: ['s3cret'],
      retry: { ...DEFAULT_RETRY, maxRetries, baseDelayMs: 0, maxDelayMs: 0 },
      signal: undefined,
      onRetry: (n) => notices.push(n),
      timings,
    });
  }

  it('retries transient errors up to the limit and never data errors', async () => {
    let calls = 0;
    const notices: RetryNotice[] = [];
    const timings = new OperationTimings();
    const failing = runner(3, notices, timings).withRetry('op', () => {
      calls++;
      return Promise.reject(pgError('40001', 'serialization failure for s3cret'));
    });
    await expect(failing).rejects.toThrow(/serialization failure/);
    expect(calls).toBe(4);
    expect(notices.map((n) => [n.operation, n.attempt, n.maxRetries])).toEqual([
      ['op', 1, 3],
      ['op', 2, 3],
      ['op', 3, 3],
    ]);
    expect(notices[0]?.message).not.toContain('s3cret');
    expect(timings.snapshot()['op.retry']?.count).toBe(3);
    calls = 0;
    await expect(
      runner(6).withRetry('op', () => {
        calls++;
        return Promise.reject(pgError('23505'));
      }),
    ).rejects.toThrow();
    expect(calls).toBe(1);
    calls = 0;
    const value = await runner(6).withRetry('op', async () =>
      ++calls < 3 ? Promise.reject(pgError('57P01')) : 'ok',
    );
    expect([value, calls]).toEqual(['ok', 3]);
  });

  it('waits with equal jitter: at least half the cap, so a restarting server gets time', async () => {
    const notices: RetryNotice[] = [];
    const r = new TransactionRunner({} as SqlDriver, {
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      secrets: [],
      retry: { maxRetries: 2, baseDelayMs: 20, maxDelayMs: 30 },
      signal: undefined,
      onRetry: (n) => notices.push(n),
      timings: new OperationTimings(),
      random: () => 0,
    });
    await expect(r.withRetry('op', () => Promise.reject(pgError('40001')))).rejects.toThrow();
    // Caps 20 and min(30, 40) = 30; the lowest draw is half of each.
    expect(notices.map((n) => n.delayMs)).toEqual([10, 15]);
  });

  it('ends a backoff at once with InterruptedError when the signal aborts', async () => {
    const controller = new AbortController();
    const r = new TransactionRunner({} as SqlDriver, {
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
      secrets: [],
      retry: { ...DEFAULT_RETRY, maxRetries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      signal: controller.signal,
      onRetry: () => controller.abort(),
      timings: new OperationTimings(),
    });
    await expect(r.withRetry('op', () => Promise.reject(pgError('40001')))).rejects.toThrow(
      /interrupted while retrying op/,
    );
  });
});
