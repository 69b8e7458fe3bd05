/** Command-line flags → `ImportOptions`. */
import type { ImportOptions } from '../import/options.js';
import type { WriteMode } from '../sink/index.js';
import type { DataSource, InputFormat } from '../types.js';

/** The import options a command's flags give (shared by the import commands and `enqueue`). */
export function importOptionsFromCli(
  source: DataSource,
  files: string[],
  opts: Record<string, unknown>,
  env: Record<string, string | undefined>,
  cwd: string,
): ImportOptions {
  return {
    source,
    files,
    database: opts.db as string | undefined,
    env,
    cwd,
    schema: opts.schema as string,
    createSchema: Boolean(opts.createSchema),
    table: opts.table as string,
    mode: opts.mode as WriteMode,
    workers: opts.workers as number,
    batchSize: opts.batchSize as number | undefined,
    minBatchSize: opts.minBatchSize as number | undefined,
    maxBatchSize: opts.maxBatchSize as number | undefined,
    targetBatchMs: opts.targetBatchMs as number | undefined,
    memoryLimitBytes: opts.memoryLimit as number | undefined,
    maxBatchBytes: opts.maxBatchBytes as number | undefined,
    adaptive: opts.adaptive as boolean,
    parallel: opts.parallel as boolean,
    idField: opts.idField as string | undefined,
    format: opts.format as InputFormat | undefined,
    limit: opts.limit as number | undefined,
    dryRun: Boolean(opts.dryRun),
    rejectsFile: opts.rejects as string | undefined,
    maxErrors: opts.maxErrors as number | undefined,
    maxErrorRate: opts.maxErrorRate as number | undefined,
    resume: opts.resume === 'strict' ? 'strict' : Boolean(opts.resume),
    compute: opts.compute as ImportOptions['compute'],
    recompute: Boolean(opts.recompute),
    validate: Boolean(opts.validate),
    standardize: Boolean(opts.standardize),
    rejectOn: opts.rejectOn as ImportOptions['rejectOn'],
    chemTimeoutMs: opts.chemTimeoutMs as number | undefined,
    rdkitMol: Boolean(opts.rdkitMol),
    waitLock: Boolean(opts.waitLock),
    checksum: opts.checksum as string,
    downloadDir: opts.downloadDir as string | undefined,
    httpRetries: opts.httpRetries as number,
    httpRetryDelayMs: opts.httpRetryDelayMs as number,
    sync: opts.sync === true ? 'hard' : (opts.sync as 'hard' | 'soft' | undefined),
    maxDeleteFraction: opts.maxDeleteFraction as number | undefined,
    release: opts.release as string | undefined,
    force: Boolean(opts.force),
  };
}
