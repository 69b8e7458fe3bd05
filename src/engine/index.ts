// The batch engine's public face. Generic: nothing here knows about molecules, files or databases.
export type {
  BatchInfo,
  BatchLimits,
  BatchResult,
  BatchSample,
  BatchSizingStrategy,
  ItemOutcome,
  ProcessFunc,
  WorkerProcessFunc,
} from './batch-types.js';
export type {
  BatchErrorMode,
  ManagerOptions,
  ProcessorOptions,
  StrategyConfig,
  StrategyOptions,
} from './options.js';
export {
  MAX_BATCH_SIZE_LIMIT,
  MAX_WORKERS_LIMIT,
  PROCESSOR_DEFAULTS,
  STRATEGY_DEFAULTS,
  fillStrategyOptions,
} from './options.js';
export type { CostModel, CostPoint } from './cost-model.js';
export { fitCostModel, predictDurationMs, sizeForDuration } from './cost-model.js';
export type { BatchDecision, DecisionReason } from './batch-strategy.js';
export { BatchProcessingStrategy, decideNextBatch, decideNextBatchSize } from './batch-strategy.js';
export type { ChemicalDataSource, ChemicalStrategyOptions, SourceProfile } from './chemical-strategy.js';
export { ChemicalDataBatchStrategy, SOURCE_PROFILES } from './chemical-strategy.js';
export type { RetryPolicy, RetryResult } from '../retry.js';
export { backoffDelayMs, withRetry } from '../retry.js';
export { BatchResultLengthError } from './bisect.js';
export type { BatchSizeSummary, EngineStats, EvolutionPoint } from './stats.js';
export { MAX_EVOLUTION_POINTS } from './stats.js';
export type { BatchStreamOptions } from './batch-stream.js';
export { batchStream } from './batch-stream.js';
export type { ItemSource, StreamOptions } from './processor.js';
export { AdaptiveBatchProcessor } from './processor.js';
export type { ManagerStats, ProcessRequest } from './manager.js';
export { BatchProcessingManager } from './manager.js';
