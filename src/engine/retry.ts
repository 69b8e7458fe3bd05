/**
 * Bounded retries with exponential backoff and full jitter (a random wait in [0, cap)), which
 * spreads out clients that failed together better than a fixed or equal-jitter delay.
 */

export interface RetryPolicy {
  /** Retries after the first attempt; 0 means one attempt only. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  isTransient: (error: Error) => boolean;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

/** Wait before retry number `retry` (1-based): uniform in [0, min(maxDelayMs, baseDelayMs × 2^(retry-1))). */
export function backoffDelayMs(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}

export type RetryResult<V> =
  | { ok: true; value: V; attempts: number }
  | { ok: false; error: Error; attempts: number; transient: boolean };

export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/**
 * Run `attempt(n)` until it succeeds, fails with a non-transient error, or the retries run out.
 * Never throws: the caller decides what a final failure means.
 */
export async function withRetry<V>(
  attempt: (n: number) => Promise<V>,
  policy: RetryPolicy,
): Promise<RetryResult<V>> {
  for (let n = 1; ; n++) {
    try {
      return { ok: true, value: await attempt(n), attempts: n };
    } catch (thrown) {
      const error = toError(thrown);
      let transient = false;
      try {
        transient = policy.isTransient(error);
      } catch {
        // A broken predicate must not break the batch; treat the error as permanent.
      }
      if (!transient || n > policy.maxRetries) return { ok: false, error, attempts: n, transient };
      await policy.sleep(backoffDelayMs(n, policy.baseDelayMs, policy.maxDelayMs, policy.random));
    }
  }
}
