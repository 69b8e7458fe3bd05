/**
 * molimport's public API. The batch engine is generic; the rest is the import pipeline
 * (sources → parse → transform → sink) and `runImport`, which the CLI itself uses.
 *
 * Everything a program needs is exported from here; deep imports (`molimport/dist/...`) are not
 * part of the API. Every error thrown on purpose is a {@link MolimportError} with a stable `code`.
 */
// Errors: MolimportError and its subclasses, the ErrorCode union, the EXIT_* codes.
export * from './errors.js';
// Lives with the resume planner until it moves into errors.ts (code MOLIMPORT_RESUME, exit 1).
export type * from './types.js';

// The one logger interface every layer takes (pino fits); silent unless given.
export { silentLogger, type Logger } from './logger.js';

// The adaptive batch engine.
export * from './engine/index.js';

// Reading inputs and the seed's batch transformation functions for molecules and properties.
export { openInput, detectFormat, readRecords, readMolecules } from './sources/index.js';
export type { OpenInputOptions, OpenedInput, ReadRecordsOptions } from './sources/index.js';
export { readSdfRecords, readCsvRecords, SdfSplitter } from './parse/index.js';
export {
  toMoleculeRow,
  transformMolecules,
  extractProperties,
  isReject,
  PROFILES,
  CHEMBL_PROFILE,
  PUBCHEM_PROFILE,
  GENERIC_PROFILE,
} from './transform/index.js';
export type {
  SourceProfile as MoleculeProfile,
  TransformOptions,
  BatchTransformOptions,
} from './transform/index.js';

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
} from './sink/index.js';

// One whole import, as the command runs it.
export { runImport, type RunImportHooks } from './import/run-import.js';
export { listRuns, type RunSummary, type ListRunsOptions } from './import/list-runs.js';
export { runQuery, type QueryOptions } from './import/query.js';
export { runDelete, type DeleteOptions, type DeleteStats } from './import/run-delete.js';
export type { RunInputSummary } from './import/list-runs.js';
export { isRemote, parseChecksumOption, parseMd5File } from './sources/index.js';
export type { ChecksumResult, RemoteInfo, RemoteInputOptions } from './sources/index.js';
export type { ImportOptions } from './import/options.js';
export type { ImportEvent, ImportEventListener, ImportPhase } from './import/events.js';
export type {
  ImportStats,
  FileStats,
  RecordCounts,
  BatchSizeSummary,
  RunStatus,
  WriteMode,
  RowStatus,
  SyncStats,
} from './import/stats.js';
