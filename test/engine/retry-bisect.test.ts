import { describe, expect, it } from 'vitest';
import { backoffDelayMs, withRetry } from '../../src/engine/index.js';
import type { RetryPolicy } from '../../src/engine/index.js';
import { runWithRecovery } from '../../src/engine/bisect.js';
import { range } from './helpers.js';

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxRetries: 3,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  isTransient: () => true,
  sleep: async () => {},
  random: () => 0.5,
  ...overrides,
});

describe('backoff', () => {
  it('draws from [0, min(max, base × 2^(n-1))): full jitter under an exponential cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, 100, 1000, () => 0.999_999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelayMs(3, 100, 1000, () => 0)).toBe(0);
  });
});

describe('withRetry', () => {
  it('retries transient errors up to the limit and reports attempts', async () => {
    let calls = 0;
    const result = await withRetry(() => {
      calls++;
      return Promise.reject(new Error('down'));
    }, policy());
    expect(result).toMatchObject({ ok: false, attempts: 4, transient: true });
    expect(calls).toBe(4);
  });

  it('does not retry permanent errors, nor when the predicate itself throws', async () => {
    const permanent = await withRetry(
      () => Promise.reject(new Error('bad')),
      policy({ isTransient: () => false }),
    );
    expect(permanent).toMatchObject({ ok: false, attempts: 1, transient: false });
    const broken = await withRetry(
      () => Promise.reject(new Error('bad')),
      policy({
        isTransient: () => {
          throw new Error('predicate bug');
        },
      }),
    );
    expect(broken).toMatchObject({ ok: false, attempts: 1 });
  });

  it('wraps non-Error throws', async () => {
    // A rejection with a string is the point of this test.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const result = await withRetry(() => Promise.reject('a string'), policy({ isTransient: () => false }));
    expect(!result.ok && result.error.message).toBe('a string');
  });
});

describe('bisection', () => {
  it('isolates each bad item and keeps input order', async () => {
    const bad = new Set([0, 13, 14, 63]);
    const result = await runWithRecovery(
      range(64),
      (items) =>
        items.some((x) => bad.has(x))
          ? Promise.reject(new Error('batch has a bad item'))
          : Promise.resolve(items.map((x) => -x)),
      policy({ isTransient: () => false }),
      'bisect',
    );
    expect(result.outcomes.map((o) => o.item)).toEqual(range(64));
    expect(result.outcomes.filter((o) => !o.ok).map((o) => o.item)).toEqual([0, 13, 14, 63]);
    expect(result.failed).toBe(4);
    expect(result.outcomes.filter((o) => o.ok).every((o) => o.ok && o.value === -o.item)).toBe(true);
    // Far fewer calls than one per item.
    expect(result.attempts).toBeLessThan(64);
  });
});
