/**
 * One import run: sources → parse → transform → engine → sink, with the run's bookkeeping, the
 * rejects file and progress events. The CLI and library users both call `runImport`; it returns
 * the stats that `--json` prints, also when the run fails (only invalid options throw).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  DatabaseError,
  ErrorLimitError,
  errorMessage,
  InterruptedError,
  LeaseLostError,
  MolimportError,
  ResumeError,
  DeleteGuardError,
} from '../errors.js';
import { AdaptiveBatchProcessor, ChemicalDataBatchStrategy } from '../engine/index.js';
import { isDataDbError, type DatabaseOperations, type SqlExecutor, type TableTarget } from '../sink/index.js';
import { openDatabase, resolveDatabaseTarget } from './open-database.js';
import { checkInputsReadable } from './check-inputs.js';
import { assertSchemaExists } from './existing-target.js';
import {
  checkRdkitCartridge,
  ensureMolColumn,
  fillMolColumn,
  type RdkitCartridge,
} from '../sink/rdkit-cartridge.js';
import type { ChemistryStage } from './chemistry-stage.js';
import { countKnownElsewhere, otherSourcesExist } from '../sink/overlap-queries.js';
import { resolveImportConfig, type ResolvedImportConfig } from './config.js';
import type { ImportEventListener } from './events.js';
import { readWorkItems, type FileProgress } from './work-items.js';
import type { ImportOptions } from './options.js';
import { planResume, type ResumePlan } from './resume.js';
import {
  checkRejectsTarget,
  defaultRejectsBase,
  RejectsWriter,
  type RejectsTarget,
} from './rejects-writer.js';
import { packagedRdkitVersion, sameRdkitRelease } from '../chem/rdkit-version.js';
import { RunTally } from './run-tally.js';
import type { ImportStats } from './stats.js';
import type { Reject, RowStatus } from '../types.js';
import { rejectFromItem, releaseWritten, type WorkItem } from './work-items.js';
import { describeForResume, downloadInputs, prepareInputs, type PreparedInput } from './inputs.js';
import { applySync, prepareSync, previewSync, recordSeen, seenTable } from '../sink/sync.js';
import { findRunWithChecksum } from '../sink/run-files.js';

export interface RunImportHooks {
  onEvent?: ImportEventListener;
  /** Set by a fleet worker (src/fleet/) running one job; absent for a single run. */
  fleetJob?: FleetJobHooks;
}

/** One committed batch of a fleet job: its rows' outcomes and its parse rejects. */
export interface FleetBatchCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  rejected: number;
}

/**
 * How a fleet job's run differs from a single run: many workers write one table at once, so the
 * table lock is not taken; the job's lease fences every batch instead, and a retried job continues
 * the run of its earlier attempt from the ledger.
 */
export interface FleetJobHooks {
  /**
   * Checked inside every batch transaction, before COMMIT (see `MoleculeBatchOptions.leaseFence`),
   * with the batch's outcome, parse rejects included, to count it in the same transaction.
   */
  leaseFence(tx: SqlExecutor, batch: FleetBatchCounts): Promise<void>;
  /** The run an earlier attempt of this job started: continue it (`--resume` for that run). */
  continueRunId: number | undefined;
  /** Called once the run has its id, before any batch is written (the job records it). */
  onRunStarted(runId: number): Promise<void>;
}

/** A batch item's fate as the process function reports it. */
type ItemStatus = RowStatus | 'unwritten';

export async function runImport(options: ImportOptions, hooks: RunImportHooks = {}): Promise<ImportStats> {
  const cfg = resolveImportConfig(options);
  const emit: ImportEventListener = hooks.onEvent ?? (() => undefined);
  const fleet = hooks.fleetJob;
  const log = cfg.logger;
  const started = performance.now();
  const tally = new RunTally(cfg);
  const addMol = (r: { filled: number; failed: number }): void => {
    if (!tally.rdkitMol) return;
    tally.rdkitMol.filled += r.filled;
    tally.rdkitMol.failed += r.failed;
  };
  // A --rejects file that holds another run's rejects is refused before anything is read; a
  // resumed run may append to its own (checked once the run it continues is known).
  if (cfg.rejectsFile !== undefined && !cfg.resume)
    checkRejectsTarget({ base: cfg.rejectsFile, explicit: true, append: false });
  const rejects = new RejectsWriter({
    base: cfg.rejectsFile ?? defaultRejectsBase(cfg.rejectsDir, null, cfg.startedAt),
    explicit: cfg.rejectsFile !== undefined,
    append: false,
  });

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
    cfg.compute.size > 0 || cfg.validate || cfg.standardize
      ? (await import('./chemistry-stage.js')).createChemistryStage({
          compute: cfg.compute,
          validate: cfg.validate,
          recompute: cfg.recompute,
          standardize: cfg.standardize,
          rejectOn: cfg.rejectOn,
          threads: cfg.chemThreads,
          perRecordTimeoutMs: cfg.chemTimeoutMs,
        })
      : undefined;

  /** Only a run that completed every file with no limit tripped gets here. */
  const syncAfterImport = async (): Promise<void> => {
    const mode = cfg.sync!;
    if (inputs.some((i) => i.unchangedSinceRun !== null)) {
      emit({ type: 'warning', message: 'sync skipped: the inputs are unchanged since the run named above' });
      return;
    }
    emit({ type: 'phase', phase: 'finishing', detail: `sync (${mode})` });
    if (dryRunSeen) {
      const resolved = resolveDatabaseTarget(cfg);
      const reader = await openDatabase({ ...cfg, maxConnections: 1, logger: log }, resolved);
      try {
        tally.sync = await previewSync(
          reader,
          { schema: cfg.schema, table: cfg.table },
          { source: cfg.source, mode, maxDeleteFraction: cfg.maxDeleteFraction, ids: dryRunSeen },
        );
      } finally {
        await reader.close().catch(() => undefined);
      }
      return;
    }
    if (!db || !target || runId === null) return;
    try {
      tally.sync = await applySync(db, target, {
        runId,
        source: cfg.source,
        mode,
        maxDeleteFraction: cfg.maxDeleteFraction,
      });
    } catch (err) {
      if (err instanceof DeleteGuardError) tally.sync = err.details as typeof tally.sync;
      throw err;
    }
  };

  let inputs: PreparedInput[] = [];
  // --sync --dry-run: the IDs read, to count what a sync would delete (in memory: a dry run writes nothing).
  const dryRunSeen = cfg.sync && cfg.dryRun ? new Set<string>() : undefined;
  let seen: TableTarget | undefined;
  try {
    const inputBytes = await checkInputsReadable(cfg.files);
    inputs = await prepareInputs(cfg, { signal: stop.signal });

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
          onRetry: (r) => emit({ type: 'retry', ...r }),
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
      if (!cfg.createSchema) {
        await assertSchemaExists(db, cfg.schema, 'pass --create-schema (createSchema: true) to create it');
      }
      // Refuse --rdkit-mol before anything is written when the server has no cartridge.
      if (cfg.rdkitMol) cartridge = await checkRdkitCartridge(db);
      target = await db.ensureSchema({ schema: cfg.schema, table: cfg.table });
      if (cartridge) {
        await ensureMolColumn(db, target, cartridge);
        tally.rdkitMol = {
          filled: 0,
          failed: 0,
          cartridgeRdkitVersion: cartridge.toolkitVersion,
          extensionVersion: cartridge.extensionVersion,
        };
      }
      emit({ type: 'phase-done', phase: 'schema', detail: `${target.schema}.${target.table}` });

      if (!fleet) {
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
      }

      resume = await planResume(
        db,
        cfg,
        target,
        (i) => describeForResume(inputs[i]!, cfg),
        fleet?.continueRunId,
      );
      if (resume.warning) emit({ type: 'warning', message: resume.warning });
      if (resume.rereads !== undefined) rejects.rereads(resume.rereads);
      runId = resume.runId ?? (await db.startRun(resume.runInfo, resume.continues));
      await fleet?.onRunStarted(runId);
      if (resume.continues !== undefined) tally.priorRejected = (await db.committedRejects(runId)) ?? 0;
      if (!fleet) await db.labelTableLock(target, runConnectionName(runId, target));
      // A --resume that starts a new run does not append to the earlier run's rejects.
      const rejectsTarget = rejectsTargetFor(cfg, runId, resume.previousRejects);
      rejects.retarget(rejectsTarget);
      await db.noteRunOptions(runId, {
        rejectsBase: rejectsTarget.base,
        rejectsExplicit: rejectsTarget.explicit,
      });
      tally.runId = runId;
      tally.resumed = resume.runId !== undefined || resume.continues !== undefined;
      if (resume.continues === undefined) tally.priorRejected = resume.priorRejected;
      if (!cfg.force && resume.runId === undefined) await markUnchanged(db, target, cfg, inputs);
      if (cfg.sync) {
        const prepared = await prepareSync(db, target, { runId, source: cfg.source, mode: cfg.sync });
        if (tally.resumed && !prepared.seenExisted)
          throw new ResumeError(
            `cannot resume run ${runId} with --sync: it ran without --sync, so it did not record which molecules it saw; start a new run`,
          );
        seen = seenTable(db.schema, runId);
      }
      // Cross-source identity is counted per batch, and only when there is another source to meet.
      crossSource = await otherSourcesExist(db, target, cfg.source);
      tally.knownUnderOtherSource = 0;
    }

    // After the unchanged check: a file a completed run already loaded is not downloaded again.
    await downloadInputs(cfg, inputs, { signal: stop.signal });

    // Each item's reject is written once, whichever of the batch or its split halves gets there first.
    const rejectWritten = new WeakSet<WorkItem>();
    const writeReject = (item: WorkItem, reject: Reject): void => {
      if (rejectWritten.has(item)) return;
      rejects.write(reject);
      rejectWritten.add(item);
    };
    const writer = db;
    const writeTarget = target;
    const seenInRun = seen;
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
        if (dryRunSeen) for (const i of batch) if (i.row) dryRunSeen.add(i.row.externalId);
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
          ...(seenInRun
            ? {
                afterWrite: (tx) =>
                  recordSeen(
                    tx,
                    seenInRun,
                    rowItems.map((i) => i.row!.externalId),
                  ),
              }
            : {}),
          ...(fleet
            ? {
                leaseFence: (tx, w) =>
                  fleet.leaseFence(tx, {
                    inserted: w.inserted,
                    updated: w.updated,
                    unchanged: w.unchanged,
                    duplicates: w.duplicates,
                    rejected: batch.length - rowItems.length,
                  }),
              }
            : {}),
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
    const progress: FileProgress = { fileIndex: -1, bytesRead: () => 0, totalBytes: null, fileRead: 0 };
    const items = readWorkItems(cfg, {
      signal: stop.signal,
      resume,
      tally,
      progress,
      emit,
      onInputError: (err) => tally.noteInputError(err),
      inputBytes,
      inputs,
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
    let lastSize = 0;
    for await (const batch of processor.stream(items, { parallel: cfg.parallel })) {
      const touched = new Set<number>();
      for (const outcome of batch.outcomes) {
        const item = outcome.item;
        touched.add(item.fileIndex);
        if (!outcome.ok) {
          const duplicateKey = outcome.error instanceof DatabaseError && outcome.error.sqlState === '23505';
          // Not in the ledger (its batch failed): a reject that cannot be written is redone by --resume.
          const reject = rejectFromItem(
            item,
            `database refused the record: ${errorMessage(outcome.error)}`,
            duplicateKey ? 'duplicate-key' : 'db-refused',
          );
          if (!tryWriteReject(item, reject)) continue;
          tally.reject(item.fileIndex, reject.kind);
          continue;
        }
        if (outcome.value === 'unwritten') continue;
        if (outcome.value === 'rejected' && item.reject) {
          if (!tryWriteReject(item, item.reject)) continue;
          tally.reject(item.fileIndex, item.reject.kind);
        } else {
          tally.count(item.fileIndex, outcome.value);
        }
      }
      tally.batch(batch.size, touched);
      lastSize = batch.size;
      const limit = tally.errorLimitExceeded(false);
      if (limit) halt(new ErrorLimitError(limit));
      const now = performance.now();
      if (now - lastEmit > 100) {
        lastEmit = now;
        // The batch just settled, not the strategy's next choice: that may never be used (the
        // input ends, or the bytes cap cuts it), and the live figure must not exceed the final max.
        emit({ type: 'progress', ...tally.progress(progress, batch.size) });
      }
    }
    tally.importEnded();
    // The final figures, unthrottled: a small file may settle before the first progress event, and
    // a bar left at `0 read` would contradict the stats printed below it.
    emit({ type: 'progress', ...tally.progress(progress, lastSize) });
    if (db && target && cartridge) {
      // Rows from earlier runs, rows an upsert left unchanged, a crash between write and fill.
      // Its failures were already counted by the batch that wrote them.
      const swept = await fillMolColumn(db, target, { runId: null }, cartridge);
      addMol({ filled: swept.filled, failed: 0 });
    }
    if (chem) tally.chemistry = chem.totals();
    if (cartridge?.toolkitVersion) {
      const ours = tally.chemistry?.rdkitVersion ?? packagedRdkitVersion();
      if (ours !== null && !sameRdkitRelease(ours, cartridge.toolkitVersion)) {
        emit({
          type: 'warning',
          message: `the RDKit cartridge's RDKit (${cartridge.toolkitVersion}) is not molimport's (${ours}): the mol column and the computed identifiers may disagree on a few structures`,
        });
      }
    }
    const engineStats = processor.getStats();
    tally.engine(engineStats);
    await processor.close();

    const finalLimit = tally.errorLimitExceeded(true);
    if (finalLimit) halt(new ErrorLimitError(finalLimit));
    const inputError = tally.inputError();
    if (inputError && !stopReason) stopReason = inputError;
    if (cfg.sync && !stopReason) await syncAfterImport();
  } catch (err) {
    stopReason ??=
      err instanceof MolimportError
        ? err
        : new MolimportError(errorMessage(err), 'MOLIMPORT_INTERNAL', 1, { cause: err });
    // Reported once, by the caller, from the stats this run resolves with (the CLI logs `done` at
    // `error`); here only the detail for debugging.
    log?.debug({ err: errorMessage(err) }, 'import stopped by an error');
  } finally {
    cfg.signal?.removeEventListener('abort', onCallerAbort);
    rejects.close();
    await chem?.close().catch(() => undefined);
  }

  const stats = tally.finish({
    durationMs: performance.now() - started,
    database: databaseLabel,
    table: `${target?.schema ?? cfg.schema}.${target?.table ?? cfg.table}`,
    rejectsFiles: rejects.files,
    error: stopReason,
  });

  if (db) {
    emit({ type: 'phase', phase: 'finishing' });
    try {
      // A fleet job whose lease was lost leaves the run to the attempt that took it over.
      if (runId !== null && !(fleet && stopReason instanceof LeaseLostError)) {
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

/**
 * Where this run's rejects go: a resumed run continues the files of the run it resumes (unless
 * given another --rejects); otherwise --rejects, which must not exist yet, or a new default name
 * with the run's id.
 */
function rejectsTargetFor(
  cfg: ResolvedImportConfig,
  runId: number,
  previous: { base: string; explicit: boolean } | undefined,
): RejectsTarget {
  if (previous !== undefined && (cfg.rejectsFile === undefined || cfg.rejectsFile === previous.base))
    return { ...previous, append: true };
  const target: RejectsTarget =
    cfg.rejectsFile === undefined
      ? { base: defaultRejectsBase(cfg.rejectsDir, runId, cfg.startedAt), explicit: false, append: false }
      : { base: cfg.rejectsFile, explicit: true, append: false };
  checkRejectsTarget(target);
  return target;
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

/**
 * Files whose checksum is known before reading (a published `.md5`, or given) and that a completed
 * run already loaded: skipped, unless `--force`. With `--sync` all or nothing: a sync must see the
 * whole release, so unless every file is unchanged, every file is read.
 */
async function markUnchanged(
  db: DatabaseOperations,
  target: TableTarget,
  cfg: ReturnType<typeof resolveImportConfig>,
  inputs: PreparedInput[],
): Promise<void> {
  for (const input of inputs) {
    if (input.error || !input.expected) continue;
    const run = await findRunWithChecksum(db, {
      source: cfg.source,
      target,
      algorithm: input.expected.algorithm,
      hex: input.expected.hex,
    });
    input.unchangedSinceRun = run ?? null;
  }
  if (cfg.sync && inputs.some((i) => i.unchangedSinceRun === null)) {
    for (const i of inputs) i.unchangedSinceRun = null;
  }
}
