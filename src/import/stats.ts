/**
 * The run's statistics: one shape for `--json`, the stats table, `molimport_runs.stats` and
 * `runImport`'s return value, so scripts see the same numbers everywhere.
 */
import type { DataSource, InputFormat, RejectKind, RowStatus } from '../types.js';
import type { RunStatus, WriteMode } from '../sink/index.js';
import type { ChemistryStageTotals } from './chemistry-stage.js';
import type { ChecksumResult } from '../sources/checksum.js';
import type { BatchSizeSummary } from '../engine/stats.js';

/**
 * How a session of a run ended (a {@link RunStatus} short of `running` and `superseded`);
 * `failed` and `interrupted` runs keep the batches they committed (`--resume`).
 */
export type RunOutcome = Extract<RunStatus, 'completed' | 'failed' | 'interrupted'>;

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

/** Figures of one input file of a run. */
export interface FileStats extends RecordCounts {
  /** The path as given (`-` for stdin). */
  path: string;
  format: InputFormat | 'unknown';
  compressed: boolean;
  /** Bytes on disk (compressed bytes for gzip); null for stdin. */
  bytes: number | null;
  batches: number;
  /** From opening the file to the last settled batch holding its records (files read in turn overlap a little). */
  durationMs: number;
  /** `read` / `durationMs`. */
  moleculesPerSecond: number;
  batchSize: BatchSizeSummary;
  /** The URL when the input was one (then `path` is the URL too), else null. */
  url: string | null;
  /** URL inputs: the server's validators. */
  etag: string | null;
  lastModified: string | null;
  /** The checksum of the bytes read; `verified` when it matched a published `.md5` or a given value. Null when the file was not read to its end. */
  checksum: ChecksumResult | null;
  /** `--release`, else `chembl_NN` from a ChEMBL file name. */
  release: string | null;
  /** The completed run that already loaded the same bytes, when this file was skipped for it. */
  unchangedSinceRun: number | null;
  /** `--download-dir`: the verified local copy that was imported. */
  downloadedTo: string | null;
}

/** What `sync` did (or, in a dry run or when refused, would do) after the import. */
export interface SyncStats {
  mode: 'hard' | 'soft';
  /** Rows of the source in the table before deleting (soft: not already deleted). */
  rowsBefore: number;
  /** Rows of the source the run did not see. */
  unseen: number;
  /** Rows deleted (hard) or given a `deleted_at` (soft); 0 when refused or in a dry run. */
  deleted: number;
  /** Soft: rows with a `deleted_at` that the run saw again, brought back. */
  restored: number;
  /** The guard refused: `unseen / rowsBefore` was above `maxDeleteFraction`. */
  refused: boolean;
  maxDeleteFraction: number;
  dryRun: boolean;
  /** Up to 20 IDs that were (or would be) deleted, for a look before trusting it. */
  sample: string[];
  /** Time of the sync step after the last batch (count, delete, bookkeeping), in ms. */
  durationMs: number;
}

/**
 * The result of one run: what `runImport` resolves with (also for failed runs), what `--json`
 * prints and what `molimport_runs.stats` stores.
 */
export interface ImportStats extends RecordCounts {
  status: RunOutcome;
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
  /**
   * Wall time of the whole run: `startupMs` + `importDurationMs` + the finish (recording the run,
   * closing the database).
   */
  durationMs: number;
  /** From the call to the first record read: connecting (the embedded database's start included), schema, table lock, resume planning. */
  startupMs: number;
  /** From the first record read to the last batch settled: what `moleculesPerSecond` is measured over. */
  importDurationMs: number;
  /** `read` / `importDurationMs`: the import's speed, startup excluded. */
  moleculesPerSecond: number;
  peakRssBytes: number;
  /** The first rejects file written (kept for older scripts: see `rejectsFiles`). */
  rejectsFile: string | null;
  /** Every rejects file this run wrote to: one SDF file, and one CSV file per distinct CSV header. */
  rejectsFiles: string[];
  /** Rejected records by the class of their reason (see {@link RejectKind}), most frequent first. */
  rejectReasons: Partial<Record<RejectKind, number>>;
  /**
   * Records kept with a warning from the chemistry step (`compute` without `validate`): the toolkit
   * could not parse the structure, timed out or crashed, or a field could not be computed. Each such
   * row names its warnings in `properties.molimport_warnings`.
   */
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
  /** Rows `sync` deleted (or soft-deleted); 0 without `sync`. Not a record count: read = inserted + ... does not include it. */
  deleted: number;
  /** What `sync` did, when it was asked for; null otherwise. */
  sync: SyncStats | null;
  /** Why the run failed or stopped, when it did. */
  error: string | null;
  /** The `code` of the `MolimportError` that stopped the run (e.g. `'MOLIMPORT_DATABASE'`), when it did. */
  errorCode: string | null;
  files: FileStats[];
}

export function emptyCounts(): RecordCounts {
  return { read: 0, inserted: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 0, skipped: 0 };
}

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
