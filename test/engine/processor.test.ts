import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import {
  AdaptiveBatchProcessor,
  BatchResultLengthError,
  MAX_EVOLUTION_POINTS,
} from '../../src/engine/index.js';
import type { BatchInfo, ItemOutcome } from '../../src/engine/index.js';
import { countingSource, fakeClock, instantRetry, range, seededRandom, ticks } from './helpers.js';

const double = (batch: number[]): number[] => batch.map((x) => x * 2);

function values<R>(outcomes: ItemOutcome<unknown, R>[]): R[] {
  return outcomes.map((o) => (o.ok ? o.value : (undefined as R)));
}

async function* asyncItems(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    if (i % 17 === 0) await ticks();
    yield i;
  }
}

describe('AdaptiveBatchProcessor: order and accounting', () => {
  it('keeps input order for arrays, sequential and parallel, with batches finishing out of order', async () => {
    const random = seededRandom(7);
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: async (batch) => {
        await ticks(1 + Math.floor(random() * 5));
        return double(batch);
      },
      initialBatchSize: 10,
      minBatchSize: 1,
      maxWorkers: 4,
    });
    const items = range(1234);
    expect(values(await processor.processItems(items))).toEqual(items.map((x) => x * 2));
    expect(values(await processor.processItemsParallel(items))).toEqual(items.map((x) => x * 2));
  });

  it('keeps input order for async iterables and accounts for every item', async () => {
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: async (batch) => {
        await ticks(batch[0]! % 3);
        return double(batch);
      },
      initialBatchSize: 7,
      minBatchSize: 1,
      maxWorkers: 3,
    });
    const sequential = await processor.processItemsAsync(asyncItems(1000));
    const parallel = await processor.processItemsParallelAsync(asyncItems(1000));
    for (const outcomes of [sequential, parallel]) {
      expect(outcomes.map((o) => o.item)).toEqual(range(1000));
      expect(values(outcomes)).toEqual(range(1000).map((x) => x * 2));
    }
    const stats = processor.getStats();
    expect(stats.totalItemsProcessed).toBe(2000);
    expect(stats.totalItemsFailed).toBe(0);
  });

  it('handles empty input and sync iterables', async () => {
    const processor = new AdaptiveBatchProcessor<number, number>({ processFunc: double, maxWorkers: 2 });
    expect(await processor.processItems([])).toEqual([]);
    expect(values(await processor.processItemsAsync(new Set([3, 1, 2])))).toEqual([6, 2, 4]);
  });
});

describe('AdaptiveBatchProcessor: failures', () => {
  it('isolates bad items by bisection while the good items of the same batch succeed', async () => {
    const calls: number[] = [];
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: (batch) => {
        calls.push(batch.length);
        const bad = batch.find((x) => x % 7 === 0);
        if (bad !== undefined) throw new Error(`bad item ${bad}`);
        return double(batch);
      },
      initialBatchSize: 64,
      minBatchSize: 1,
      maxBatchSize: 64,
      maxWorkers: 2,
    });
    const items = range(500, 1);
    const outcomes = await processor.processItemsParallel(items);
    expect(outcomes.map((o) => o.item)).toEqual(items);
    for (const outcome of outcomes) {
      if (outcome.item % 7 === 0) {
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(outcome.error.message).toBe(`bad item ${outcome.item}`);
      } else {
        expect(outcome).toEqual({ item: outcome.item, ok: true, value: outcome.item * 2 });
      }
    }
    const stats = processor.getStats();
    expect(stats.totalItemsProcessed).toBe(500);
    expect(stats.totalItemsFailed).toBe(Math.floor(500 / 7));
    expect(stats.errorRate).toBeCloseTo(71 / 500, 10);
    // Single-item calls happen only for the bad items' neighbourhoods.
    expect(calls.filter((n) => n === 1).length).toBeLessThan(500 / 2);
  });

  it('retries transient errors with backoff and then succeeds, counting attempts', async () => {
    const attemptsSeen: BatchInfo[] = [];
    const delays: number[] = [];
    const failuresLeft = new Map<number, number>([
      [0, 2],
      [2, 1],
    ]);
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: (batch, info) => {
        attemptsSeen.push(info);
        const left = failuresLeft.get(info.batchIndex) ?? 0;
        if (left > 0) {
          failuresLeft.set(info.batchIndex, left - 1);
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        }
        return double(batch);
      },
      initialBatchSize: 10,
      maxWorkers: 1,
      adaptive: false,
      isTransient: (error) => (error as Error & { code?: string }).code === 'ECONNRESET',
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 1000,
      sleep: (ms) => Promise.resolve(void delays.push(ms)),
      random: () => 0.999,
    });
    const results = [];
    for await (const batch of processor.stream(range(30))) results.push(batch);
    expect(results.map((r) => r.attempts)).toEqual([3, 1, 2]);
    expect(results.every((r) => r.failed === 0)).toBe(true);
    expect(attemptsSeen.filter((i) => i.batchIndex === 0).map((i) => i.attempt)).toEqual([1, 2, 3]);
    // Full jitter under an exponential cap: below 100, then below 200.
    expect(delays).toEqual([99, 199, 99]);
  });

  it('bisects a transient failure that outlives its retries, without retrying at every level', async () => {
    let calls = 0;
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: (batch) => {
        calls++;
        if (batch.includes(3)) throw new Error('timeout');
        return double(batch);
      },
      initialBatchSize: 8,
      minBatchSize: 1,
      maxWorkers: 1,
      maxRetries: 2,
      isTransient: () => true,
      ...instantRetry,
    });
    const outcomes = await processor.processItems(range(8));
    expect(outcomes.filter((o) => !o.ok).map((o) => o.item)).toEqual([3]);
    // 3 attempts on the whole batch, then 2 calls per level for 3 levels.
    expect(calls).toBe(3 + 6);
  });

  it("with onBatchError 'fail-items' fails the whole batch instead of bisecting", async () => {
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: (batch) => {
        if (batch.includes(5)) throw new Error('boom');
        return double(batch);
      },
      initialBatchSize: 10,
      adaptive: false,
      onBatchError: 'fail-items',
      maxWorkers: 1,
    });
    const outcomes = await processor.processItems(range(30));
    expect(outcomes.filter((o) => !o.ok).map((o) => o.item)).toEqual(range(10));
  });

  it('treats a result array of the wrong length as a batch error', async () => {
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: (batch) => (batch.length > 1 ? batch.slice(1) : double(batch)),
      initialBatchSize: 10,
      minBatchSize: 1,
      maxWorkers: 1,
    });
    const outcomes = await processor.processItems(range(10));
    expect(values(outcomes)).toEqual(range(10).map((x) => x * 2));
    const always = new AdaptiveBatchProcessor<number, number>({
      processFunc: () => [],
      initialBatchSize: 10,
      maxWorkers: 1,
    });
    const failed = await always.processItems(range(4));
    expect(failed.every((o) => !o.ok && o.error instanceof BatchResultLengthError)).toBe(true);
  });
});

describe('AdaptiveBatchProcessor: concurrency and backpressure', () => {
  it('never runs more than maxWorkers batches at once', async () => {
    let running = 0;
    let maxRunning = 0;
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: async (batch) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await ticks(3);
        running--;
        return double(batch);
      },
      initialBatchSize: 10,
      adaptive: false,
      maxWorkers: 3,
    });
    await processor.processItemsParallelAsync(asyncItems(500));
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(maxRunning).toBeGreaterThan(1);
    maxRunning = 0;
    await processor.processItems(range(200));
    expect(maxRunning).toBe(1);
  });

  it('bounds batches in flight and waiting under a slow consumer of stream()', async () => {
    const batchSize = 10;
    const maxWorkers = 2;
    const maxQueuedBatches = 3;
    const { source, pulled } = countingSource(10_000);
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: double,
      initialBatchSize: batchSize,
      adaptive: false,
      maxWorkers,
      maxQueuedBatches,
    });
    let consumed = 0;
    let maxAhead = 0;
    for await (const batch of processor.stream(source, { parallel: true })) {
      await ticks(20); // a slow consumer: batches finish long before it asks for the next
      consumed += batch.size;
      maxAhead = Math.max(maxAhead, pulled() - consumed);
    }
    expect(consumed).toBe(10_000);
    // Running + waiting batches, plus the batch the consumer holds, plus one held-back item at most.
    expect(maxAhead).toBeLessThanOrEqual((maxWorkers + maxQueuedBatches + 1) * batchSize + 1);
    expect(maxAhead).toBeGreaterThan(0);
  });

  /** Two workers, batches of 10 that each wait until the test releases them (in order of start). */
  function heldBatches(extra: { signal?: AbortSignal; readAheadBatches?: number }) {
    const releases: (() => void)[] = [];
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: async (batch) => {
        await new Promise<void>((resolve) => releases.push(resolve));
        return double(batch);
      },
      initialBatchSize: 10,
      adaptive: false,
      maxWorkers: 2,
      ...extra,
    });
    return { processor, releases };
  }

  it('reads one batch ahead while every slot is busy, and still runs those items after an abort', async () => {
    const controller = new AbortController();
    const { source, pulled } = countingSource(1_000);
    const { processor, releases } = heldBatches({ signal: controller.signal });
    const seen: number[] = [];
    const consuming = (async () => {
      for await (const batch of processor.stream(source, { parallel: true })) {
        seen.push(...batch.outcomes.map((o) => o.item));
      }
    })();
    while (releases.length < 2) await ticks();
    await ticks(5);
    // Two batches running, one batch's worth read ahead, nothing more.
    expect(pulled()).toBe(30);
    controller.abort();
    while (releases.length > 0) {
      releases.shift()?.();
      await ticks(3);
    }
    await consuming;
    // The read-ahead items ran too: everything pulled came back, in order.
    expect(seen).toEqual(range(30));
    expect(pulled()).toBe(30);
  });

  it('reads nothing ahead with readAheadBatches: 0', async () => {
    const { source, pulled } = countingSource(100);
    const { processor, releases } = heldBatches({ readAheadBatches: 0 });
    const consuming = processor.processItemsParallelAsync(source);
    while (releases.length < 2) await ticks();
    await ticks(5);
    expect(pulled()).toBe(20);
    while (releases.length > 0 || pulled() < 100) {
      releases.shift()?.();
      await ticks(3);
    }
    expect((await consuming).map((o) => o.item)).toEqual(range(100));
  });

  it('stops pulling input on abort, lets running batches finish and ends the stream', async () => {
    const controller = new AbortController();
    const { source, pulled, closed } = countingSource(1_000_000);
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: async (batch) => {
        await ticks();
        return double(batch);
      },
      initialBatchSize: 10,
      adaptive: false,
      maxWorkers: 2,
      signal: controller.signal,
    });
    const seen: number[] = [];
    for await (const batch of processor.stream(source, { parallel: true })) {
      seen.push(...batch.outcomes.map((o) => o.item));
      if (seen.length >= 50) controller.abort();
    }
    const pulledAtAbort = pulled();
    expect(pulledAtAbort).toBeLessThan(200);
    // Everything pulled came back, in order, and the source was released.
    expect(seen).toEqual(range(seen.length));
    expect(seen.length).toBeGreaterThanOrEqual(pulledAtAbort - 1);
    expect(closed()).toBe(true);
  });

  it('releases the source and settles running batches when the consumer stops early', async () => {
    const { source, closed } = countingSource(1_000_000);
    let running = 0;
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: async (batch) => {
        running++;
        await ticks(2);
        running--;
        return double(batch);
      },
      initialBatchSize: 10,
      adaptive: false,
      maxWorkers: 4,
    });
    for await (const batch of processor.stream(source, { parallel: true })) {
      if (batch.batchIndex === 3) break;
    }
    expect(closed()).toBe(true);
    expect(running).toBe(0);
  });

  it('delivers finished batches and then the error when the source fails', async () => {
    // Async with nothing to await: an async source failing is what this test is about.
    // eslint-disable-next-line @typescript-eslint/require-await
    async function* failing(): AsyncGenerator<number> {
      yield* range(25);
      throw new Error('read error');
    }
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: double,
      initialBatchSize: 10,
      adaptive: false,
      maxWorkers: 2,
    });
    const items: number[] = [];
    await expect(
      (async () => {
        for await (const batch of processor.stream(failing(), { parallel: true })) {
          items.push(...batch.outcomes.map((o) => o.item));
        }
      })(),
    ).rejects.toThrow('read error');
    expect(items).toEqual(range(20));
  });
});

describe('AdaptiveBatchProcessor: sizing, memory and stats', () => {
  it('adapts the size to the target duration with an injected clock', async () => {
    const clock = fakeClock();
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: (batch) => {
        clock.advance(100 + 10 * batch.length); // 100 ms fixed, 10 ms per item
        return double(batch);
      },
      initialBatchSize: 20,
      minBatchSize: 10,
      maxBatchSize: 10_000,
      maxWorkers: 1,
      now: clock.now,
    });
    const sizes: number[] = [];
    for await (const batch of processor.stream(range(20_000))) sizes.push(batch.size);
    // (5000 - 100) / 10 = 490 items per batch.
    expect(sizes.slice(0, 4)).toEqual([20, 40, 80, 160]);
    expect(sizes.at(-2)).toBe(490);
    const stats = processor.getStats();
    expect(stats.batchSizes).toMatchObject({ min: 20, max: 490, initial: 20, median: 490 });
    expect(stats.totalDurationMs).toBe(100 * sizes.length + 10 * 20_000);
    expect(stats.itemsPerSecond).toBeCloseTo((20_000 * 1000) / stats.totalDurationMs, 6);
  });

  it('shrinks batches when the injected memory probe reports pressure and records the peaks', async () => {
    let probes = 0;
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: double,
      initialBatchSize: 400,
      minBatchSize: 10,
      maxBatchSize: 1000,
      maxWorkers: 1,
      // Fine after the first batch, then at 90 % of the 1 GiB limit.
      memoryUsage: () => {
        const heapUsed = ++probes === 1 ? 100 : 0.9 * 1024 ** 3;
        return { rss: 2 * heapUsed, heapUsed };
      },
    });
    const sizes: number[] = [];
    for await (const batch of processor.stream(range(3000))) sizes.push(batch.size);
    expect(sizes.slice(0, 5)).toEqual([400, 800, 400, 200, 100]);
    expect(processor.getStats().peakHeapUsedBytes).toBe(0.9 * 1024 ** 3);
    expect(processor.getStats().peakRssBytes).toBe(1.8 * 1024 ** 3);
  });

  it('keeps stats bounded after 10,000 tiny batches', async () => {
    const clock = fakeClock();
    const processor = new AdaptiveBatchProcessor<number, number>({
      processFunc: (batch) => {
        clock.advance(1);
        return double(batch);
      },
      initialBatchSize: 1,
      minBatchSize: 1,
      maxBatchSize: 1,
      maxWorkers: 1,
      now: clock.now,
    });
    await processor.processItems(range(10_000));
    const stats = processor.getStats();
    expect(stats.batchCount).toBe(10_000);
    expect(stats.evolution.length).toBeLessThanOrEqual(MAX_EVOLUTION_POINTS);
    expect(stats.evolution.length).toBeGreaterThan(MAX_EVOLUTION_POINTS / 4);
    expect(stats.evolution.every((p) => p.size === 1 && p.durationMs === 1)).toBe(true);
    const times = stats.evolution.map((p) => p.atMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(JSON.stringify(stats).length).toBeLessThan(64 * 1024);
  });
});

describe('AdaptiveBatchProcessor options', () => {
  it('rejects bad options with what was expected and received', () => {
    expect(() => new AdaptiveBatchProcessor({ processFunc: double, maxWorkers: 0 })).toThrow(
      ConfigurationError,
    );
    expect(() => new AdaptiveBatchProcessor({ processFunc: double, maxWorkers: 0 })).toThrow(
      'AdaptiveBatchProcessor: option maxWorkers: expected an integer from 1 to 1024, got 0',
    );
    expect(() => new AdaptiveBatchProcessor({ processFunc: 'nope' as never })).toThrow(
      /processFunc: expected a function or \{ module, exportName\? \}, got "nope"/,
    );
    expect(() => new AdaptiveBatchProcessor({ processFunc: { module: 'relative.mjs' } })).toThrow(
      /processFunc.module: expected a file: URL or an absolute path, got "relative.mjs"/,
    );
    expect(() => new AdaptiveBatchProcessor({ processFunc: double, onBatchError: 'skip' as never })).toThrow(
      /onBatchError: expected one of 'bisect', 'fail-items', got "skip"/,
    );
    expect(
      () => new AdaptiveBatchProcessor({ processFunc: double, minBatchSize: 500, maxBatchSize: 100 }),
    ).toThrow(/minBatchSize: expected at most maxBatchSize \(100\), got 500/);
  });

  it('rejects a non-iterable input at once', () => {
    const processor = new AdaptiveBatchProcessor<number, number>({ processFunc: double });
    expect(() => processor.stream(42 as never)).toThrow(TypeError);
  });
});
