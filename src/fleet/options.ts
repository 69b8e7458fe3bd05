/** The import options a job set stores, so that every worker imports its file the same way. */
import { UsageError } from '../errors.js';
import type { ImportOptions } from '../import/options.js';

/** Everything but the inputs, the database, and what belongs to one process. */
export type StoredImportOptions = Omit<
  ImportOptions,
  | 'source'
  | 'files'
  | 'database'
  | 'embeddedDir'
  | 'env'
  | 'cwd'
  | 'signal'
  | 'logger'
  | 'stdin'
  | 'resume'
  | 'rejectsFile'
  | 'dryRun'
  | 'waitLock'
>;

/** Options that mean nothing (or harm) for a set: refused with the reason, before anything is queued. */
export function storedOptions(o: ImportOptions): StoredImportOptions {
  if (o.files.includes('-')) throw new UsageError('enqueue: standard input (-) cannot be shared by workers');
  if (o.dryRun) throw new UsageError('enqueue: --dry-run has nothing to queue; run the import directly');
  if (o.resume)
    throw new UsageError('enqueue: --resume is implied: a retried job always continues from the ledger');
  if (o.rejectsFile !== undefined)
    throw new UsageError(
      'enqueue: --rejects names one file, but each job writes its own rejects file (molimport-rejects-<run>-…)',
    );
  const {
    source: _s,
    files: _f,
    database: _d,
    embeddedDir: _e,
    env: _v,
    cwd: _c,
    signal: _g,
    logger: _l,
    stdin: _i,
    resume: _r,
    rejectsFile: _j,
    dryRun: _y,
    waitLock: _w,
    ...rest
  } = o;
  // What a job stores is JSON: drop undefined values now, so what is stored is what is printed.
  return JSON.parse(JSON.stringify(rest)) as StoredImportOptions;
}
