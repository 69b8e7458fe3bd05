/**
 * The sink: the only layer that imports pg, pg-copy-streams and PGlite. What the layers above use
 * of it; modules for one command (sync, delete, the RDKit cartridge, overlap) are imported directly.
 */
export { DatabaseOperations, type WriteMoleculesOptions } from './database-operations.js';
export type { BatchInsertOptions, BatchInsertResult } from './batch-insert-sql.js';
export type { WrittenRowStatus } from './batch-outcome.js';
export {
  classifyDbError,
  isDataDbError,
  isTransientDbError,
  redactUrl,
  resolveTarget,
  scrubSecrets,
  toDatabaseError,
  type ResolvedTarget,
} from './connection.js';
export type { CopyPayload, DatabaseKind, SqlExecutor, SqlResult, SqlRow } from './driver.js';
export {
  qualifiedName,
  quoteIdent,
  resolveTableTarget,
  validateIdentifier,
  type TableTarget,
} from './identifiers.js';
export type { SinkLogger } from './logger.js';
export type { MoleculeWriteResult } from './molecule-writer.js';
export type { OperationStats } from './operation-stats.js';
export type { DatabaseOperationsOptions, RetryNotice, RetryOptions } from './options.js';
export type { CommittedRange, LedgerEntry, RunRecord, RunStartInfo, RunStatus } from './runs-ledger.js';
export type { ReleaseLock } from './table-lock.js';
export type { Transaction } from './transactions.js';
export { parseWriteMode, WRITE_MODES, type WriteMode } from './write-mode.js';
