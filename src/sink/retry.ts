/** Bounded retry of transient database failures: exponential backoff with full jitter. */
import { isTransientDbError } from './connection.js';

export interface RetryOptions {
  /** Retries after the first attempt; 0 disables retrying. @default 6 (limits: 0-100) */
  maxRetries?: number;
  /** First backoff; doubles each retry. @default 200 */
  baseDelayMs?: number;
  /** Cap of one backoff. @default 5_000 */
  maxDelayMs?: number;
}

export type FilledRetryOptions = Required<RetryOptions>;

export const DEFAULT_RETRY: Readonly<FilledRetryOptions> = Object.freeze({
  maxRetries: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
});

/** The delay before retry number `attempt` (1-based): uniform in [d/2, d], d = min(max, base·2^(attempt-1)). */
export function backoffDelayMs(
  attempt: number,
  options: FilledRetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: FilledRetryOptions,
  onRetry: (err: unknown, attempt: number, delayMs: number) => void = () => undefined,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.maxRetries || !isTransientDbError(err)) throw err;
      const delayMs = backoffDelayMs(attempt + 1, options);
      onRetry(err, attempt + 1, delayMs);
      await sleep(delayMs);
    }
  }
}
