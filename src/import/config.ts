/** `ImportOptions` → one resolved config: defaults merged once, every value checked once. */
import { assertWritableSchema } from '../sink/identifiers.js';
import path from 'node:path';
import { ConfigurationError } from '../errors.js';
import type { DataSource } from '../types.js';
import type { ImportOptions } from './options.js';
import { availableParallelism } from 'node:os';
import { COMPUTE_FIELDS, type ComputeField } from '../chem/fields.js';
import { REJECTABLE_KINDS, type WarningKind } from '../chem/warnings.js';
import { parseWriteMode } from '../sink/write-mode.js';
import { IMPORT_DEFAULTS as D, IMPORT_LIMITS as L } from './defaults.js';
import { checkConnectionString } from '../sink/database-url.js';
import { checkOptionKeys } from './option-keys.js';
import { parseChecksumOption, type ChecksumOption } from '../sources/checksum.js';

export type ResolvedImportConfig = Required<
  Omit<
    ImportOptions,
    | 'database'
    | 'idField'
    | 'format'
    | 'limit'
    | 'rejectsFile'
    | 'maxErrors'
    | 'maxErrorRate'
    | 'signal'
    | 'logger'
    | 'stdin'
    | 'batchSize'
    | 'compute'
    | 'checksum'
    | 'downloadDir'
    | 'sync'
    | 'release'
    | 'rejectOn'
  >
> &
  Pick<
    ImportOptions,
    'database' | 'idField' | 'format' | 'limit' | 'maxErrors' | 'maxErrorRate' | 'signal' | 'logger' | 'stdin'
  > & {
    batchSize: number;
    /** `--rejects`, resolved; undefined for the default name (made when the run id is known). */
    rejectsFile: string | undefined;
    /** Where default-named rejects files go (the working directory). */
    rejectsDir: string;
    /** When the run was configured: the default rejects name's timestamp. */
    startedAt: Date;
    compute: ReadonlySet<ComputeField>;
    checksum: ChecksumOption;
    /** Absolute path, when URL inputs are downloaded first. */
    downloadDir: string | undefined;
    sync: 'hard' | 'soft' | undefined;
    release: string | undefined;
    rejectOn: ReadonlySet<WarningKind>;
  };

const SOURCES: readonly DataSource[] = ['chembl', 'pubchem', 'generic'];

export function resolveImportConfig(o: ImportOptions, now = new Date()): ResolvedImportConfig {
  if (typeof o !== 'object' || o === null) {
    throw new ConfigurationError(`options: expected an object, got ${o === null ? 'null' : typeof o}`);
  }
  checkOptionKeys(o);
  if (o.database !== undefined) checkConnectionString(o.database, 'database');
  if (!SOURCES.includes(o.source)) {
    throw new ConfigurationError(
      `unknown source '${String(o.source)}': expected one of ${SOURCES.join(', ')}`,
    );
  }
  if (!Array.isArray(o.files) || o.files.length === 0) {
    throw new ConfigurationError('no input files: expected at least one path (or - for standard input)');
  }
  const mode = parseWriteMode(o.mode, D.mode);
  const cwd = o.cwd ?? process.cwd();
  const { min: minSize, max: maxSize } = L.batchSize;
  const minBatchSize = int('minBatchSize', o.minBatchSize ?? D.minBatchSize, minSize, maxSize);
  const maxBatchSize = int(
    'maxBatchSize',
    o.maxBatchSize ?? Math.max(D.maxBatchSize, minBatchSize),
    minSize,
    maxSize,
  );
  if (minBatchSize > maxBatchSize) {
    throw new ConfigurationError(
      `minBatchSize (${minBatchSize}) must not exceed maxBatchSize (${maxBatchSize})`,
    );
  }
  const initial = o.batchSize ?? Math.min(maxBatchSize, Math.max(minBatchSize, D.batchSize[o.source]));
  const batchSize = int('batchSize', initial, minBatchSize, maxBatchSize);
  const compute = new Set<ComputeField>();
  for (const f of o.compute ?? []) {
    if (!(COMPUTE_FIELDS as readonly string[]).includes(f)) {
      throw new ConfigurationError(
        `compute: unknown identifier '${String(f)}'; expected any of ${COMPUTE_FIELDS.join(', ')}`,
      );
    }
    compute.add(f);
  }
  if (o.recompute && compute.size === 0) {
    throw new ConfigurationError(
      'recompute needs compute: say which identifiers to recompute (e.g. --compute inchikey)',
    );
  }
  const checksum = parseChecksumOption(o.checksum ?? D.checksum);
  if (typeof checksum === 'object' && o.files.length !== 1) {
    throw new ConfigurationError(
      `checksum: ${checksum.algorithm}:HEX names one file's checksum, but ${o.files.length} inputs were given; use auto or none`,
    );
  }
  const sync = o.sync === true || o.sync === 'hard' ? 'hard' : o.sync === 'soft' ? 'soft' : undefined;
  if (o.sync !== undefined && o.sync !== false && sync === undefined) {
    throw new ConfigurationError(`sync: expected true, 'hard' or 'soft', got ${JSON.stringify(o.sync)}`);
  }
  if (sync !== undefined && o.limit !== undefined) {
    throw new ConfigurationError('sync needs the whole release: it cannot be combined with limit');
  }
  const maxDeleteFraction = o.maxDeleteFraction ?? D.maxDeleteFraction;
  if (!Number.isFinite(maxDeleteFraction) || maxDeleteFraction < 0 || maxDeleteFraction > 1) {
    throw new ConfigurationError(
      `maxDeleteFraction: expected a ratio from 0 to 1, got ${String(o.maxDeleteFraction)}`,
    );
  }
  if (o.release !== undefined && !/^[\w.:+-]{1,100}$/.test(o.release)) {
    throw new ConfigurationError(
      `release: expected 1-100 letters, digits or . _ - + :, got ${JSON.stringify(o.release)}`,
    );
  }
  const rejectOn = new Set<WarningKind>();
  for (const kind of o.rejectOn ?? []) {
    if (!(REJECTABLE_KINDS as readonly string[]).includes(kind)) {
      throw new ConfigurationError(
        `rejectOn: unknown warning kind '${String(kind)}'; expected any of ${REJECTABLE_KINDS.join(', ')}`,
      );
    }
    rejectOn.add(kind);
  }
  if (rejectOn.size > 0 && !(o.validate ?? false)) {
    throw new ConfigurationError('rejectOn needs validate: warnings become rejects only under --validate');
  }
  return {
    checksum,
    httpRetries: lim('httpRetries', o.httpRetries ?? D.httpRetries),
    httpRetryDelayMs: lim('httpRetryDelayMs', o.httpRetryDelayMs ?? D.httpRetryDelayMs),
    downloadDir:
      o.downloadDir === undefined ? undefined : path.resolve(o.cwd ?? process.cwd(), o.downloadDir),
    sync,
    maxDeleteFraction,
    release: o.release,
    force: o.force ?? false,
    source: o.source,
    files: o.files,
    database: o.database,
    embeddedDir: path.resolve(cwd, o.embeddedDir ?? D.embeddedDir),
    env: o.env ?? process.env,
    // Refused before connecting: nothing is written to PostgreSQL's own schemas.
    schema: assertWritableSchema(o.schema ?? D.schema, '--schema'),
    createSchema: o.createSchema ?? false,
    table: o.table ?? D.table,
    mode,
    workers: lim('workers', o.workers ?? D.workers),
    batchSize,
    minBatchSize,
    maxBatchSize,
    targetBatchMs: lim('targetBatchMs', o.targetBatchMs ?? D.targetBatchMs),
    memoryLimitBytes: lim('memoryLimitBytes', o.memoryLimitBytes ?? D.memoryLimitBytes),
    maxBatchBytes: lim('maxBatchBytes', o.maxBatchBytes ?? D.maxBatchBytes),
    adaptive: o.adaptive ?? true,
    parallel: o.parallel ?? true,
    idField: o.idField,
    format: o.format,
    limit: o.limit === undefined ? undefined : lim('limit', o.limit),
    dryRun: o.dryRun ?? false,
    rejectsFile: o.rejectsFile === undefined ? undefined : path.resolve(cwd, o.rejectsFile),
    rejectsDir: cwd,
    startedAt: now,
    maxErrors: o.maxErrors === undefined ? undefined : lim('maxErrors', o.maxErrors),
    maxErrorRate: o.maxErrorRate === undefined ? undefined : rate(o.maxErrorRate),
    compute,
    recompute: o.recompute ?? false,
    validate: o.validate ?? false,
    standardize: o.standardize ?? false,
    rejectOn,
    chemTimeoutMs: lim('chemTimeoutMs', o.chemTimeoutMs ?? D.chemTimeoutMs),
    chemThreads: lim('chemThreads', o.chemThreads ?? availableParallelism()),
    rdkitMol: o.rdkitMol ?? false,
    resume: resumeMode(o.resume),
    waitLock: o.waitLock ?? false,
    signal: o.signal,
    logger: o.logger,
    stdin: o.stdin,
    cwd,
  };
}

/** An integer option within its {@link IMPORT_LIMITS}. */
function lim(name: keyof typeof L, v: number): number {
  return int(name, v, L[name].min, L[name].max);
}

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new ConfigurationError(`${name}: expected an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

function rate(v: number): number {
  if (!Number.isFinite(v) || v < 0 || v > 1) {
    throw new ConfigurationError(`maxErrorRate: expected a ratio from 0 to 1, got ${String(v)}`);
  }
  return v;
}

function resumeMode(v: unknown): boolean | 'strict' {
  if (v === undefined) return false;
  if (v === true || v === false || v === 'strict') return v;
  throw new ConfigurationError(`resume must be true, false or 'strict', got ${JSON.stringify(v)}`);
}
