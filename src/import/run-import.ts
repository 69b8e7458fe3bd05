/**
 * One import run: sources → parse → transform → engine → sink, with the run's bookkeeping, the
 * rejects file and progress events. The CLI and library users both call `runImport`; it returns
 * the stats that `--json` prints, also when the run fails (only invalid options throw).
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import {
  DatabaseError,
  ErrorLimitError,
  errorMessage,
  InputError,
  InterruptedError,
  MolimportError,
} from '../errors.js';
import { AdaptiveBatchProcessor, ChemicalDataBatchStrategy } from '../engine/index.js';
import { isDataDbError, type DatabaseOperations, type TableTarget } from '../sink/index.js';
import { describeFsError } from './fs-errors.js';
import { openDatabase, resolveDatabaseTarget } from './open-database.js';
import {
  checkRdkitCartridge,
  ensureMolColumn,
  fillMolColumn,
  type RdkitCartridge,
} from '../sink/rdkit-cartridge.js';
import type { ChemistryStage } from './chemistry-stage.js';
import { countKnownElsewhere, otherSourcesExist } from './overlap.js';
import { resolveImportConfig } from './config.js';
import type { ImportEventListener } from './events.js';
import { readWorkItems, type FileProgress } from './work-items.js';
import type { ImportOptions } from './options.js';
import { planResume, type ResumePlan } from './resume.js';
import { RejectsWriter } from './rejects-writer.js';
import { RunTally } from './run-tally.js';
import type { ImportStats, RowStatus } from './stats.js';
import type { Reject } from '../types.js';
import { rejectFromItem, releaseWritten, type WorkItem } from './work-items.js';

export interface RunImportHooks {
  onEvent?: ImportEventListener;
}

/** A batch item's fate as the process function reports it. */
type ItemStatus = RowStatus | 'unwritten';

export async function runImport(options: ImportOptions, hooks: RunImportHooks = {}): Promise<ImportStats> {
  const cfg = resolveImportConfig(options);
  const emit: ImportEventListener = hooks.onEvent ?? (() => undefined);
  const log = cfg.logger;
  const started = performance.now();
  const tally = new RunTally(cfg);
  const addMol = (r: { filled: number; failed: number }): void => {
    if (!tally.rdkitMol) return;
    tally.rdkitMol.filled += r.filled;
    tally.rdkitMol.failed += r.failed;
  };
  const rejects = new RejectsWriter(cfg.rejectsFile, cfg.rejectsFileExplicit, cfg.resume !== false);

  // One controller stops reading: the caller's signal (Ctrl-C), an error limit, or a fatal error.
  const stop = new AbortController();
  let stopReason: MolimportError | undefined;
  const halt = (reason: MolimportError): void => {
    stopReason ??= reason;
    if (!stop.signal.aborted) stop.abort(reason);
  };
  const onCallerAbort = (): void =>
    halt(new InterruptedError('interrupted by a signal; committed batches stay (resume with --resume)'));
  if (cfg.signal?.aborted) onCallerAbort();
  cfg.signal?.addEventListener('abort', onCallerAbort, { once: true });

  let db: DatabaseOperations | undefined;
  let releaseLock: (() => Promise<void>) | undefined;
  let target: TableTarget | undefined;
  let runId: number | null = null;
  let resume: ResumePlan | undefined;
  let databaseLabel = cfg.dryRun ? 'none (dry run)' : '';
  let cartridge: RdkitCartridge | undefined;
  let crossSource = false;
  // Loaded only when asked for: RDKit's pool (piscina, worker threads) is not part of a plain import.
  const chem: ChemistryStage | undefined =
    cfg.compute.size > 0 || cfg.validate
      ? (await import('./chemistry-stage.js')).createChemistryStage({
          compute: cfg.compute,
          validate: cfg.validate,
          recompute: cfg.recompute,
          threads: cfg.chemThreads,
          perRecordTimeoutMs: cfg.chemTimeoutMs,
        })
      : undefined;

  try {
    await checkInputsExist(cfg.files);

    if (!cfg.dryRun) {
      const resolved = resolveDatabaseTarget(cfg);
      databaseLabel = resolved.display;
      emit({ type: 'phase', phase: 'connecting', detail: resolved.display });
      db = await openDatabase(
        {
          ...cfg,
          // One connection per batch in flight, one for the table lock, one for bookkeeping.
          maxConnections: (cfg.parallel ? cfg.workers : 1) + 2,
          logger: log,
          // A signal (or any stop) ends connection and write retries at once.
          signal: stop.signal,
        },
        resolved,
      );
      const described = db.describe();
      databaseLabel = described.target;
      emit({ type: 'phase-done', phase: 'connecting', detail: described.target });
      emit({
        type: 'database',
        target: described.target,
        kind: described.kind,
        ...(resolved.kind === 'embedded' ? { dataDir: resolved.dataDir } : {}),
      });

      emit({ type: 'phase', phase: 'schema' });
      // Refuse --rdkit-mol before anything is written when the server has no cartridge.
      if (cfg.rdkitMol) cartridge = await checkRdkitCartridge(db);
      target = await db.ensureSchema({ schema: cfg.schema, table: cfg.table });
      if (cartridge) {
        await ensureMolColumn(db, target, cartridge);
        tally.rdkitMol = { filled: 0, failed: 0 };
      }
      emit({ type: 'phase-done', phase: 'schema', detail: `${target.schema}.${target.table}` });

      emit({ type: 'phase', phase: 'locking' });
      // A resumed run killed moments ago may still hold the lock through its lingering backends.
      const previous = cfg.resume
        ? await db.findResumableRun({ source: cfg.source, table: target })
        : undefined;
      const lockTarget = target;
      releaseLock = await db.acquireTableLock(target, {
        wait: cfg.waitLock,
        signal: stop.signal,
        patient:
          previous?.run.status === 'running'
            ? {
                applicationName: runConnectionName(previous.run.id, lockTarget),
                timeoutMs: DEAD_RUN_LOCK_WAIT_MS,
                onWait: () =>
                  emit({
                    type: 'warning',
                    message: `waiting up to ${DEAD_RUN_LOCK_WAIT_MS / 1000} s for the connections of run ${previous.run.id} (the run being resumed) to end`,
                  }),
              }
            : undefined,
      });
      emit({ type: 'phase-done', phase: 'locking' });

      resume = await planResume(db, cfg, target);
      if (resume.warning) emit({ type: 'warning', message: resume.warning });
      // A --resume that starts a new run must not append to the earlier run's rejects.
      if (resume.runId === undefined && resume.continues === undefined) rejects.startsNewRun();
      if (resume.rereads !== undefined) rejects.rereads(resume.rereads);
      runId = resume.runId ?? (await db.startRun(resume.runInfo, resume.continues));
      if (resume.continues !== undefined) tally.priorRejected = (await db.committedRejects(runId)) ?? 0;
      await db.labelTableLock(target, runConnectionName(runId, target));
      tally.runId = runId;
      tally.resumed = resume.runId !== undefined || resume.continues !== undefined;
      if (resume.continues === undefined) tally.priorRejected = resume.priorRejected;
      // Cross-source identity is counted per batch, and only when there is another source to meet.
      crossSource = await otherSourcesExist(db, target, cfg.source);
      tally.knownUnderOtherSource = 0;
    }

    // Each item's reject is written once, whichever of the batch or its split halves gets there first.
    const rejectWritten = new WeakSet<WorkItem>();
    const writeReject = (item: WorkItem, reject: Reject): void => {
      if (rejectWritten.has(item)) return;
      rejects.write(reject);
      rejectWritten.add(item);
    };
    const writer = db;
    const writeTarget = target;
    const currentRunId = runId;
    // Fill `mol` right after each batch commits, on its own connection, so parallel batches fill
    // in parallel; a failure here is only logged: the sweep at the end fills what was missed.
    const countCrossSource = async (
      into: DatabaseOperations,
      t: TableTarget,
      items: WorkItem[],
      statuses: readonly string[],
    ): Promise<void> => {
      const keys: string[] = [];
      items.forEach((i, k) => {
        const key = i.row?.inchikey;
        if (key && (statuses[k] === 'inserted' || statuses[k] === 'updated')) keys.push(key);
      });
      try {
        tally.knownUnderOtherSource =
          (tally.knownUnderOtherSource ?? 0) + (await countKnownElsewhere(into, t, cfg.source, keys));
      } catch (err) {
        log?.warn({ err: errorMessage(err) }, 'could not count molecules known under another source');
      }
    };
    const fillMol = async (into: DatabaseOperations, t: TableTarget, items: WorkItem[]): Promise<void> => {
      try {
        addMol(
          await fillMolColumn(into, t, { runId: currentRunId, seqs: items.map((i) => i.seq) }, cartridge!),
        );
      } catch (err) {
        log?.warn(
          { err: errorMessage(err) },
          'filling the mol column failed for a batch; the final sweep retries',
        );
      }
    };
    const processFunc = async (batch: WorkItem[]): Promise<ItemStatus[]> => {
      if (chem) {
        // In place: the engine reports these very items, so a refused structure arrives as a reject.
        const r = await chem.apply(batch, { inPlace: true });
        tally.chemistryWarnings += r.warnings;
      }
      if (cfg.dryRun || writer === undefined || writeTarget === undefined) {
        return batch.map((i) => (i.row ? 'skipped' : 'rejected'));
      }
      // After a fatal error nothing more is written; the items are not counted as read, so
      // read = inserted + ... still holds and --resume picks them up.
      if (
        stop.signal.aborted &&
        stopReason !== undefined &&
        !(stopReason instanceof ErrorLimitError) &&
        !(stopReason instanceof InterruptedError)
      ) {
        return batch.map(() => 'unwritten');
      }
      // The batch's ledger range covers its rejects: they reach the disk before it commits, or
      // the batch is not written at all (resume reads it again).
      try {
        for (const i of batch) if (!i.row && i.reject) writeReject(i, i.reject);
        rejects.sync();
      } catch (err) {
        halt(err instanceof MolimportError ? err : wrapUnknown(err));
        return batch.map(() => 'unwritten');
      }
      const rowItems = batch.filter((i) => i.row !== undefined);
      try {
        const result = await writer.writeMolecules({
          target: writeTarget,
          rows: rowItems.map((i) => i.row!),
          mode: cfg.mode,
          runId: currentRunId,
          seqOf: (_row, index) => rowItems[index]!.seq,
          ledger: ledgerFor(batch),
        });
        if (cartridge && rowItems.length > 0) await fillMol(writer, writeTarget, rowItems);
        if (crossSource) await countCrossSource(writer, writeTarget, rowItems, result.statuses);
        let k = 0;
        const statuses = batch.map((i) => (i.row ? (result.statuses[k++] ?? 'unwritten') : 'rejected'));
        for (const i of rowItems) releaseWritten(i);
        return statuses;
      } catch (err) {
        // A value PostgreSQL refuses: let the engine split the batch down to the offending records.
        if (isDataDbError(err)) throw err;
        halt(err instanceof MolimportError ? err : wrapUnknown(err));
        return batch.map(() => 'unwritten');
      }
    };

    const strategy = new ChemicalDataBatchStrategy<WorkItem>({
      dataSource: cfg.source,
      initialBatchSize: cfg.batchSize,
      minBatchSize: cfg.minBatchSize,
      maxBatchSize: cfg.maxBatchSize,
      targetDurationMs: cfg.targetBatchMs,
      memoryLimitBytes: cfg.memoryLimitBytes,
      maxBatchBytes: cfg.maxBatchBytes,
      adaptive: cfg.adaptive,
      weightUnit: 'bytes',
      logger: log,
    });
    const processor = new AdaptiveBatchProcessor<WorkItem, ItemStatus>({
      processFunc,
      strategy,
      maxWorkers: cfg.parallel ? cfg.workers : 1,
      signal: stop.signal,
      logger: log,
      // Transient database errors are retried inside the sink, on a fresh connection.
      isTransient: () => false,
    });

    emit({ type: 'phase', phase: 'importing' });
    tally.importStarted();
    const progress: FileProgress = { fileIndex: -1, bytesRead: () => 0, totalBytes: null };
    const items = readWorkItems(cfg, {
      signal: stop.signal,
      resume,
      tally,
      progress,
      emit,
      onInputError: (err) => tally.noteInputError(err),
    });

    const tryWriteReject = (item: WorkItem, reject: Reject): boolean => {
      try {
        writeReject(item, reject);
        return true;
      } catch (err) {
        halt(err instanceof MolimportError ? err : wrapUnknown(err));
        return false;
      }
    };
    let lastEmit = 0;
    for await (const batch of processor.stream(items, { parallel: cfg.parallel })) {
      const touched = new Set<number>();
      for (const outcome of batch.outcomes) {
        const item = outcome.item;
        touched.add(item.fileIndex);
        if (!outcome.ok) {
          // Not in the ledger (its batch failed): a reject that cannot be written is redone by --resume.
          const reject = rejectFromItem(item, `database refused the record: ${errorMessage(outcome.error)}`);
          if (!tryWriteReject(item, reject)) continue;
          tally.count(item.fileIndex, 'rejected');
          continue;
        }
        if (outcome.value === 'unwritten') continue;
        if (outcome.value === 'rejected' && item.reject && !tryWriteReject(item, item.reject)) continue;
        tally.count(item.fileIndex, outcome.value);
      }
      tally.batch(batch.size, touched);
      const limit = tally.errorLimitExceeded(false);
      if (limit) halt(new ErrorLimitError(limit));
      const now = performance.now();
      if (now - lastEmit > 100) {
        lastEmit = now;
        emit({ type: 'progress', ...tally.progress(progress, batch.nextBatchSize) });
      }
    }
    if (db && target && cartridge) {
      // Rows from earlier runs, rows an upsert left unchanged, a crash between write and fill.
      // Its failures were already counted by the batch that wrote them.
      const swept = await fillMolColumn(db, target, { runId: null }, cartridge);
      addMol({ filled: swept.filled, failed: 0 });
    }
    if (chem) tally.chemistry = chem.totals();
    const engineStats = processor.getStats();
    tally.engine(engineStats);
    await processor.close();

    const finalLimit = tally.errorLimitExceeded(true);
    if (finalLimit) halt(new ErrorLimitError(finalLimit));
    const inputError = tally.inputError();
    if (inputError && !stopReason) stopReason = inputError;
  } catch (err) {
    stopReason ??=
      err instanceof MolimportError
        ? err
        : new MolimportError(errorMessage(err), 'MOLIMPORT_INTERNAL', 1, { cause: err });
    log?.error({ err: errorMessage(err) }, 'import failed');
  } finally {
    cfg.signal?.removeEventListener('abort', onCallerAbort);
    rejects.close();
    await chem?.close().catch(() => undefined);
  }

  const stats = tally.finish({
    durationMs: performance.now() - started,
    database: databaseLabel,
    table: `${target?.schema ?? cfg.schema}.${target?.table ?? cfg.table}`,
    rejectsFile: rejects.files[0] ?? null,
    error: stopReason,
  });

  if (db) {
    emit({ type: 'phase', phase: 'finishing' });
    try {
      if (runId !== null) {
        const earlier = resume?.runId !== undefined ? resume.earlierSessions : [];
        await db.finishRun(
          runId,
          stats.status === 'completed' ? 'completed' : stats.status,
          earlier.length > 0 ? { ...stats, earlierSessions: earlier } : stats,
          stats.error ?? undefined,
        );
      }
    } catch (err) {
      log?.warn({ err: errorMessage(err) }, 'could not record the run');
    }
    await releaseLock?.().catch(() => undefined);
    await db.close().catch(() => undefined);
    emit({ type: 'phase-done', phase: 'finishing', detail: runId === null ? undefined : `run ${runId}` });
  }
  emit({ type: 'done', stats });
  return stats;
}

/** How long a resumed run waits for the lock held by the lingering backends of the run it resumes. */
const DEAD_RUN_LOCK_WAIT_MS = 30_000;

/**
 * The `application_name` of a run's lock connection: the run and its table (run ids are per
 * bookkeeping schema), short enough for PostgreSQL's 63 bytes.
 */
function runConnectionName(runId: number, target: TableTarget): string {
  const table = createHash('sha256').update(`${target.schema}.${target.table}`).digest('hex').slice(0, 12);
  return `molimport run ${runId} ${table}`;
}

/**
 * Every input exists, is a file (or a device/FIFO) and can be opened for reading: a clear
 * `InputError` naming the file, before anything is connected or written.
 */
async function checkInputsExist(files: readonly string[]): Promise<void> {
  for (const file of files) {
    if (file === '-') continue;
    try {
      if ((await stat(file)).isDirectory())
        throw new InputError(
          `cannot read ${file}: it is a directory; give the files in it (e.g. '${file}/*.sdf.gz')`,
          file,
        );
      await (await open(file, 'r')).close();
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`cannot read ${file}: ${describeFsError(err)}`, file, undefined, { cause: err });
    }
  }
}

/** The ledger rows of one batch: per file, the range of records it holds (rows and rejects). */
function ledgerFor(batch: readonly WorkItem[]) {
  const byFile = new Map<
    number,
    { fileIndex: number; fileKey: string; firstRecord: number; lastRecord: number }
  >();
  for (const item of batch) {
    const e = byFile.get(item.fileIndex);
    if (!e) {
      byFile.set(item.fileIndex, {
        fileIndex: item.fileIndex,
        fileKey: item.fileKey,
        firstRecord: item.record.record,
        lastRecord: item.record.record,
      });
    } else {
      e.firstRecord = Math.min(e.firstRecord, item.record.record);
      e.lastRecord = Math.max(e.lastRecord, item.record.record);
    }
  }
  return [...byFile.values()];
}

/** An error that is not ours (a bug, or a driver error outside the sink's mapping): fatal, exit 1. */
function wrapUnknown(err: unknown): MolimportError {
  return new DatabaseError(errorMessage(err), undefined, { cause: err });
}
