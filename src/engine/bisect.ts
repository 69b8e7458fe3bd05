import type { ItemOutcome } from './batch-types.js';
import type { BatchErrorMode } from './options.js';
import { withRetry } from '../retry.js';
import type { RetryPolicy } from '../retry.js';

/**
 * Recovery for a failing batch: retry transient errors, then split the batch in halves until the
 * items that fail are alone, so the good items of the same batch still succeed. A batch with k bad
 * items out of n costs about 2k·log2(n) extra calls.
 */

/** The process function returned a result array of the wrong length. */
export class BatchResultLengthError extends Error {
  readonly expected: number;
  readonly received: number;
  constructor(expected: number, received: number) {
    super(
      `process function returned ${received} results for a batch of ${expected} items; expected one result per item`,
    );
    this.name = 'BatchResultLengthError';
    this.expected = expected;
    this.received = received;
  }
}

/** Runs a slice of the batch; `attempt` is 1-based for that slice. */
export type SliceRunner<T, R> = (items: T[], attempt: number) => Promise<R[]>;

export interface RecoveryResult<T, R> {
  outcomes: ItemOutcome<T, R>[];
  /** Calls of the runner, all retries and halves included. */
  attempts: number;
  failed: number;
}

export async function runWithRecovery<T, R>(
  items: T[],
  run: SliceRunner<T, R>,
  policy: RetryPolicy,
  mode: BatchErrorMode,
): Promise<RecoveryResult<T, R>> {
  const outcomes: ItemOutcome<T, R>[] = [];
  let attempts = 0;
  let failed = 0;

  const checked = async (slice: T[], attempt: number): Promise<R[]> => {
    const results = await run(slice, attempt);
    if (!Array.isArray(results) || results.length !== slice.length) {
      throw new BatchResultLengthError(slice.length, Array.isArray(results) ? results.length : 0);
    }
    return results;
  };

  // Depth-first, left half first: outcomes come out in input order, and halves run one at a time
  // so a failing batch never takes more than its own slot of concurrency.
  const noRetry: RetryPolicy = { ...policy, maxRetries: 0 };
  const visit = async (slice: T[], sliceRetries: RetryPolicy): Promise<void> => {
    const result = await withRetry((n) => checked(slice, n), sliceRetries);
    attempts += result.attempts;
    if (result.ok) {
      slice.forEach((item, i) => outcomes.push({ item, ok: true, value: result.value[i] as R }));
      return;
    }
    if (slice.length === 1 || mode === 'fail-items') {
      for (const item of slice) outcomes.push({ item, ok: false, error: result.error });
      failed += slice.length;
      return;
    }
    // A transient error that outlived its retries (a database that stays down) is not retried
    // again at every level of the split: that would multiply the wait by the number of halves.
    const next = result.transient ? noRetry : sliceRetries;
    const middle = Math.ceil(slice.length / 2);
    await visit(slice.slice(0, middle), next);
    await visit(slice.slice(middle), next);
  };

  await visit(items, policy);
  return { outcomes, attempts, failed };
}
