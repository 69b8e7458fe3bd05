/**
 * Bounded retries with exponential backoff: the one retry loop of molimport. The engine retries a
 * failing batch with it (full jitter, never throws: it then splits the batch), the sink retries
 * transient database errors with it (equal jitter, throws the last error).
 *
 * Top-level, beside errors.ts, because both layers need it and neither may import the other's
 * folder: the engine imports nothing of sink/, and sink/ sits below the engine.
 */

/**
 * How the wait before a retry is drawn under its exponential cap `c = min(maxDelayMs, baseDelayMs × 2^(retry-1))`:
 * - `full`: uniform in [0, c) — spreads out clients that failed together the most (the engine).
 * - `equal`: uniform in [c/2, c] — never retries at once, so a database restarting gets at least
 *   half the cap (the sink).
 */
export type Jitter = 'full' | 'equal';

/** How {@link withRetry} retries: how often, how long it waits, and which errors it retries. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 means one attempt only. */
  maxRetries: number;
  /** The cap of the first retry's wait; doubles each retry. */
  baseDelayMs: number;
  /** The largest cap. */
  maxDelayMs: number;
  /** Whether an error is worth another attempt. A predicate that throws counts as `false`. */
  isTransient: (error: Error) => boolean;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
  /** @default 'full' */
  jitter?: Jitter | undefined;
  /** Called before each retry's wait, with the error that caused it and the 1-based retry number. */
  onRetry?: ((error: Error, retry: number, delayMs: number) => void) | undefined;
}

/**
 * The wait before retry number `retry` (1-based), drawn under the cap
 * `min(maxDelayMs, baseDelayMs × 2^(retry-1))` as `jitter` says (`full`: `floor` of [0, cap);
 * `equal`: `round` of [cap/2, cap]).
 */
export function backoffDelayMs(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
  jitter: Jitter = 'full',
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, retry - 1));
  return jitter === 'full' ? Math.floor(random() * cap) : Math.round(cap / 2 + random() * (cap / 2));
}

/** What {@link withRetry} ends with: the value, or the last error and whether it was transient. `attempts` counts the first. */
export type RetryResult<V> =
  | { ok: true; value: V; attempts: number }
  | { ok: false; error: Error; attempts: number; transient: boolean };

/** `thrown` itself when it is an `Error`, else an `Error` with its text. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/**
 * Run `attempt(n)` (n = 1, 2, ...) until it succeeds, fails with a non-transient error, or the
 * retries run out. Never throws (except what `policy.sleep` or `policy.onRetry` throw, e.g. an
 * abort): the caller decides what a final failure means.
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
      const delayMs = backoffDelayMs(n, policy.baseDelayMs, policy.maxDelayMs, policy.random, policy.jitter);
      policy.onRetry?.(error, n, delayMs);
      await policy.sleep(delayMs);
    }
  }
}

/** {@link withRetry} for callers that want the value or the last error thrown. */
export async function retryOrThrow<V>(attempt: (n: number) => Promise<V>, policy: RetryPolicy): Promise<V> {
  const result = await withRetry(attempt, policy);
  if (result.ok) return result.value;
  throw result.error;
}
