/** Options of `ChemistryPool`: `ChemistryPoolOptions` → `FilledChemistryPoolOptions`, merged once. */
import { availableParallelism } from 'node:os';
import { ConfigurationError } from '../errors.js';
import type { ComputeField } from './fields.js';
import { COMPUTE_FIELDS } from './fields.js';
import type { WarningKind } from './warnings.js';
import { REJECTABLE_KINDS } from './warnings.js';

export interface ChemistryPoolOptions {
  /**
   * Worker threads, each with its own RDKit instance (about 0.3 s to start, tens of MB).
   * @default os.availableParallelism() — an integer from 1 to 256
   */
  threads?: number;
  /**
   * How long one record may take in the toolkit before it becomes the reject
   * `chemistry timed out after N ms` and its worker is terminated and replaced.
   * @default 10_000 — an integer from 1 to 3_600_000
   */
  perRecordTimeoutMs?: number;
  /**
   * Identifiers to fill from the structure.
   * @default none
   */
  compute?: ReadonlySet<ComputeField> | readonly ComputeField[];
  /**
   * Reject records whose structure the toolkit refuses (bad valence, unparseable). Without it such
   * records are kept with null computed fields and counted as warnings.
   * @default false
   */
  validate?: boolean;
  /**
   * Replace values the file already provides with computed ones.
   * @default false
   */
  recompute?: boolean;
  /**
   * Fill `stdSmiles`, `stdInchikey`, `parentSmiles`, `parentInchikey` (ChEMBL-style standardiser
   * and parent); a drawing RDKit refuses but the standardiser repairs is kept.
   * @default false
   */
  standardize?: boolean;
  /**
   * With `validate`, the warning kinds that make a record a reject (`stereo-lost`, `zero-coords`,
   * `rdkit`, `repaired`, `standardize`).
   * @default none
   */
  rejectOn?: ReadonlySet<WarningKind> | readonly WarningKind[];
  /**
   * Most records in one worker task; a task whose batch fails (time limit, crash) is retried one
   * record at a time, so only the culprit is lost.
   * @default 32 — an integer from 1 to 10_000
   */
  batchSize?: number;
  /**
   * The worker module (path or `file:` URL). Defaults to the built `compute-worker.js` next to
   * this module (or in `dist/chem/` when running from source); tests point it at a faulty worker.
   */
  workerModule?: string | URL;
  /**
   * How long starting the workers (loading RDKit) may take before `processRows` fails.
   * @default 60_000
   */
  startupTimeoutMs?: number;
}

export interface FilledChemistryPoolOptions {
  threads: number;
  perRecordTimeoutMs: number;
  compute: ComputeField[];
  validate: boolean;
  recompute: boolean;
  standardize: boolean;
  rejectOn: WarningKind[];
  batchSize: number;
  workerModule: string | URL | undefined;
  startupTimeoutMs: number;
}

export const DEFAULT_CHEMISTRY_POOL_OPTIONS: Omit<FilledChemistryPoolOptions, 'threads'> = {
  perRecordTimeoutMs: 10_000,
  compute: [],
  validate: false,
  recompute: false,
  standardize: false,
  rejectOn: [],
  batchSize: 32,
  workerModule: undefined,
  startupTimeoutMs: 60_000,
};

export function fillChemistryPoolOptions(options: ChemistryPoolOptions = {}): FilledChemistryPoolOptions {
  const filled: FilledChemistryPoolOptions = {
    ...DEFAULT_CHEMISTRY_POOL_OPTIONS,
    threads: availableParallelism(),
    ...definedOnly(options),
    compute: [],
    rejectOn: [],
  };
  filled.threads = integerIn('threads', filled.threads, 1, 256);
  filled.perRecordTimeoutMs = integerIn('perRecordTimeoutMs', filled.perRecordTimeoutMs, 1, 3_600_000);
  filled.batchSize = integerIn('batchSize', filled.batchSize, 1, 10_000);
  filled.startupTimeoutMs = integerIn('startupTimeoutMs', filled.startupTimeoutMs, 1, 3_600_000);
  for (const key of ['validate', 'recompute', 'standardize'] as const) {
    if (typeof filled[key] !== 'boolean') {
      throw new ConfigurationError(`ChemistryPool: ${key} must be a boolean, received ${show(filled[key])}`);
    }
  }
  const compute = options.compute ?? [];
  for (const field of compute) {
    if (!(COMPUTE_FIELDS as readonly unknown[]).includes(field)) {
      throw new ConfigurationError(
        `ChemistryPool: compute must hold only ${COMPUTE_FIELDS.join(', ')}, received ${show(field)}`,
      );
    }
  }
  for (const kind of options.rejectOn ?? []) {
    if (!REJECTABLE_KINDS.includes(kind)) {
      throw new ConfigurationError(
        `ChemistryPool: rejectOn must hold only ${REJECTABLE_KINDS.join(', ')}, received ${show(kind)}`,
      );
    }
  }
  filled.rejectOn = REJECTABLE_KINDS.filter((kind) => [...(options.rejectOn ?? [])].includes(kind));
  // Column order, no duplicates.
  filled.compute = COMPUTE_FIELDS.filter((field) => [...compute].includes(field));
  return filled;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(
      `ChemistryPool: ${name} must be an integer from ${min} to ${max}, received ${show(value)}`,
    );
  }
  return value;
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}
