/**
 * The run's statistics: one shape for `--json`, the stats table, `molimport_runs.stats` and
 * `runImport`'s return value, so scripts see the same numbers everywhere.
 */
import type { DataSource, InputFormat } from '../types.js';
import type { ChemistryStageTotals } from './chemistry-stage.js';

/** How a run ended; `failed` and `interrupted` runs keep the batches they committed (`--resume`). */
export type RunStatus = 'completed' | 'failed' | 'interrupted';
/**
 * What happens when a molecule's (source, external_id) already exists: `upsert` updates it (rows
 * with identical data are left `unchanged`), `skip` keeps the existing row, `insert` rejects the
 * record.
 */
export type WriteMode = 'insert' | 'upsert' | 'skip';

/** Counts that always satisfy read = inserted + updated + unchanged + duplicates + rejected + skipped. */
export interface RecordCounts {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Records whose ID appeared again later in the same run: the later record won. */
  duplicates: number;
  rejected: number;
  /** Records not written by this run: already committed by the run being resumed, or all rows of a dry run. */
  skipped: number;
}

/** Batch sizes of a run or file, in records. */
export interface BatchSizeSummary {
  /** The size the strategy started with. */
  initial: number;
  min: number;
  median: number;
  max: number;
  /** The size of the last batch. */
  final: number;
}

/** Figures of one input file of a run. */
export interface FileStats extends RecordCounts {
  /** The path as given (`-` for stdin). */
  path: string;
  format: InputFormat | 'unknown';
  compressed: boolean;
  /** Bytes on disk (compressed bytes for gzip); null for stdin. */
  bytes: number | null;
  batches: number;
  durationMs: number;
  moleculesPerSecond: number;
  batchSize: BatchSizeSummary;
}

/**
 * The result of one run: what `runImport` resolves with (also for failed runs), what `--json`
 * prints and what `molimport_runs.stats` stores.
 */
export interface ImportStats extends RecordCounts {
  status: RunStatus;
  /** What the command exits with: 0 completed, 1 fatal error, 3 error limit, 130 interrupted. */
  exitCode: number;
  /** Row id in `molimport_runs`; null for a dry run. */
  runId: number | null;
  source: DataSource;
  /** The target, password removed. */
  database: string;
  table: string;
  mode: WriteMode;
  dryRun: boolean;
  resumed: boolean;
  batches: number;
  batchSize: BatchSizeSummary;
  /** Batch sizes over the run, downsampled (for sparklines and tuning). */
  batchSizeEvolution: number[];
  durationMs: number;
  moleculesPerSecond: number;
  peakRssBytes: number;
  rejectsFile: string | null;
  /** Records kept with a computed identifier missing because the toolkit could not parse them (`compute` without `validate`). */
  chemistryWarnings: number;
  /** Chemistry step totals when `compute`/`validate` was on, else null. */
  chemistry: ChemistryStageTotals | null;
  /** Molecules this run wrote whose InChIKey is already known under another source; null without a database. */
  knownUnderOtherSource: number | null;
  /** `rdkitMol`: rows whose `mol` the cartridge filled, and structures it refused (mol left null). */
  rdkitMol: {
    filled: number;
    failed: number;
    /** The cartridge's RDKit (`rdkit_toolkit_version()`), null when it does not say. */
    cartridgeRdkitVersion?: string | null;
    /** The extension's version (`4.2.0`). */
    extensionVersion?: string;
  } | null;
  /** Why the run failed or stopped, when it did. */
  error: string | null;
  /** The `code` of the `MolimportError` that stopped the run (e.g. `'MOLIMPORT_DATABASE'`), when it did. */
  errorCode: string | null;
  files: FileStats[];
}

export function emptyCounts(): RecordCounts {
  return { read: 0, inserted: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 0, skipped: 0 };
}

/** The fate of one record; each one counts towards exactly one of the {@link RecordCounts}. */
export type RowStatus = 'inserted' | 'updated' | 'unchanged' | 'duplicate' | 'rejected' | 'skipped';

/** Adds one record's outcome to a counts object. */
export function countStatus(counts: RecordCounts, status: RowStatus): void {
  switch (status) {
    case 'inserted':
      counts.inserted++;
      break;
    case 'updated':
      counts.updated++;
      break;
    case 'unchanged':
      counts.unchanged++;
      break;
    case 'duplicate':
      counts.duplicates++;
      break;
    case 'rejected':
      counts.rejected++;
      break;
    case 'skipped':
      counts.skipped++;
      break;
  }
}

export function accountedFor(c: RecordCounts): number {
  return c.inserted + c.updated + c.unchanged + c.duplicates + c.rejected + c.skipped;
}

/** Median/min/max of batch sizes, tracked without keeping every size: a bounded histogram. */
export class BatchSizeTracker {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private first: number | undefined;
  private last: number | undefined;

  add(size: number): void {
    this.counts.set(size, (this.counts.get(size) ?? 0) + 1);
    this.total++;
    this.first ??= size;
    this.last = size;
    // Distinct sizes are bounded by maxBatchSize - minBatchSize, small in practice; cap anyway.
    if (this.counts.size > 50_000) this.compact();
  }

  get count(): number {
    return this.total;
  }

  summary(initial: number): BatchSizeSummary {
    if (this.total === 0) return { initial, min: 0, median: 0, max: 0, final: 0 };
    const sizes = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    let median = sizes[0] ?? 0;
    for (const s of sizes) {
      seen += this.counts.get(s) ?? 0;
      if (seen * 2 >= this.total) {
        median = s;
        break;
      }
    }
    return {
      initial,
      min: sizes[0] ?? 0,
      median,
      max: sizes[sizes.length - 1] ?? 0,
      final: this.last ?? 0,
    };
  }

  private compact(): void {
    const entries = [...this.counts.entries()];
    this.counts.clear();
    for (const [size, n] of entries) {
      const rounded = Math.round(size / 10) * 10;
      this.counts.set(rounded, (this.counts.get(rounded) ?? 0) + n);
    }
  }
}

/** Keeps at most `capacity` points by averaging neighbours when full: bounded however long the run. */
export class Downsampler {
  private points: number[] = [];
  private stride = 1;
  private pending: number[] = [];
  constructor(private readonly capacity = 120) {}

  add(value: number): void {
    this.pending.push(value);
    if (this.pending.length < this.stride) return;
    this.points.push(Math.round(this.pending.reduce((a, b) => a + b, 0) / this.pending.length));
    this.pending = [];
    if (this.points.length >= this.capacity) {
      const merged: number[] = [];
      for (let i = 0; i < this.points.length; i += 2) {
        const a = this.points[i] ?? 0;
        const b = this.points[i + 1] ?? a;
        merged.push(Math.round((a + b) / 2));
      }
      this.points = merged;
      this.stride *= 2;
    }
  }

  values(): number[] {
    if (this.pending.length === 0) return [...this.points];
    const tail = Math.round(this.pending.reduce((a, b) => a + b, 0) / this.pending.length);
    return [...this.points, tail];
  }
}
