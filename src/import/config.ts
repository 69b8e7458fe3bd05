/** `ImportOptions` → one resolved config: defaults merged once, every value checked once. */
import { assertWritableSchema } from '../sink/identifiers.js';
import path from 'node:path';
import { ConfigurationError } from '../errors.js';
import type { DataSource } from '../types.js';
import type { ImportOptions } from './options.js';
import { availableParallelism } from 'node:os';
import { COMPUTE_FIELDS, type ComputeField } from '../chem/fields.js';
import { DEFAULT_MAX_BATCH_BYTES } from '../engine/chemical-strategy.js';

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
  >
> &
  Pick<
    ImportOptions,
    'database' | 'idField' | 'format' | 'limit' | 'maxErrors' | 'maxErrorRate' | 'signal' | 'logger' | 'stdin'
  > & {
    batchSize: number;
    rejectsFile: string;
    rejectsFileExplicit: boolean;
    compute: ReadonlySet<ComputeField>;
  };

const SOURCES: readonly DataSource[] = ['chembl', 'pubchem', 'generic'];

/** Per-source first batch size: PubChem records are ~4x larger than ChEMBL's. */
const INITIAL_BATCH: Record<DataSource, number> = { chembl: 500, pubchem: 500, generic: 250 };

export function resolveImportConfig(o: ImportOptions, now = new Date()): ResolvedImportConfig {
  if (!SOURCES.includes(o.source)) {
    throw new ConfigurationError(
      `unknown source '${String(o.source)}': expected one of ${SOURCES.join(', ')}`,
    );
  }
  if (!Array.isArray(o.files) || o.files.length === 0) {
    throw new ConfigurationError('no input files: expected at least one path (or - for standard input)');
  }
  const mode = o.mode ?? 'upsert';
  if (!['insert', 'upsert', 'skip'].includes(mode)) {
    throw new ConfigurationError(`unknown mode '${mode}': expected insert, upsert or skip`);
  }
  const cwd = o.cwd ?? process.cwd();
  const minBatchSize = int('minBatchSize', o.minBatchSize ?? 50, 1, 1_000_000);
  const maxBatchSize = int('maxBatchSize', o.maxBatchSize ?? Math.max(10_000, minBatchSize), 1, 1_000_000);
  if (minBatchSize > maxBatchSize) {
    throw new ConfigurationError(
      `minBatchSize (${minBatchSize}) must not exceed maxBatchSize (${maxBatchSize})`,
    );
  }
  const initial = o.batchSize ?? Math.min(maxBatchSize, Math.max(minBatchSize, INITIAL_BATCH[o.source]));
  const batchSize = int('batchSize', initial, minBatchSize, maxBatchSize);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const rejectsFileExplicit = o.rejectsFile !== undefined;
  const compute = new Set<ComputeField>();
  for (const f of o.compute ?? []) {
    if (!(COMPUTE_FIELDS as readonly string[]).includes(f)) {
      throw new ConfigurationError(
        `compute: unknown identifier '${String(f)}'; expected any of ${COMPUTE_FIELDS.join(', ')}`,
      );
    }
    compute.add(f as ComputeField);
  }
  if (o.recompute && compute.size === 0) {
    throw new ConfigurationError(
      'recompute needs compute: say which identifiers to recompute (e.g. --compute inchikey)',
    );
  }
  return {
    source: o.source,
    files: o.files,
    database: o.database,
    embeddedDir: path.resolve(cwd, o.embeddedDir ?? '.molimport/pgdata'),
    env: o.env ?? process.env,
    // Refused before connecting: nothing is written to PostgreSQL's own schemas.
    schema: assertWritableSchema(o.schema ?? 'public', '--schema'),
    table: o.table ?? 'molecules',
    mode,
    workers: int('workers', o.workers ?? 2, 1, 64),
    batchSize,
    minBatchSize,
    maxBatchSize,
    targetBatchMs: int('targetBatchMs', o.targetBatchMs ?? 2_000, 10, 600_000),
    memoryLimitBytes: int(
      'memoryLimitBytes',
      o.memoryLimitBytes ?? 1024 ** 3,
      64 * 1024 ** 2,
      Number.MAX_SAFE_INTEGER,
    ),
    maxBatchBytes: int(
      'maxBatchBytes',
      o.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      65_536,
      Number.MAX_SAFE_INTEGER,
    ),
    adaptive: o.adaptive ?? true,
    parallel: o.parallel ?? true,
    idField: o.idField,
    format: o.format,
    limit: o.limit === undefined ? undefined : int('limit', o.limit, 1, Number.MAX_SAFE_INTEGER),
    dryRun: o.dryRun ?? false,
    rejectsFile: path.resolve(cwd, o.rejectsFile ?? `molimport-rejects-${stamp}`),
    rejectsFileExplicit,
    maxErrors:
      o.maxErrors === undefined ? undefined : int('maxErrors', o.maxErrors, 0, Number.MAX_SAFE_INTEGER),
    maxErrorRate: o.maxErrorRate === undefined ? undefined : rate(o.maxErrorRate),
    compute,
    recompute: o.recompute ?? false,
    validate: o.validate ?? false,
    chemTimeoutMs: int('chemTimeoutMs', o.chemTimeoutMs ?? 10_000, 1, 3_600_000),
    chemThreads: int('chemThreads', o.chemThreads ?? availableParallelism(), 1, 256),
    rdkitMol: o.rdkitMol ?? false,
    resume: resumeMode(o.resume),
    waitLock: o.waitLock ?? false,
    signal: o.signal,
    logger: o.logger,
    stdin: o.stdin,
    cwd,
  };
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
