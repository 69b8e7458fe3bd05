import { describe, expect, it } from 'vitest';
import { BatchProcessingManager } from '../../src/engine/index.js';
import { fakeClock, range, ticks } from './helpers.js';

interface FakeDb {
  rows: number[];
  insert(rows: number[]): Promise<void>;
}

function fakeDb(): FakeDb {
  const db: FakeDb = {
    rows: [],
    async insert(rows) {
      await ticks();
      db.rows.push(...rows);
    },
  };
  return db;
}

describe('BatchProcessingManager', () => {
  it('runs operations through the db the caller closes over and keeps figures per operation', async () => {
    const manager = new BatchProcessingManager<FakeDb>({ db: fakeDb(), maxWorkers: 3 });
    const db = manager.db!;
    // An injected clock: each item costs 1 ms, so every duration below is known exactly.
    const clock = fakeClock(1_000_000);
    const insert = async (batch: number[]): Promise<number[]> => {
      await db.insert(batch);
      clock.advance(batch.length);
      return batch.map(() => 1);
    };
    const first = await manager.processItems({
      items: range(1000),
      operation: 'insert',
      dataSource: 'chembl',
      processFunc: insert,
      now: clock.now,
    });
    clock.advance(60_000); // between calls: no operation's time
    await manager.processItems({
      items: range(500),
      operation: 'insert',
      dataSource: 'chembl',
      processFunc: insert,
      now: clock.now,
    });
    clock.advance(60_000);
    const failing = await manager.processItems({
      items: range(20),
      operation: 'validate',
      processFunc: (batch: number[]) => {
        if (batch.includes(3)) throw new Error('invalid');
        clock.advance(batch.length); // the 19 good items, each in exactly one successful batch
        return batch;
      },
      initialBatchSize: 10,
      minBatchSize: 1,
      now: clock.now,
    });
    expect(first.map((o) => o.item)).toEqual(range(1000));
    expect(db.rows).toHaveLength(1500);
    expect(failing.filter((o) => !o.ok).map((o) => o.item)).toEqual([3]);

    const stats = manager.getStats();
    expect(stats.totalItemsProcessed).toBe(1520);
    expect(stats.totalItemsFailed).toBe(1);
    expect(Object.keys(stats.operations).sort()).toEqual(['insert', 'validate']);
    expect(stats.operations.insert?.totalItemsProcessed).toBe(1500);
    expect(stats.operations.insert?.batchSizes.initial).toBe(500); // ChEMBL's starting point
    expect(stats.operations.validate?.totalItemsFailed).toBe(1);
    // The wall time of the calls, summed per operation and over operations; not the gaps between.
    expect(stats.operations.insert?.totalDurationMs).toBe(1500);
    expect(stats.operations.validate?.totalDurationMs).toBe(19);
    expect(stats.totalDurationMs).toBe(1519);
  });

  it('runs one batch at a time with fixed sizes when parallelism and adaptation are off', async () => {
    let running = 0;
    let maxRunning = 0;
    const manager = new BatchProcessingManager({
      maxWorkers: 4,
      parallelProcessing: false,
      adaptiveBatchSizing: false,
    });
    const outcomes = await manager.processItems({
      items: range(1000),
      operation: 'copy',
      dataSource: 'pubchem',
      initialBatchSize: 64,
      processFunc: async (batch: number[]) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await ticks(2);
        running--;
        return batch;
      },
    });
    expect(outcomes).toHaveLength(1000);
    expect(maxRunning).toBe(1);
    const sizes = manager.getStats().operations.copy?.batchSizes;
    expect(sizes).toMatchObject({ min: 40, max: 64, initial: 64 }); // 15 × 64 + 40
  });

  it('uses up to maxWorkers batches at once in parallel mode', async () => {
    let running = 0;
    let maxRunning = 0;
    const manager = new BatchProcessingManager({ maxWorkers: 3 });
    await manager.processItems({
      items: range(2000),
      operation: 'work',
      initialBatchSize: 20,
      processFunc: async (batch: number[]) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await ticks(2);
        running--;
        return batch;
      },
    });
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(maxRunning).toBeGreaterThan(1);
  });

  it('validates its options and requests', async () => {
    expect(() => new BatchProcessingManager({ parallelProcessing: 'yes' as never })).toThrow(
      /parallelProcessing: expected a boolean, got "yes"/,
    );
    const manager = new BatchProcessingManager();
    await expect(
      manager.processItems({ items: [], operation: '', processFunc: (b: number[]) => b }),
    ).rejects.toThrow(/operation: expected a non-empty string, got ""/);
  });
});
