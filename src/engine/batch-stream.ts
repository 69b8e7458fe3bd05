import { BatchCutter } from './batch-cutter.js';
import type { BatchLimits, BatchResult } from './batch-types.js';

/**
 * The streaming core. Pulls items, cuts batches, runs up to `concurrency` of them at once and
 * yields their results in input order. Backpressure, not buffering: a batch is cut only when it
 * can start at once and when running + finished-but-unconsumed batches stay within
 * `concurrency + maxQueuedBatches`; past that nothing more is pulled from the source.
 */

export interface BatchStreamOptions<T, R> {
  source: Iterable<T> | AsyncIterable<T>;
  /** Batches running at once (≥ 1). */
  concurrency: number;
  /** Finished batches allowed to wait for the consumer (≥ 0). */
  maxQueuedBatches: number;
  /** Asked just before each cut, so a new decision applies to the very next batch. */
  limits: () => BatchLimits;
  itemWeight?: (item: T) => number;
  /** Runs one batch; expected not to reject (a rejection ends the stream with that error). */
  runBatch: (items: T[], batchIndex: number, weight: number) => Promise<BatchResult<T, R>>;
  /** On abort: stop pulling, let running batches finish, yield them, end. */
  signal?: AbortSignal;
}

export async function* batchStream<T, R>(
  options: BatchStreamOptions<T, R>,
): AsyncGenerator<BatchResult<T, R>, void, undefined> {
  const { concurrency, maxQueuedBatches, signal } = options;
  const cutter = new BatchCutter(options.source, options.itemWeight);
  const ready = new Map<number, BatchResult<T, R>>();
  const inFlight = new Set<Promise<void>>();
  let nextIndex = 0;
  let nextToYield = 0;
  let closed = false;
  let failure: { error: unknown } | undefined;
  let isFilling = false;
  let fillDone: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;

  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stopped = (): boolean => closed || failure !== undefined || signal?.aborted === true;
  const canStart = (): boolean =>
    !stopped() &&
    !cutter.done &&
    inFlight.size < concurrency &&
    inFlight.size + ready.size < concurrency + maxQueuedBatches;

  const start = (items: T[], weight: number): void => {
    const index = nextIndex++;
    const run = options
      .runBatch(items, index, weight)
      .then(
        (result) => void ready.set(index, result),
        (error: unknown) => void (failure ??= { error }),
      )
      .finally(() => {
        inFlight.delete(run);
        notify();
        fill();
      });
    inFlight.add(run);
  };

  const doFill = async (): Promise<void> => {
    try {
      while (canStart()) {
        const batch = await cutter.next(options.limits(), stopped);
        if (batch.items.length === 0) break;
        start(batch.items, batch.weight);
      }
    } catch (error) {
      failure ??= { error };
    } finally {
      isFilling = false;
      notify();
    }
  };

  // One filler at a time: source iterators must not be pulled concurrently.
  const fill = (): void => {
    if (isFilling || !canStart()) return;
    isFilling = true;
    fillDone = doFill();
  };

  try {
    for (;;) {
      const result = ready.get(nextToYield);
      if (result !== undefined) {
        ready.delete(nextToYield);
        nextToYield++;
        fill();
        yield result;
        continue;
      }
      fill();
      if (inFlight.size === 0 && !isFilling && (cutter.done || stopped())) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure !== undefined) throw failure.error;
  } finally {
    // Also reached when the consumer stops early: settle everything we started before letting go.
    closed = true;
    await fillDone;
    await Promise.all(inFlight);
    await cutter.close();
  }
}
