/**
 * The import's defaults and limits, in one place: `resolveImportConfig` merges and checks against
 * them, and the CLI derives its flags' defaults, help text and value parsers from them.
 */
import { DEFAULT_MAX_BATCH_BYTES } from '../engine/chemical-strategy.js';
import type { DataSource } from '../types.js';

/** The default of each `ImportOptions` value that has a fixed one (see options.ts for each). */
export const IMPORT_DEFAULTS = {
  schema: 'public',
  table: 'molecules',
  mode: 'upsert',
  /** Relative to `cwd`. */
  embeddedDir: '.molimport/pgdata',
  workers: 2,
  /** The first batch size per source (PubChem records are ~4x larger than ChEMBL's), clamped to [min, max]. */
  batchSize: { chembl: 500, pubchem: 500, generic: 250 } satisfies Record<DataSource, number>,
  minBatchSize: 50,
  /** Or `minBatchSize` when that is larger. */
  maxBatchSize: 10_000,
  targetBatchMs: 2_000,
  memoryLimitBytes: 1024 ** 3,
  maxBatchBytes: DEFAULT_MAX_BATCH_BYTES,
  chemTimeoutMs: 10_000,
  checksum: 'auto',
  httpRetries: 5,
  httpRetryDelayMs: 1_000,
  maxDeleteFraction: 0.05,
} as const;

/** Inclusive bounds of each integer option. */
export const IMPORT_LIMITS = {
  workers: { min: 1, max: 64 },
  batchSize: { min: 1, max: 1_000_000 },
  targetBatchMs: { min: 10, max: 600_000 },
  memoryLimitBytes: { min: 64 * 1024 ** 2, max: Number.MAX_SAFE_INTEGER },
  maxBatchBytes: { min: 65_536, max: Number.MAX_SAFE_INTEGER },
  limit: { min: 1, max: Number.MAX_SAFE_INTEGER },
  maxErrors: { min: 0, max: Number.MAX_SAFE_INTEGER },
  chemTimeoutMs: { min: 1, max: 3_600_000 },
  chemThreads: { min: 1, max: 256 },
  httpRetries: { min: 0, max: 100 },
  httpRetryDelayMs: { min: 0, max: 60_000 },
} as const;
