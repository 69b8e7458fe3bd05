/**
 * The data that crosses the engine's boundary: what a process function receives and returns, and
 * what each batch reports. Other layers depend on these names.
 */

/** What a process function is told about the batch it is given. */
export interface BatchInfo {
  /** 0-based index of the batch in input order (sub-batches of a bisected batch keep it). */
  batchIndex: number;
  /** 1-based attempt number for this exact set of items (retries count up). */
  attempt: number;
  /** Number of items in this call. */
  size: number;
}

/**
 * Processes one batch. Must return exactly one result per item, in the items' order; a result array
 * of any other length is treated as a failure of the whole batch.
 */
export type ProcessFunc<T, R> = (batch: T[], info: BatchInfo) => R[] | Promise<R[]>;

/**
 * A process function that runs in worker threads: a plain JavaScript module (`.js`/`.mjs`, not
 * `.ts` — workers load built code) exporting a {@link ProcessFunc}. Items and results must be
 * structured-cloneable.
 */
export interface WorkerProcessFunc {
  /** Absolute path or `file:` URL of the module. */
  module: string | URL;
  /**
   * Name of the exported function.
   * @default 'default'
   */
  exportName?: string;
}

/** The fate of one input item. A bad item is data, not an exception. */
export type ItemOutcome<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: Error };

/** One batch as the stream yields it, in input order. */
export interface BatchResult<T, R> {
  batchIndex: number;
  /** One outcome per input item of the batch, in input order. */
  outcomes: ItemOutcome<T, R>[];
  size: number;
  /** Wall time of the batch including retries, backoff and bisection. */
  durationMs: number;
  /** Calls of the process function spent on this batch (1 when it succeeded at once). */
  attempts: number;
  /** Items of this batch that ended as failures. */
  failed: number;
  /** The size the strategy chose after this batch. */
  nextBatchSize: number;
}

/** One observation the sizing strategy learns from. */
export interface BatchSample {
  /** Items in the batch. */
  size: number;
  durationMs: number;
  /** Heap in use after the batch (in the worker thread that ran it, in pool mode). */
  memoryBytes: number;
  /** Items of the batch that failed. */
  failed: number;
  /**
   * Total weight of the batch in "typical item" units, when the strategy weighs items; the cost
   * model then fits time against weight instead of count.
   */
  weight?: number;
}

/** How the next batch is cut: at most `maxItems` items and (after the first item) `maxWeight`. */
export interface BatchLimits {
  maxItems: number;
  maxWeight: number;
}

/**
 * What the processor needs from a sizing strategy. {@link BatchProcessingStrategy} and
 * {@link ChemicalDataBatchStrategy} implement it; callers may supply their own.
 */
export interface BatchSizingStrategy<T = unknown> {
  /** Learn from a finished batch. */
  recordSample(sample: BatchSample): void;
  /** Items (or weight units, for weighing strategies) for the next batch. */
  nextBatchSize(): number;
  /** Count and weight limits for the next batch; defaults to `{ maxItems: nextBatchSize(), maxWeight: Infinity }`. */
  nextBatchLimits?(): BatchLimits;
  /** Weight of one item in "typical item" units; absent means every item weighs 1. */
  itemWeight?(item: T): number;
}
