import type { BatchResult, ItemOutcome, ProcessFunc, WorkerProcessFunc } from './batch-types.js';
import { ChemicalDataBatchStrategy } from './chemical-strategy.js';
import type { ChemicalDataSource, ChemicalStrategyOptions } from './chemical-strategy.js';
import { fillManagerOptions } from './options.js';
import type { FilledManagerOptions, ManagerOptions, ProcessorOptions } from './options.js';
import { AdaptiveBatchProcessor } from './processor.js';
import type { ItemSource } from './processor.js';
import { mergeStats } from './stats.js';
import type { EngineStats } from './stats.js';
import { fail } from './validate.js';

/**
 * Runs named operations (e.g. "insert-molecules") through adaptive processors, choosing the
 * strategy from the data source and the mode from the manager's flags, and keeps figures per
 * operation. The `db` is opaque here: callers close over it in their process functions.
 */

/** One operation for {@link BatchProcessingManager.processItems}. */
export interface ProcessRequest<T, R>
  extends
    Omit<ChemicalStrategyOptions, 'logger' | 'adaptive'>,
    Pick<
      ProcessorOptions<T, R>,
      | 'maxRetries'
      | 'retryBaseDelayMs'
      | 'retryMaxDelayMs'
      | 'isTransient'
      | 'onBatchError'
      | 'maxQueuedBatches'
      | 'readAheadBatches'
      | 'signal'
      | 'memoryUsage'
      | 'now'
      | 'sleep'
      | 'random'
    > {
  items: ItemSource<T>;
  /** Name under which the figures are kept in `getStats().operations`. Non-empty. */
  operation: string;
  /** @default 'generic' */
  dataSource?: ChemicalDataSource;
  processFunc: ProcessFunc<T, R> | WorkerProcessFunc;
}

export interface ManagerStats {
  totalItemsProcessed: number;
  totalItemsFailed: number;
  /** Sum of the wall times of all `processItems` / `streamItems` calls. */
  totalDurationMs: number;
  operations: Record<string, EngineStats>;
}

/**
 * Runs named operations through adaptive processors and keeps their figures: each
 * {@link BatchProcessingManager.processItems} call gets a {@link ChemicalDataBatchStrategy} for its
 * `dataSource` and an {@link AdaptiveBatchProcessor}, and its stats are merged into
 * `getStats().operations[operation]`.
 *
 * Options ({@link ManagerOptions}): `db` (opaque, for process functions to close over), `maxWorkers`
 * (default the CPU count, 1–`MAX_WORKERS_LIMIT`), `adaptiveBatchSizing` (default true),
 * `parallelProcessing` (default true), `logger` (default silent).
 *
 * @throws {ConfigurationError} from the constructor for an invalid option, and from `processItems`
 *   for an invalid request (no `operation`, bad sizes), before any item is read.
 */
export class BatchProcessingManager<TDb = unknown> {
  private readonly options: FilledManagerOptions<TDb>;
  private readonly operations = new Map<string, EngineStats>();

  constructor(options: ManagerOptions<TDb> = {}) {
    this.options = fillManagerOptions(options);
  }

  /** The database operations object given at construction, for process functions to close over. */
  get db(): TDb | undefined {
    return this.options.db;
  }

  /** Process every item; outcomes in input order, one per item. */
  async processItems<T, R>(request: ProcessRequest<T, R>): Promise<ItemOutcome<T, R>[]> {
    const outcomes: ItemOutcome<T, R>[] = [];
    for await (const batch of this.streamItems(request)) {
      for (const outcome of batch.outcomes) outcomes.push(outcome);
    }
    return outcomes;
  }

  /** The flat-memory form of {@link processItems}: batch results in input order. */
  async *streamItems<T, R>(
    request: ProcessRequest<T, R>,
  ): AsyncGenerator<BatchResult<T, R>, void, undefined> {
    const processor = this.createProcessor(request);
    try {
      yield* processor.stream(request.items, { parallel: this.options.parallelProcessing });
    } finally {
      const previous = this.operations.get(request.operation);
      const latest = processor.getStats();
      this.operations.set(request.operation, previous ? mergeStats(previous, latest) : latest);
      await processor.close();
    }
  }

  /** Totals over every operation run so far, and each operation's merged engine stats (copies). */
  getStats(): ManagerStats {
    let items = 0;
    let failed = 0;
    let durationMs = 0;
    const operations: Record<string, EngineStats> = {};
    for (const [name, stats] of this.operations) {
      items += stats.totalItemsProcessed;
      failed += stats.totalItemsFailed;
      durationMs += stats.totalDurationMs;
      operations[name] = structuredClone(stats);
    }
    return { totalItemsProcessed: items, totalItemsFailed: failed, totalDurationMs: durationMs, operations };
  }

  private createProcessor<T, R>(request: ProcessRequest<T, R>): AdaptiveBatchProcessor<T, R> {
    const owner = 'BatchProcessingManager.processItems';
    if (request === null || typeof request !== 'object') fail(owner, 'request', 'an object', request);
    if (typeof request.operation !== 'string' || request.operation === '') {
      fail(owner, 'operation', 'a non-empty string', request.operation);
    }
    const { items: _items, operation: _operation, processFunc, ...rest } = request;
    const strategy = new ChemicalDataBatchStrategy<T>({
      ...rest,
      adaptive: this.options.adaptiveBatchSizing,
      logger: this.options.logger,
    });
    return new AdaptiveBatchProcessor<T, R>({
      processFunc,
      strategy,
      maxWorkers: this.options.maxWorkers,
      logger: this.options.logger,
      maxRetries: request.maxRetries,
      retryBaseDelayMs: request.retryBaseDelayMs,
      retryMaxDelayMs: request.retryMaxDelayMs,
      isTransient: request.isTransient,
      onBatchError: request.onBatchError,
      maxQueuedBatches: request.maxQueuedBatches,
      readAheadBatches: request.readAheadBatches,
      signal: request.signal,
      memoryUsage: request.memoryUsage,
      now: request.now,
      sleep: request.sleep,
      random: request.random,
    });
  }
}
