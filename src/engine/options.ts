import { availableParallelism } from 'node:os';
import type { BatchSizingStrategy, ProcessFunc, WorkerProcessFunc } from './batch-types.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkSizeRange,
  fail,
} from './validate.js';

/**
 * Option types, their defaults (one object each, merged once) and their validation. Every limit
 * documented here is enforced in the matching `fill*` function.
 */

/** Largest batch size any option accepts. */
export const MAX_BATCH_SIZE_LIMIT = 10_000_000;
/** Largest worker/concurrency count any option accepts. */
export const MAX_WORKERS_LIMIT = 1024;

/**
 * What a failing batch does once retries are spent: `bisect` splits it to isolate the bad items (the
 * good ones are written), `fail-items` reports every item of the batch as failed.
 */
export type BatchErrorMode = 'bisect' | 'fail-items';

/** Options of {@link BatchProcessingStrategy}. */
export interface StrategyOptions {
  /** First batch size. Integer in [minBatchSize, maxBatchSize]. @default 100 */
  initialBatchSize?: number;
  /** Smallest batch size the strategy will choose. Integer ≥ 1. @default 10 */
  minBatchSize?: number;
  /** Largest batch size the strategy will choose. Integer ≤ 10,000,000. @default 1000 */
  maxBatchSize?: number;
  /** Duration one batch should take; the cost model aims at it. 1 ms to 1 h. @default 5000 */
  targetDurationMs?: number;
  /** Memory budget for the heap that runs batches. At least 1 MiB. @default 1 GiB */
  memoryLimitBytes?: number;
  /** Fraction of `memoryLimitBytes` above which batches shrink. In (0, 1]. @default 0.8 */
  memoryHighWater?: number;
  /** Largest growth from one batch to the next, as a factor. In (1, 100]. @default 2 */
  maxGrowthFactor?: number;
  /** Factor applied when shrinking for memory or errors. In (0, 1). @default 0.5 */
  shrinkFactor?: number;
  /** Error rate (failed items / items) of recent batches above which, if rising, batches shrink. In [0, 1]. @default 0.05 */
  errorRateThreshold?: number;
  /** Number of recent samples the cost model is fitted on. Integer in [2, 1000]. @default 20 */
  window?: number;
  /** Weight of each older sample relative to the next newer one in the fit. In (0, 1]. @default 0.7 */
  recencyDecay?: number;
  /** When false, every batch has `initialBatchSize` items. @default true */
  adaptive?: boolean;
  /** Receives a debug line per decision. @default silent */
  logger?: Logger;
}

/** {@link StrategyOptions} with every default applied and checked. */
export interface StrategyConfig {
  initialBatchSize: number;
  minBatchSize: number;
  maxBatchSize: number;
  targetDurationMs: number;
  memoryLimitBytes: number;
  memoryHighWater: number;
  maxGrowthFactor: number;
  shrinkFactor: number;
  errorRateThreshold: number;
  window: number;
  recencyDecay: number;
  adaptive: boolean;
}

/** The defaults {@link BatchProcessingStrategy} fills in for options not given (frozen). */
export const STRATEGY_DEFAULTS: Readonly<StrategyConfig> = Object.freeze({
  initialBatchSize: 100,
  minBatchSize: 10,
  maxBatchSize: 1000,
  targetDurationMs: 5000,
  memoryLimitBytes: 1024 ** 3,
  memoryHighWater: 0.8,
  maxGrowthFactor: 2,
  shrinkFactor: 0.5,
  errorRateThreshold: 0.05,
  window: 20,
  recencyDecay: 0.7,
  adaptive: true,
});

type SizeRange = { minBatchSize: number; maxBatchSize: number; initialBatchSize: number };

/** The three batch-size options, each checked, with the defaults given; their order is checked by the caller. */
function fillSizeRange(owner: string, options: Partial<SizeRange>, d: SizeRange): SizeRange {
  const size = (name: keyof SizeRange): number =>
    checkInteger(owner, name, options[name] ?? d[name], 1, MAX_BATCH_SIZE_LIMIT);
  return {
    minBatchSize: size('minBatchSize'),
    maxBatchSize: size('maxBatchSize'),
    initialBatchSize: size('initialBatchSize'),
  };
}

export function fillStrategyOptions(owner: string, options: StrategyOptions = {}): StrategyConfig {
  const d = STRATEGY_DEFAULTS;
  const { minBatchSize, maxBatchSize, initialBatchSize } = fillSizeRange(owner, options, d);
  checkSizeRange(owner, minBatchSize, initialBatchSize, maxBatchSize);
  return {
    initialBatchSize,
    minBatchSize,
    maxBatchSize,
    targetDurationMs: checkNumber(
      owner,
      'targetDurationMs',
      options.targetDurationMs ?? d.targetDurationMs,
      1,
      3_600_000,
    ),
    memoryLimitBytes: checkNumber(
      owner,
      'memoryLimitBytes',
      options.memoryLimitBytes ?? d.memoryLimitBytes,
      1024 ** 2,
      Number.MAX_SAFE_INTEGER,
    ),
    memoryHighWater: checkNumber(
      owner,
      'memoryHighWater',
      options.memoryHighWater ?? d.memoryHighWater,
      0,
      1,
      true,
    ),
    maxGrowthFactor: checkNumber(
      owner,
      'maxGrowthFactor',
      options.maxGrowthFactor ?? d.maxGrowthFactor,
      1,
      100,
      true,
    ),
    shrinkFactor: checkShrinkFactor(owner, options.shrinkFactor ?? d.shrinkFactor),
    errorRateThreshold: checkNumber(
      owner,
      'errorRateThreshold',
      options.errorRateThreshold ?? d.errorRateThreshold,
      0,
      1,
    ),
    window: checkInteger(owner, 'window', options.window ?? d.window, 2, 1000),
    recencyDecay: checkNumber(owner, 'recencyDecay', options.recencyDecay ?? d.recencyDecay, 0, 1, true),
    adaptive: checkBoolean(owner, 'adaptive', options.adaptive ?? d.adaptive),
  };
}

function checkShrinkFactor(owner: string, value: unknown): number {
  const n = checkNumber(owner, 'shrinkFactor', value, 0, 1, true);
  if (n >= 1) fail(owner, 'shrinkFactor', 'a finite number greater than 0 and less than 1', value);
  return n;
}

/** Options of {@link AdaptiveBatchProcessor}. */
export interface ProcessorOptions<T, R> {
  /**
   * The work: an in-process function (right for I/O such as database writes) or a module run in a
   * pool of `maxWorkers` worker threads (right for CPU-bound work).
   */
  processFunc: ProcessFunc<T, R> | WorkerProcessFunc;
  /** First batch size of the default strategy. Integer in [minBatchSize, maxBatchSize]. @default 100 */
  initialBatchSize?: number;
  /** Smallest batch size of the default strategy. Integer ≥ 1. @default 10 */
  minBatchSize?: number;
  /** Largest batch size of the default strategy. Integer ≤ 10,000,000. @default 1000 */
  maxBatchSize?: number;
  /** Batches run at once by the parallel methods, and worker threads in pool mode. Integer in [1, 1024]. @default os.availableParallelism() */
  maxWorkers?: number;
  /** Decides batch sizes; when given, the three size options above are not used. @default a BatchProcessingStrategy built from them */
  strategy?: BatchSizingStrategy<T>;
  /** Receives a debug line per batch. @default silent */
  logger?: Logger;
  /** Retries of a batch that failed with a transient error, before it is bisected. Integer in [0, 100]. @default 5 */
  maxRetries?: number;
  /** Backoff base: the n-th retry waits a random time up to `retryBaseDelayMs × 2^(n-1)`. 0 to 1 h. @default 100 */
  retryBaseDelayMs?: number;
  /** Cap on one backoff wait. At least retryBaseDelayMs, at most 1 h. @default 10_000 */
  retryMaxDelayMs?: number;
  /** Which errors are worth retrying (connection loss, serialization failure...). @default () => false */
  isTransient?: (error: Error) => boolean;
  /** What a non-transient batch failure does: split to isolate bad items, or fail every item of the batch. @default 'bisect' */
  onBatchError?: BatchErrorMode;
  /** Adapt batch sizes; when false every batch has `initialBatchSize` items. Ignored when `strategy` is given. @default true */
  adaptive?: boolean;
  /** Finished batches allowed to wait for a slow consumer, beyond the `maxWorkers` running. Integer in [0, 10,000]. @default maxWorkers */
  maxQueuedBatches?: number;
  /**
   * Batches' worth of items pulled ahead while all `maxWorkers` batches run, so that reading and
   * parsing the input overlap the running batches and a freed slot starts the next batch at once.
   * Batches are still cut at start with the latest size decision. Each costs one more batch of items
   * in memory. Integer in [0, 16]. @default 1
   */
  readAheadBatches?: number;
  /** On abort: stop pulling input, let running batches finish, end the stream. @default none */
  signal?: AbortSignal;
  /** Memory probe, injectable for tests. @default process.memoryUsage */
  memoryUsage?: () => { rss: number; heapUsed: number };
  /** Clock in ms, injectable for tests. @default performance.now */
  now?: () => number;
  /** Backoff wait, injectable for tests. @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1), injectable for tests. @default Math.random */
  random?: () => number;
}

export interface FilledProcessorOptions<T, R> {
  processFunc: ProcessFunc<T, R> | WorkerProcessFunc;
  initialBatchSize: number;
  minBatchSize: number;
  maxBatchSize: number;
  maxWorkers: number;
  strategy: BatchSizingStrategy<T> | undefined;
  logger: Logger;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  isTransient: (error: Error) => boolean;
  onBatchError: BatchErrorMode;
  adaptive: boolean;
  maxQueuedBatches: number;
  readAheadBatches: number;
  signal: AbortSignal | undefined;
  memoryUsage: () => { rss: number; heapUsed: number };
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** The defaults {@link AdaptiveBatchProcessor} fills in for options not given (frozen). */
export const PROCESSOR_DEFAULTS = Object.freeze({
  initialBatchSize: 100,
  minBatchSize: 10,
  maxBatchSize: 1000,
  maxRetries: 5,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 10_000,
  onBatchError: 'bisect',
  adaptive: true,
});

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function fillProcessorOptions<T, R>(options: ProcessorOptions<T, R>): FilledProcessorOptions<T, R> {
  const owner = 'AdaptiveBatchProcessor';
  if (options === null || typeof options !== 'object') fail(owner, 'options', 'an object', options);
  const d = PROCESSOR_DEFAULTS;
  checkProcessFunc(owner, options.processFunc);
  const { minBatchSize, maxBatchSize, initialBatchSize } = fillSizeRange(owner, options, d);
  checkSizeRange(owner, minBatchSize, initialBatchSize, maxBatchSize);
  const maxWorkers = checkInteger(
    owner,
    'maxWorkers',
    options.maxWorkers ?? availableParallelism(),
    1,
    MAX_WORKERS_LIMIT,
  );
  const retryBaseDelayMs = checkNumber(
    owner,
    'retryBaseDelayMs',
    options.retryBaseDelayMs ?? d.retryBaseDelayMs,
    0,
    3_600_000,
  );
  const retryMaxDelayMs = checkNumber(
    owner,
    'retryMaxDelayMs',
    options.retryMaxDelayMs ?? Math.max(d.retryMaxDelayMs, retryBaseDelayMs),
    retryBaseDelayMs,
    3_600_000,
  );
  if (options.strategy !== undefined) checkStrategy(owner, options.strategy);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    fail(owner, 'signal', 'an AbortSignal', options.signal);
  }
  return {
    processFunc: options.processFunc,
    initialBatchSize,
    minBatchSize,
    maxBatchSize,
    maxWorkers,
    strategy: options.strategy,
    logger: checkLogger(owner, options.logger),
    maxRetries: checkInteger(owner, 'maxRetries', options.maxRetries ?? d.maxRetries, 0, 100),
    retryBaseDelayMs,
    retryMaxDelayMs,
    isTransient: checkFunction(owner, 'isTransient', options.isTransient ?? (() => false)),
    onBatchError: checkOneOf(owner, 'onBatchError', options.onBatchError ?? d.onBatchError, [
      'bisect',
      'fail-items',
    ]),
    adaptive: checkBoolean(owner, 'adaptive', options.adaptive ?? d.adaptive),
    maxQueuedBatches: checkInteger(
      owner,
      'maxQueuedBatches',
      options.maxQueuedBatches ?? maxWorkers,
      0,
      10_000,
    ),
    readAheadBatches: checkInteger(owner, 'readAheadBatches', options.readAheadBatches ?? 1, 0, 16),
    signal: options.signal,
    memoryUsage: checkFunction(owner, 'memoryUsage', options.memoryUsage ?? (() => process.memoryUsage())),
    now: checkFunction(owner, 'now', options.now ?? (() => performance.now())),
    sleep: checkFunction(owner, 'sleep', options.sleep ?? defaultSleep),
    random: checkFunction(owner, 'random', options.random ?? Math.random),
  };
}

function checkProcessFunc(owner: string, value: unknown): void {
  if (typeof value === 'function') return;
  if (value !== null && typeof value === 'object' && 'module' in value) {
    const { module, exportName } = value as WorkerProcessFunc;
    if (!(module instanceof URL) && typeof module !== 'string') {
      fail(owner, 'processFunc.module', 'a file URL or an absolute path', module);
    }
    if (exportName !== undefined && (typeof exportName !== 'string' || exportName === '')) {
      fail(owner, 'processFunc.exportName', 'a non-empty string', exportName);
    }
    return;
  }
  fail(owner, 'processFunc', 'a function or { module, exportName? }', value);
}

function checkStrategy(owner: string, value: unknown): void {
  const s = value as Partial<BatchSizingStrategy> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    typeof s.nextBatchSize !== 'function' ||
    typeof s.recordSample !== 'function'
  ) {
    fail(owner, 'strategy', 'an object with nextBatchSize() and recordSample()', value);
  }
}

export function checkLogger(owner: string, value: unknown): Logger {
  if (value === undefined) return silentLogger;
  if (!isLogger(value)) fail(owner, 'logger', 'an object with debug, info, warn and error methods', value);
  return value;
}

function isLogger(value: unknown): value is Logger {
  const methods = ['debug', 'info', 'warn', 'error'] as const;
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof Reflect.get(value, m) === 'function')
  );
}

/** Options of {@link BatchProcessingManager}. `TDb` is opaque to the engine: it is stored, never used. */
export interface ManagerOptions<TDb = unknown> {
  /** The database operations object callers close over in their process functions; exposed as `manager.db`. @default undefined */
  db?: TDb;
  /** Batches (or worker threads) run at once. Integer in [1, 1024]. @default os.availableParallelism() */
  maxWorkers?: number;
  /** Adapt batch sizes; when false every batch has the initial size. @default true */
  adaptiveBatchSizing?: boolean;
  /** Run up to `maxWorkers` batches at once; when false, one at a time. @default true */
  parallelProcessing?: boolean;
  /** Receives a debug line per batch and decision. @default silent */
  logger?: Logger;
}

export interface FilledManagerOptions<TDb> {
  db: TDb | undefined;
  maxWorkers: number;
  adaptiveBatchSizing: boolean;
  parallelProcessing: boolean;
  logger: Logger;
}

export function fillManagerOptions<TDb>(options: ManagerOptions<TDb> = {}): FilledManagerOptions<TDb> {
  const owner = 'BatchProcessingManager';
  return {
    db: options.db,
    maxWorkers: checkInteger(
      owner,
      'maxWorkers',
      options.maxWorkers ?? availableParallelism(),
      1,
      MAX_WORKERS_LIMIT,
    ),
    adaptiveBatchSizing: checkBoolean(owner, 'adaptiveBatchSizing', options.adaptiveBatchSizing ?? true),
    parallelProcessing: checkBoolean(owner, 'parallelProcessing', options.parallelProcessing ?? true),
    logger: checkLogger(owner, options.logger),
  };
}
