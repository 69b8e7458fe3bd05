import { BatchCutter } from './batch-cutter.js';
import type { BatchLimits, BatchResult } from './batch-types.js';

/**
 * The streaming core. Pulls items, cuts batches, runs up to `concurrency` of them at once and
 * yields their results in input order. Backpressure, not buffering: a batch is cut only when it
 * can start at once and when running + finished-but-unconsumed batches stay within
 * `concurrency + maxQueuedBatches`. While every slot is busy, up to `readAhead` batches' worth of
 * items are pulled ahead (so reading and parsing overlap the running batches instead of waiting for
 * a slot); past that nothing more is pulled from the source.
 */

export interface BatchStreamOptions<T, R> {
  source: Iterable<T> | AsyncIterable<T>;
  /** Batches running at once (≥ 1). */
  concurrency: number;
  /** Finished batches allowed to wait for the consumer (≥ 0). */
  maxQueuedBatches: number;
  /**
   * Batches' worth of items (by the current limits) pulled ahead while every slot is busy (≥ 0).
   * Batches are still cut when they start, with the limits of that moment; pulled items are never
   * dropped, an abort still runs them.
   */
  readAhead: number;
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
  /** A slot is free (an abort does not close it: items already pulled still run). */
  const slotFree = (): boolean =>
    !closed &&
    failure === undefined &&
    inFlight.size < concurrency &&
    inFlight.size + ready.size < concurrency + maxQueuedBatches;
  const canStart = (): boolean => slotFree() && (cutter.buffered > 0 || (!stopped() && !cutter.done));
  const aheadLimits = (): BatchLimits => {
    const l = options.limits();
    return { maxItems: l.maxItems * options.readAhead, maxWeight: l.maxWeight * options.readAhead };
  };
  const canReadAhead = (): boolean =>
    options.readAhead > 0 &&
    !stopped() &&
    cutter.sourceOpen &&
    // Only with every slot busy, and not while finished batches already wait for the consumer.
    inFlight.size >= concurrency &&
    ready.size === 0 &&
    !cutter.aheadFull(aheadLimits());

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
      for (;;) {
        if (canStart()) {
          const batch = await cutter.next(options.limits(), stopped);
          if (batch.items.length === 0) break;
          start(batch.items, batch.weight);
        } else if (canReadAhead()) {
          await cutter.readAhead(aheadLimits(), () => stopped() || slotFree());
        } else {
          break;
        }
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
    if (isFilling || !(canStart() || canReadAhead())) return;
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
      const pulledLeft = cutter.buffered > 0 && !closed && failure === undefined;
      if (inFlight.size === 0 && !isFilling && !pulledLeft && (cutter.done || stopped())) break;
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
