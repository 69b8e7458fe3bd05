import { BatchProcessingStrategy } from './batch-strategy.js';
import type { BatchLimits } from './batch-types.js';
import type { StrategyOptions } from './options.js';
import { checkNumber, checkOneOf } from './validate.js';

/**
 * Batch sizing for molecule streams. Sizes are counted in "typical molecules" of the source, and
 * each item weighs its atoms or bytes relative to that typical molecule, so a batch of huge
 * molecules (a peptide, a PubChem substance with thousands of atoms) holds fewer items while the
 * cost model still sees comparable work per batch.
 */

export type ChemicalDataSource = 'chembl' | 'pubchem' | 'generic';

/** Per-source starting points; the adaptation corrects them within a few batches. */
export interface SourceProfile {
  initialBatchSize: number;
  /** Atoms in a typical record (ChEMBL SDF has no explicit H; PubChem SDF has them). */
  typicalAtoms: number;
  /** Bytes in a typical SDF record. */
  typicalBytes: number;
}

export const SOURCE_PROFILES: Readonly<Record<ChemicalDataSource, Readonly<SourceProfile>>> = Object.freeze({
  chembl: Object.freeze({ initialBatchSize: 500, typicalAtoms: 30, typicalBytes: 2_500 }),
  pubchem: Object.freeze({ initialBatchSize: 250, typicalAtoms: 45, typicalBytes: 5_000 }),
  generic: Object.freeze({ initialBatchSize: 100, typicalAtoms: 35, typicalBytes: 3_000 }),
});

/** Options of {@link ChemicalDataBatchStrategy}: the strategy options plus where the data comes from. */
export interface ChemicalStrategyOptions extends StrategyOptions {
  /** Selects the starting batch size and the typical record. @default 'generic' */
  dataSource?: ChemicalDataSource;
  /** Unit of an item's own `weight` field, when it has one. @default 'bytes' */
  weightUnit?: 'bytes' | 'atoms';
  /** Atoms of a typical record (weight 1). Greater than 0. @default per source: chembl 30, pubchem 45, generic 35 */
  typicalAtoms?: number;
  /** Bytes of a typical record (weight 1). Greater than 0. @default per source: chembl 2,500, pubchem 5,000, generic 3,000 */
  typicalBytes?: number;
  /**
   * Adaptive batches never hold more than this many bytes of records (counted as typical records:
   * `maxBatchBytes / typicalBytes`). The batches in flight (running, read ahead, being cut) are
   * most of the process's memory, so RSS grows with the cap, while the gain in speed flattens out
   * once commit and statement costs are amortised. Measured with molimport's CLI on PubChem SDF.gz,
   * 200,000 records, 2 workers, medians of 4 interleaved runs: 6 MiB (~1,300 records per batch)
   * 168–169 MB RSS (178 MB at 2,000,000 records), 92 % of the best fixed size's speed; 8 MiB
   * 183–200 MB (200 MB at 2,000,000), 95 %; fixed 5,000 records 293–318 MB. 6 MiB keeps the
   * 200 MB promise with a margin that GC timing cannot eat.
   * Ignored when not adaptive (a fixed size is taken as asked). Greater than 0.
   * @default 6 MiB (6_291_456)
   */
  maxBatchBytes?: number;
}

/** @see ChemicalStrategyOptions.maxBatchBytes */
export const DEFAULT_MAX_BATCH_BYTES = 6 * 1024 * 1024;

const OWNER = 'ChemicalDataBatchStrategy';

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * {@link BatchProcessingStrategy} with per-source starting points ({@link SOURCE_PROFILES}) that
 * weighs items by their size (atoms or bytes), so batches of huge molecules hold fewer items.
 *
 * Options ({@link ChemicalStrategyOptions}): those of the base strategy, plus `dataSource`
 * (`'chembl' | 'pubchem' | 'generic'`, default `'generic'`), `weightUnit` and `maxBatchBytes`
 * (default 6 MiB, ignored when not adaptive).
 *
 * @throws {ConfigurationError} from the constructor for an invalid option (code `MOLIMPORT_CONFIG`).
 */
export class ChemicalDataBatchStrategy<T = unknown> extends BatchProcessingStrategy<T> {
  readonly dataSource: ChemicalDataSource;
  private readonly weightUnit: 'bytes' | 'atoms';
  private readonly typicalAtoms: number;
  private readonly typicalBytes: number;
  /** {@link ChemicalStrategyOptions.maxBatchBytes} in typical records. */
  private readonly maxBatchWeight: number;

  constructor(options: ChemicalStrategyOptions = {}) {
    const dataSource = checkOneOf(OWNER, 'dataSource', options.dataSource ?? 'generic', [
      'chembl',
      'pubchem',
      'generic',
    ] as const);
    const profile = SOURCE_PROFILES[dataSource];
    const min = options.minBatchSize ?? 10;
    const max = options.maxBatchSize ?? 1000;
    // The source's start, kept inside the caller's range so that a narrow range is not an error.
    const initialBatchSize =
      options.initialBatchSize ??
      (Number.isInteger(min) && Number.isInteger(max) && min <= max
        ? Math.min(max, Math.max(min, profile.initialBatchSize))
        : profile.initialBatchSize);
    super({ ...options, initialBatchSize }, OWNER);
    this.dataSource = dataSource;
    this.weightUnit = checkOneOf(OWNER, 'weightUnit', options.weightUnit ?? 'bytes', [
      'bytes',
      'atoms',
    ] as const);
    this.typicalAtoms = checkNumber(
      OWNER,
      'typicalAtoms',
      options.typicalAtoms ?? profile.typicalAtoms,
      0,
      1e9,
      true,
    );
    this.typicalBytes = checkNumber(
      OWNER,
      'typicalBytes',
      options.typicalBytes ?? profile.typicalBytes,
      0,
      1e12,
      true,
    );
    const maxBatchBytes = checkNumber(
      OWNER,
      'maxBatchBytes',
      options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      0,
      Number.MAX_SAFE_INTEGER,
      true,
    );
    this.maxBatchWeight = maxBatchBytes / this.typicalBytes;
  }

  /**
   * Weight of one item in typical records: its own `weight` (in `weightUnit`), else `atomCount`,
   * else `bytes`, else the UTF-16 length of a string item; anything else weighs 1.
   */
  itemWeight(item: T): number {
    if (typeof item === 'string') return item.length / this.typicalBytes;
    if (item === null || typeof item !== 'object') return 1;
    const record = item as Record<string, unknown>;
    const weight = positiveNumber(record.weight);
    if (weight !== undefined)
      return weight / (this.weightUnit === 'atoms' ? this.typicalAtoms : this.typicalBytes);
    const atoms = positiveNumber(record.atomCount);
    if (atoms !== undefined) return atoms / this.typicalAtoms;
    const bytes = positiveNumber(record.bytes);
    if (bytes !== undefined) return bytes / this.typicalBytes;
    return 1;
  }

  /** Weight budget = the decided size in typical records; the item cap only stops floods of tiny records. */
  nextBatchLimits(): BatchLimits {
    // Not adaptive means a fixed item count: weighing would make the size vary.
    if (!this.config.adaptive)
      return { maxItems: this.config.initialBatchSize, maxWeight: Number.POSITIVE_INFINITY };
    return {
      maxItems: this.config.maxBatchSize,
      maxWeight: Math.min(this.nextBatchSize(), this.maxBatchWeight),
    };
  }
}
