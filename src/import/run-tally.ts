/** Counts per file and in total while a run goes, and the final stats object. */
import { performance } from 'node:perf_hooks';
import { EXIT_INTERRUPTED, InputError, InterruptedError, MolimportError, ParseError } from '../errors.js';
import { BatchSizeHistory, type EngineStats } from '../engine/stats.js';
import { isRemote } from '../sources/remote-input.js';
import { type OpenedInput } from '../sources/open-input.js';
import type { PreparedInput } from './inputs.js';
import type { ResolvedImportConfig } from './config.js';
import type { FileProgress } from './work-items.js';
import type { RejectKind } from '../types.js';
import {
  accountedFor,
  countStatus,
  emptyCounts,
  type FileStats,
  type ImportStats,
  type RecordCounts,
} from './stats.js';
import type { RowStatus } from '../types.js';

interface FileTally {
  path: string;
  counts: RecordCounts;
  format: FileStats['format'];
  compressed: boolean;
  bytes: number | null;
  batches: number;
  sizes: BatchSizeHistory;
  startedAt: number;
  lastAt: number;
  meta: Pick<
    FileStats,
    'url' | 'etag' | 'lastModified' | 'checksum' | 'release' | 'unchangedSinceRun' | 'downloadedTo'
  >;
}

export class RunTally {
  runId: number | null = null;
  resumed = false;
  /** Chemistry warnings (records kept with a computed identifier missing). */
  chemistryWarnings = 0;
  chemistry: ImportStats['chemistry'] = null;
  knownUnderOtherSource: number | null = null;
  rdkitMol: ImportStats['rdkitMol'] = null;
  /** Rejected records by the class of their reason. */
  readonly rejectReasons: Partial<Record<RejectKind, number>> = {};
  /** What `sync` did, set after the import. */
  sync: ImportStats['sync'] = null;
  /**
   * Rejects of the records an earlier session of a resumed run committed: those records count in
   * `read` (as skipped), so their rejects count too, and a limit means the same as in one clean run.
   */
  priorRejected = 0;
  /** Records parsed so far (for progress; the counts only move once a record's batch settled). */
  parsed = 0;
  private readonly files: FileTally[] = [];
  private readonly totals = emptyCounts();
  /** The run's batch sizes; its evolution is `batchSizeEvolution` (at most 120 points). */
  private readonly sizes = new BatchSizeHistory(120);
  private batches = 0;
  private peakRss = 0;
  private readonly runStartedAt = performance.now();
  private started = performance.now();
  private importStartedAt: number | undefined;
  private importEndedAt: number | undefined;
  private readonly inputErrors: (InputError | ParseError)[] = [];

  constructor(private readonly cfg: ResolvedImportConfig) {}

  /** Rates count from here: connecting to the database and preparing the schema are not import time. */
  importStarted(): void {
    this.started = performance.now();
    this.importStartedAt = this.started;
  }

  /** The last batch settled: what follows (the mol sweep, recording the run) is not import time. */
  importEnded(): void {
    this.importEndedAt ??= performance.now();
  }

  startFile(index: number, path: string): void {
    const now = performance.now();
    this.files[index] = {
      path,
      counts: emptyCounts(),
      format: 'unknown',
      compressed: false,
      bytes: null,
      batches: 0,
      sizes: new BatchSizeHistory(),
      startedAt: now,
      lastAt: now,
      meta: {
        url: isRemote(path) ? path : null,
        etag: null,
        lastModified: null,
        checksum: null,
        release: null,
        unchangedSinceRun: null,
        downloadedTo: null,
      },
    };
  }

  /** What was known of the file before reading it (release, download, skip). */
  fileInput(index: number, input: PreparedInput): void {
    const f = this.files[index];
    if (!f) return;
    f.meta.release = input.release;
    f.meta.unchangedSinceRun = input.unchangedSinceRun;
    if (input.unchangedSinceRun !== null && input.expected) {
      // Not read, but the same bytes as a verified earlier load: recorded so the next run skips too.
      f.meta.checksum = {
        algorithm: input.expected.algorithm,
        actual: input.expected.hex,
        expected: input.expected.hex,
        from: input.expected.from,
        verified: false,
      };
    }
    if (input.downloaded) {
      f.meta.downloadedTo = input.downloaded.path;
      f.meta.checksum = input.downloaded.checksum;
      f.meta.etag = input.downloaded.remote.etag;
      f.meta.lastModified = input.downloaded.remote.lastModified;
    }
  }

  /** The file was read to its end (or stopped): its checksum and what the server said. */
  fileRead(index: number, input: OpenedInput): void {
    const f = this.files[index];
    if (!f) return;
    // A downloaded copy keeps the checksum verified at download time.
    if (f.meta.downloadedTo === null) f.meta.checksum = input.checksum() ?? f.meta.checksum;
    if (input.remote) {
      f.meta.etag = input.remote.etag;
      f.meta.lastModified = input.remote.lastModified;
    }
  }

  fileOpened(index: number, input: OpenedInput): void {
    const f = this.files[index];
    if (!f) return;
    f.format = input.format;
    f.compressed = input.compressed;
    f.bytes = input.totalBytes ?? null;
  }

  /** A rejected record: counted, and its reason's class too. */
  reject(fileIndex: number, kind: RejectKind): void {
    this.rejectReasons[kind] = (this.rejectReasons[kind] ?? 0) + 1;
    this.count(fileIndex, 'rejected');
  }

  count(fileIndex: number, status: RowStatus): void {
    const f = this.files[fileIndex];
    if (f) {
      countStatus(f.counts, status);
      f.counts.read++;
      f.lastAt = performance.now();
    }
    countStatus(this.totals, status);
    this.totals.read++;
  }

  batch(size: number, fileIndexes: Iterable<number>): void {
    this.batches++;
    this.sizes.add(size);
    for (const i of fileIndexes) {
      const f = this.files[i];
      if (f) {
        f.batches++;
        f.sizes.add(size);
      }
    }
    this.samplePeakRss();
  }

  engine(stats: EngineStats): void {
    this.peakRss = Math.max(this.peakRss, stats.peakRssBytes);
  }

  noteInputError(err: InputError | ParseError): void {
    this.inputErrors.push(err);
  }

  inputError(): MolimportError | undefined {
    if (this.inputErrors.length === 0) return undefined;
    if (this.inputErrors.length === 1) return this.inputErrors[0];
    // The inputs' common code when they share one (e.g. two text files that are no table), so a
    // script can still act on it.
    const codes = new Set(this.inputErrors.map((e) => (e instanceof InputError ? e.code : undefined)));
    const [only] = codes;
    return new InputError(
      `${this.inputErrors.length} inputs could not be read: ${this.inputErrors.map((e) => e.message).join('; ')}`,
      this.inputErrors[0]!.file,
      undefined,
      codes.size === 1 && only !== undefined ? { code: only } : undefined,
    );
  }

  /** The reason to stop when --max-errors / --max-error-rate is exceeded; the rate waits for 1,000 records unless `final`. */
  errorLimitExceeded(final: boolean): string | undefined {
    const { read } = this.totals;
    const rejected = this.totals.rejected + this.priorRejected;
    const before = this.priorRejected > 0 ? ` (${this.priorRejected} of them before --resume)` : '';
    if (this.cfg.maxErrors !== undefined && rejected > this.cfg.maxErrors) {
      return `${rejected} records rejected${before}, more than --max-errors ${this.cfg.maxErrors}`;
    }
    if (this.cfg.maxErrorRate !== undefined && read > 0 && (final || read >= 1_000)) {
      const rate = rejected / read;
      if (rate > this.cfg.maxErrorRate) {
        return `${rejected} of ${read} records rejected${before} (${(rate * 100).toFixed(2)}%), more than --max-error-rate ${this.cfg.maxErrorRate}`;
      }
    }
    return undefined;
  }

  progress(p: FileProgress, batchSize: number) {
    const seconds = (performance.now() - this.started) / 1000;
    const written =
      this.totals.inserted + this.totals.updated + this.totals.unchanged + this.totals.duplicates;
    return {
      fileIndex: p.fileIndex,
      bytesRead: p.bytesRead(),
      totalBytes: p.totalBytes,
      read: this.parsed,
      fileRead: p.fileRead,
      written,
      rejected: this.totals.rejected,
      batchSize,
      moleculesPerSecond: seconds > 0 ? this.totals.read / seconds : 0,
    };
  }

  finish(end: {
    durationMs: number;
    database: string;
    table: string;
    rejectsFiles: readonly string[];
    error: MolimportError | undefined;
  }): ImportStats {
    this.samplePeakRss();
    const err = end.error;
    const status: ImportStats['status'] =
      err === undefined ? 'completed' : err instanceof InterruptedError ? 'interrupted' : 'failed';
    const exitCode =
      err === undefined ? 0 : err instanceof InterruptedError ? EXIT_INTERRUPTED : err.exitCode;
    const files: FileStats[] = this.files.map((f) => {
      const durationMs = Math.max(0, f.lastAt - f.startedAt);
      return {
        path: f.path,
        format: f.format,
        compressed: f.compressed,
        bytes: f.bytes,
        ...f.counts,
        batches: f.batches,
        durationMs: Math.round(durationMs),
        moleculesPerSecond: rate(f.counts.read, durationMs),
        batchSize: f.sizes.summary(this.cfg.batchSize),
        ...f.meta,
      };
    });
    if (accountedFor(this.totals) !== this.totals.read) {
      // Cannot happen by construction; if it does, say so rather than print numbers that lie.
      throw new Error(`internal error: counts do not add up (${JSON.stringify(this.totals)})`);
    }
    // startup: from the call to the first record read (connecting, embedded start, schema, lock,
    // resume planning); import: from there to the last settled batch. A run that failed before
    // reading spent all its time in startup.
    const now = performance.now();
    const importStart = this.importStartedAt ?? now;
    const importEnd = this.importStartedAt === undefined ? now : (this.importEndedAt ?? now);
    const importMs = Math.max(0, importEnd - importStart);
    return {
      status,
      exitCode,
      runId: this.runId,
      source: this.cfg.source,
      database: end.database,
      table: end.table,
      mode: this.cfg.mode,
      dryRun: this.cfg.dryRun,
      resumed: this.resumed,
      ...this.totals,
      batches: this.batches,
      batchSize: this.sizes.summary(this.cfg.batchSize),
      batchSizeEvolution: this.sizes.evolution().map((p) => Math.round(p.size)),
      durationMs: Math.round(end.durationMs),
      startupMs: Math.round(Math.max(0, importStart - this.runStartedAt)),
      importDurationMs: Math.round(importMs),
      moleculesPerSecond: rate(this.totals.read, importMs),
      peakRssBytes: this.peakRss,
      rejectsFile: end.rejectsFiles[0] ?? null,
      rejectsFiles: [...end.rejectsFiles],
      rejectReasons: sortedReasons(this.rejectReasons),
      chemistryWarnings: this.chemistryWarnings,
      chemistry: this.chemistry,
      knownUnderOtherSource: this.knownUnderOtherSource,
      rdkitMol: this.rdkitMol,
      deleted: this.sync?.deleted ?? 0,
      sync: this.sync,
      error: err?.message ?? null,
      errorCode: err?.code ?? null,
      files,
    };
  }

  private samplePeakRss(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }
}

/** Most frequent first, so the top reasons read first in the JSON too. */
function sortedReasons(reasons: Partial<Record<RejectKind, number>>): Partial<Record<RejectKind, number>> {
  return Object.fromEntries(Object.entries(reasons).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0)));
}

function rate(n: number, ms: number): number {
  return ms > 0 ? Math.round((n * 1000) / ms) : 0;
}
