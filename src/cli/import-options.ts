/** Command-line flags → `ImportOptions`. */
import type { ImportOptions } from '../import/options.js';
import type { DataSource } from '../types.js';
import type { ImportCliOptions } from './program.js';

/** The import options a command's flags give (shared by the import commands and `enqueue`). */
export function importOptionsFromCli(
  source: DataSource,
  files: string[],
  opts: ImportCliOptions,
  env: Record<string, string | undefined>,
  cwd: string,
): ImportOptions {
  return {
    source,
    files,
    database: opts.db,
    env,
    cwd,
    schema: opts.schema,
    createSchema: Boolean(opts.createSchema),
    table: opts.table,
    mode: opts.mode,
    workers: opts.workers,
    batchSize: opts.batchSize,
    minBatchSize: opts.minBatchSize,
    maxBatchSize: opts.maxBatchSize,
    targetBatchMs: opts.targetBatchMs,
    memoryLimitBytes: opts.memoryLimit,
    maxBatchBytes: opts.maxBatchBytes,
    adaptive: opts.adaptive,
    parallel: opts.parallel,
    idField: opts.idField,
    format: opts.format,
    limit: opts.limit,
    dryRun: Boolean(opts.dryRun),
    rejectsFile: opts.rejects,
    maxErrors: opts.maxErrors,
    maxErrorRate: opts.maxErrorRate,
    resume: opts.resume === 'strict' ? 'strict' : Boolean(opts.resume),
    compute: opts.compute,
    recompute: Boolean(opts.recompute),
    validate: Boolean(opts.validate),
    standardize: Boolean(opts.standardize),
    rejectOn: opts.rejectOn,
    chemTimeoutMs: opts.chemTimeoutMs,
    rdkitMol: Boolean(opts.rdkitMol),
    waitLock: Boolean(opts.waitLock),
    checksum: opts.checksum,
    downloadDir: opts.downloadDir,
    httpRetries: opts.httpRetries,
    httpRetryDelayMs: opts.httpRetryDelayMs,
    sync: opts.sync === true ? 'hard' : opts.sync,
    maxDeleteFraction: opts.maxDeleteFraction,
    release: opts.release,
    force: Boolean(opts.force),
  };
}
