import { afterEach, describe, expect, it } from 'vitest';
import { AdaptiveBatchProcessor } from '../../src/engine/index.js';
import { range } from './helpers.js';

// Worker threads load plain JavaScript: the fixture is .mjs, never .ts.
const fixture = new URL('../fixtures-engine/worker-funcs.mjs', import.meta.url);

const processors: AdaptiveBatchProcessor<number, unknown>[] = [];
function track<R>(p: AdaptiveBatchProcessor<number, R>): AdaptiveBatchProcessor<number, R> {
  processors.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(processors.splice(0).map((p) => p.close()));
});

describe('worker-pool mode', () => {
  it('runs batches on several threads and keeps input order', async () => {
    const processor = track(
      new AdaptiveBatchProcessor<number, { x: number; threadId: number }>({
        processFunc: { module: fixture, exportName: 'tagWithThread' },
        initialBatchSize: 10,
        adaptive: false,
        maxWorkers: 2,
      }),
    );
    const outcomes = await processor.processItemsParallel(range(200));
    const values = outcomes.map((o) => (o.ok ? o.value : undefined));
    expect(values.map((v) => v?.x)).toEqual(range(200));
    const threads = new Set(values.map((v) => v?.threadId));
    expect(threads.has(0)).toBe(false); // 0 is the main thread
    expect(threads.size).toBeGreaterThanOrEqual(2);
    expect(processor.getStats().peakHeapUsedBytes).toBeGreaterThan(0);
  });

  it('loads the default export from a path, and isolates bad items with the worker error intact', async () => {
    const doubler = track(
      new AdaptiveBatchProcessor<number, number>({
        processFunc: { module: fixture.pathname },
        maxWorkers: 2,
      }),
    );
    expect((await doubler.processItems([1, 2, 3])).map((o) => (o.ok ? o.value : null))).toEqual([2, 4, 6]);

    const codes: unknown[] = [];
    const processor = track(
      new AdaptiveBatchProcessor<number, number>({
        processFunc: { module: fixture.href, exportName: 'failOnSeven' },
        initialBatchSize: 16,
        minBatchSize: 1,
        maxWorkers: 2,
        isTransient: (error) => {
          codes.push((error as Error & { code?: unknown }).code);
          return false;
        },
      }),
    );
    const outcomes = await processor.processItemsParallel(range(100, 1));
    for (const outcome of outcomes) {
      if (outcome.item % 7 === 0) {
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) expect(outcome.error.message).toBe(`bad item ${outcome.item}`);
      } else {
        expect(outcome.ok && outcome.value).toBe(outcome.item * 2);
      }
    }
    // The error's own fields survive the trip from the worker, so isTransient can look at codes.
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((c) => c === 'BAD_ITEM')).toBe(true);
  });

  it('reports a missing export as item failures, not a crash', async () => {
    const processor = track(
      new AdaptiveBatchProcessor<number, number>({
        processFunc: { module: fixture, exportName: 'noSuchExport' },
        initialBatchSize: 10,
        maxWorkers: 1,
        onBatchError: 'fail-items',
      }),
    );
    const outcomes = await processor.processItems([1, 2]);
    expect(outcomes.every((o) => !o.ok && /no exported function "noSuchExport"/.test(o.error.message))).toBe(
      true,
    );
  });
});
