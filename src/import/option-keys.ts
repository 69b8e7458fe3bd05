/**
 * The keys `runImport` accepts, so a mistyped one fails at once instead of being ignored: with an
 * unknown key ignored, `runImport({ db: url })` imported into an embedded database in the current
 * directory.
 */
import { closestName } from '../did-you-mean.js';
import { ConfigurationError } from '../errors.js';
import type { ImportOptions } from './options.js';

/** Every key of `ImportOptions`: the type makes a key added there and forgotten here a compile error. */
const KNOWN: Record<keyof ImportOptions, true> = {
  source: true,
  files: true,
  database: true,
  embeddedDir: true,
  env: true,
  schema: true,
  createSchema: true,
  table: true,
  mode: true,
  workers: true,
  batchSize: true,
  minBatchSize: true,
  maxBatchSize: true,
  targetBatchMs: true,
  memoryLimitBytes: true,
  maxBatchBytes: true,
  adaptive: true,
  parallel: true,
  idField: true,
  format: true,
  limit: true,
  dryRun: true,
  rejectsFile: true,
  maxErrors: true,
  maxErrorRate: true,
  resume: true,
  waitLock: true,
  compute: true,
  recompute: true,
  validate: true,
  chemTimeoutMs: true,
  chemThreads: true,
  rdkitMol: true,
  signal: true,
  logger: true,
  stdin: true,
  cwd: true,
  checksum: true,
  httpRetries: true,
  httpRetryDelayMs: true,
  downloadDir: true,
  sync: true,
  maxDeleteFraction: true,
  release: true,
  force: true,
  standardize: true,
  rejectOn: true,
};

export const IMPORT_OPTION_KEYS = Object.keys(KNOWN) as (keyof ImportOptions)[];

/** Names people reach for that are too far from the key to be found by edit distance (CLI flags first). */
const ALIASES: Record<string, keyof ImportOptions> = {
  db: 'database',
  url: 'database',
  databaseUrl: 'database',
  connectionString: 'database',
  rejects: 'rejectsFile',
  memoryLimit: 'memoryLimitBytes',
  dataDir: 'embeddedDir',
  input: 'files',
  inputs: 'files',
  paths: 'files',
};

/** Throws `ConfigurationError` (`MOLIMPORT_UNKNOWN_OPTION`) naming every key `ImportOptions` does not have. */
export function checkOptionKeys(options: object): void {
  const unknown = Object.keys(options).filter((k) => !Object.hasOwn(KNOWN, k));
  if (unknown.length === 0) return;
  const named = unknown.map((key) => {
    const suggestion = closestName(key, IMPORT_OPTION_KEYS, ALIASES);
    return suggestion === undefined ? `"${key}"` : `"${key}": did you mean "${suggestion}"?`;
  });
  throw new ConfigurationError(
    `unknown option${unknown.length > 1 ? 's' : ''} ${named.join('; ')}` +
      (named.every((n) => n.endsWith('?')) ? '' : ` (known options: ${IMPORT_OPTION_KEYS.join(', ')})`),
    { code: 'MOLIMPORT_UNKNOWN_OPTION' },
  );
}
