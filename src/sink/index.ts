/** The sink: the only layer that imports pg, pg-copy-streams and PGlite. */
export {
  DatabaseOperations,
  type BatchInsertOptions,
  type BatchInsertResult,
  type CommittedRange,
  type DatabaseOperationsOptions,
  type RetryNotice,
  type RunRecord,
  type RunStartInfo,
  type RunStatus,
  type Transaction,
  type WriteMoleculesOptions,
} from './database-operations.js';
export {
  classifyDbError,
  DEFAULT_EMBEDDED_DATA_DIR,
  isDataDbError,
  isTransientDbError,
  redactUrl,
  resolveTarget,
  scrubSecrets,
  sqlStateOf,
  toDatabaseError,
  type DbErrorClass,
  type ResolvedTarget,
} from './connection.js';
export {
  CopyBufferEncoder,
  copyBufferChunks,
  copyChunks,
  copyField,
  copyRow,
  copyText,
  escapeCopyText,
  type CopyValue,
} from './copy-text.js';
export { checkConnectionString, connectionStringProblem, EXPECTED_DATABASE_URL } from './database-url.js';
export type {
  CopyPayload,
  DatabaseKind,
  SqlClient,
  SqlDriver,
  SqlExecutor,
  SqlResult,
  SqlRow,
} from './driver.js';
export {
  DEFAULT_TARGET,
  qualifiedName,
  quoteIdent,
  resolveTableTarget,
  validateIdentifier,
  type TableTarget,
} from './identifiers.js';
export type { SinkLogger } from './logger.js';
export {
  writeMoleculeBatch,
  writeMoleculesInTransaction,
  type LeaseFence,
  type LedgerEntry,
  type MoleculeBatchOptions,
  type MoleculeWriteResult,
  type RowStatus,
  type WriteMode,
  WRITE_MODES,
} from './molecule-writer.js';
export type { OperationStats } from './operation-stats.js';
export { PgDriver, type PgDriverOptions } from './pg-driver.js';
export { backoffDelayMs, DEFAULT_RETRY, withRetry, type RetryOptions } from './retry.js';
export { BATCHES_TABLE, ensureSchema, MOLECULE_DATA_COLUMNS, RUNS_TABLE } from './schema.js';
export { TableLockedError, type ReleaseLock } from './table-lock.js';
