import { BatchProcessingStrategy } from './batch-strategy.js';
import type { BatchInfo, BatchResult, BatchSizingStrategy, ItemOutcome, ProcessFunc } from './batch-types.js';
import { runWithRecovery } from './bisect.js';
import type { SliceRunner } from './bisect.js';
import { batchStream } from './batch-stream.js';
import { fillProcessorOptions } from './options.js';
import type { FilledProcessorOptions, ProcessorOptions } from './options.js';
import type { RetryPolicy } from '../retry.js';
import { StatsCollector } from './stats.js';
import type { EngineStats } from './stats.js';
import { WorkerPool } from './worker-pool.js';

/** Options of {@link AdaptiveBatchProcessor.stream}. */
export interface StreamOptions {
  /** Run up to `maxWorkers` batches at once; otherwise one at a time. @default false */
  parallel?: boolean;
}

export type ItemSource<T> = Iterable<T> | AsyncIterable<T>;

function isItemSource(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    (typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function' ||
      typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function')
  );
}

/**
 * Runs a process function over any number of items in adaptively sized batches, in process or in
 * a worker-thread pool, one batch at a time or up to `maxWorkers` at once. Results always come back
 * in input order, one outcome per item; a failing batch is retried or bisected, never thrown.
 *
 * Options and their defaults and limits: {@link ProcessorOptions} (`initialBatchSize` 100,
 * `minBatchSize` 10, `maxBatchSize` 1,000 — at most `MAX_BATCH_SIZE_LIMIT` — and `maxWorkers` the
 * CPU count, at most `MAX_WORKERS_LIMIT`; see `PROCESSOR_DEFAULTS`).
 *
 * @throws {ConfigurationError} from the constructor, at once, for an invalid option (code
 *   `MOLIMPORT_CONFIG`; the message names the option, what was expected and what was received).
 * @throws {BatchResultLengthError} (as an item's failure, not thrown) when `processFunc` returns a
 *   number of results other than the batch's size.
 */
export class AdaptiveBatchProcessor<T, R> {
  readonly strategy: BatchSizingStrategy<T>;
  private readonly options: FilledProcessorOptions<T, R>;
  private readonly stats: StatsCollector;
  private readonly pool: WorkerPool<T, R> | undefined;
  private readonly retryPolicy: RetryPolicy;

  constructor(options: ProcessorOptions<T, R>) {
    const o = fillProcessorOptions(options);
    this.options = o;
    this.strategy =
      o.strategy ??
      new BatchProcessingStrategy<T>({
        initialBatchSize: o.initialBatchSize,
        minBatchSize: o.minBatchSize,
        maxBatchSize: o.maxBatchSize,
        adaptive: o.adaptive,
        logger: o.logger,
      });
    this.pool =
      typeof o.processFunc === 'function' ? undefined : new WorkerPool<T, R>(o.processFunc, o.maxWorkers);
    this.stats = new StatsCollector(o.now);
    this.retryPolicy = {
      maxRetries: o.maxRetries,
      baseDelayMs: o.retryBaseDelayMs,
      maxDelayMs: o.retryMaxDelayMs,
      isTransient: o.isTransient,
      sleep: o.sleep,
      random: o.random,
    };
  }

  /** Arrays, one batch at a time. */
  processItems(items: T[]): Promise<ItemOutcome<T, R>[]> {
    return this.collect(items, false);
  }

  /** Arrays, up to `maxWorkers` batches at once. */
  processItemsParallel(items: T[]): Promise<ItemOutcome<T, R>[]> {
    return this.collect(items, true);
  }

  /** Any (async) iterable, one batch at a time. */
  processItemsAsync(items: ItemSource<T>): Promise<ItemOutcome<T, R>[]> {
    return this.collect(items, false);
  }

  /** Any (async) iterable, up to `maxWorkers` batches at once. */
  processItemsParallelAsync(items: ItemSource<T>): Promise<ItemOutcome<T, R>[]> {
    return this.collect(items, true);
  }

  /**
   * Batch results in input order, for inputs of any length with flat memory: at most `maxWorkers`
   * batches run and `maxQueuedBatches` more wait for a slow consumer; beyond that no input is pulled.
   * Stopping the iteration early lets running batches finish and releases the input.
   */
  stream(items: ItemSource<T>, options: StreamOptions = {}): AsyncIterable<BatchResult<T, R>> {
    if (!isItemSource(items))
      throw new TypeError('items: expected an array, an iterable or an async iterable');
    return this.run(items, options.parallel === true);
  }

  getStats(): EngineStats {
    return this.stats.snapshot();
  }

  /** Terminate the worker pool, if any. The processor can still be used; a new pool starts on demand. */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  private async collect(items: ItemSource<T>, parallel: boolean): Promise<ItemOutcome<T, R>[]> {
    const outcomes: ItemOutcome<T, R>[] = [];
    for await (const batch of this.stream(items, { parallel })) {
      for (const outcome of batch.outcomes) outcomes.push(outcome);
    }
    return outcomes;
  }

  private async *run(
    items: ItemSource<T>,
    parallel: boolean,
  ): AsyncGenerator<BatchResult<T, R>, void, undefined> {
    const o = this.options;
    const strategy = this.strategy;
    const weighs = typeof strategy.itemWeight === 'function';
    this.stats.beginRun();
    try {
      yield* batchStream<T, R>({
        source: items,
        concurrency: parallel ? o.maxWorkers : 1,
        maxQueuedBatches: o.maxQueuedBatches,
        readAhead: o.readAheadBatches,
        limits: () =>
          strategy.nextBatchLimits?.() ?? { maxItems: strategy.nextBatchSize(), maxWeight: Infinity },
        itemWeight: weighs
          ? (item) => (strategy.itemWeight as (item: T) => number).call(strategy, item)
          : undefined,
        runBatch: (batch, index, weight) => this.runBatch(batch, index, weighs ? weight : undefined),
        signal: o.signal,
      });
    } finally {
      this.stats.endRun();
    }
  }

  private async runBatch(
    items: T[],
    batchIndex: number,
    weight: number | undefined,
  ): Promise<BatchResult<T, R>> {
    const o = this.options;
    const started = o.now();
    let workerHeap = 0;
    const pool = this.pool;
    const runSlice: SliceRunner<T, R> = pool
      ? async (slice, attempt) => {
          const reply = await pool.run(slice, { batchIndex, attempt, size: slice.length });
          workerHeap = Math.max(workerHeap, reply.heapUsed);
          if (!reply.ok) throw reply.error;
          return reply.results;
        }
      : async (slice, attempt) => {
          const info: BatchInfo = { batchIndex, attempt, size: slice.length };
          return await (o.processFunc as ProcessFunc<T, R>)(slice, info);
        };
    const { outcomes, attempts, failed } = await runWithRecovery(
      items,
      runSlice,
      this.retryPolicy,
      o.onBatchError,
    );
    const durationMs = Math.max(0, o.now() - started);
    const memory = o.memoryUsage();
    this.stats.recordMemory(memory.rss, Math.max(memory.heapUsed, workerHeap));
    // Heap of the isolate that ran the batch: the worker's in pool mode, ours otherwise.
    const memoryBytes = pool ? workerHeap : memory.heapUsed;
    this.strategy.recordSample({ size: items.length, durationMs, memoryBytes, failed, weight });
    this.stats.recordBatch(items.length, failed, durationMs);
    const nextBatchSize = this.strategy.nextBatchSize();
    o.logger.debug(
      { batchIndex, size: items.length, durationMs, attempts, failed, nextBatchSize },
      'batch done',
    );
    return { batchIndex, outcomes, size: items.length, durationMs, attempts, failed, nextBatchSize };
  }
}
