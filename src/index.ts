/**
 * molimport's public API: what README.md and docs/library.md name. The batch engine is generic; the
 * rest is the import pipeline (sources → parse → transform → sink) and `runImport`, which the CLI
 * itself uses.
 *
 * Everything a program needs is exported from here; deep imports (`molimport/dist/...`) are not
 * part of the API. Every error thrown on purpose is a {@link MolimportError} with a stable `code`.
 */
// Errors: MolimportError and its subclasses, the ErrorCode union, the EXIT_* codes.
export {
  ChemistryError,
  ConfigurationError,
  DatabaseError,
  DeleteGuardError,
  ErrorLimitError,
  EXIT_ERROR_LIMIT,
  EXIT_FATAL,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  InputError,
  InterruptedError,
  LeaseLostError,
  LockLostError,
  MolimportError,
  OutputError,
  ParseError,
  ResumeError,
  TableLockedError,
  UsageError,
} from './errors.js';
export type { ConfigurationErrorCode, DatabaseErrorCode, ErrorCode, InputErrorCode } from './errors.js';
// Records, rows and rejects as the readers and transforms give them.
export type * from './types.js';

// The one logger interface every layer takes (pino fits); silent unless given.
export { silentLogger, type Logger } from './logger.js';

// The adaptive batch engine.
export {
  AdaptiveBatchProcessor,
  BatchProcessingManager,
  BatchProcessingStrategy,
  BatchResultLengthError,
  ChemicalDataBatchStrategy,
  decideNextBatch,
  decideNextBatchSize,
  fitCostModel,
  MAX_BATCH_SIZE_LIMIT,
  MAX_EVOLUTION_POINTS,
  MAX_WORKERS_LIMIT,
  predictDurationMs,
  PROCESSOR_DEFAULTS,
  sizeForDuration,
  SOURCE_PROFILES,
  STRATEGY_DEFAULTS,
} from './engine/index.js';
export type {
  BatchDecision,
  BatchErrorMode,
  BatchInfo,
  BatchLimits,
  BatchResult,
  BatchSample,
  BatchSizeSummary,
  BatchSizingStrategy,
  ChemicalDataSource,
  ChemicalStrategyOptions,
  CostModel,
  CostPoint,
  DecisionReason,
  EngineStats,
  EvolutionPoint,
  ItemOutcome,
  ItemSource,
  ManagerOptions,
  ManagerStats,
  ProcessFunc,
  ProcessorOptions,
  ProcessRequest,
  SourceProfile,
  StrategyConfig,
  StrategyOptions,
  StreamOptions,
  WorkerProcessFunc,
} from './engine/index.js';

// Reading inputs and the seed's batch transformation functions for molecules and properties.
export { openInput, type OpenInputOptions, type OpenedInput, type RemoteInfo } from './sources/open-input.js';
export { detectFormat } from './sources/detect-format.js';
export { readRecords, readMolecules, type ReadRecordsOptions } from './sources/read-records.js';
export { readSdfRecords } from './parse/sdf-records.js';
export { readCsvRecords } from './parse/csv-records.js';
export { SdfSplitter } from './parse/sdf-splitter.js';
export {
  toMoleculeRow,
  transformMolecules,
  extractProperties,
  isReject,
  type TransformOptions,
  type BatchTransformOptions,
} from './transform/to-molecule-row.js';
export {
  PROFILES,
  CHEMBL_PROFILE,
  PUBCHEM_PROFILE,
  GENERIC_PROFILE,
  type SourceProfile as MoleculeProfile,
} from './transform/profiles.js';

// The database operations object (the `db` BatchProcessingManager takes).
export {
  DatabaseOperations,
  isTransientDbError,
  isDataDbError,
  redactUrl,
  resolveTarget,
  validateIdentifier,
} from './sink/index.js';
export type {
  DatabaseOperationsOptions,
  BatchInsertOptions,
  BatchInsertResult,
  WriteMoleculesOptions,
  MoleculeWriteResult,
  LedgerEntry,
  Transaction,
  SqlExecutor,
  SqlResult,
  SqlRow,
  CopyPayload,
  DatabaseKind,
  RunRecord,
  RunStartInfo,
  CommittedRange,
  ReleaseLock,
  ResolvedTarget,
  TableTarget,
  OperationStats,
  RetryOptions as DatabaseRetryOptions,
  RetryNotice,
  RunStatus,
  WriteMode,
  WrittenRowStatus,
} from './sink/index.js';

// One whole import, as the command runs it.
export { runImport, type RunImportHooks } from './import/run-import.js';
export { listRuns, type RunSummary, type ListRunsOptions } from './import/list-runs.js';
export { runQuery, type QueryOptions } from './import/query.js';
export { runDelete, type DeleteOptions, type DeleteStats } from './import/run-delete.js';
export type { RunInputSummary } from './import/list-runs.js';
export { isRemote, type RemoteInputOptions } from './sources/remote-input.js';
export { parseChecksumOption, parseMd5File, type ChecksumResult } from './sources/checksum.js';
export type { ImportOptions } from './import/options.js';
export type { ImportEvent, ImportEventListener, ImportPhase } from './import/events.js';
export type { ImportStats, FileStats, RecordCounts, RunOutcome, SyncStats } from './import/stats.js';
export type { RowStatus } from './types.js';
