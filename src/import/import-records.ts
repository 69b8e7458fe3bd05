/**
 * The import proper: read → transform → batch → write. Work items flow from the inputs through the
 * adaptive engine into the sink; each settled batch's outcomes are counted here, in input order.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseError, errorMessage, ErrorLimitError } from '../errors.js';
import { AdaptiveBatchProcessor, ChemicalDataBatchStrategy } from '../engine/index.js';
import type { BatchResult } from '../engine/index.js';
import { packagedRdkitVersion, sameRdkitRelease } from '../chem/rdkit-version.js';
import { fillMolColumn } from '../sink/rdkit-cartridge.js';
import { RowArena } from '../sink/packed-rows.js';
import { halt, type RunContext } from './run-context.js';
import { readWorkItems, rejectFromItem, type FileProgress, type WorkItem } from './work-items.js';
import { addMol, createProcessFunc, RejectsOnce, type ItemStatus } from './write-batch.js';

/** Live progress at most this often; the final figures are emitted regardless. */
const PROGRESS_EVERY_MS = 100;

/** Runs every input through the engine and counts each record's fate; then the run's after-work. */
export async function importRecords(ctx: RunContext): Promise<void> {
  const { cfg, emit, tally } = ctx;
  const rejects = new RejectsOnce(ctx);
  const processor = createProcessor(ctx, rejects);
  emit({ type: 'phase', phase: 'importing' });
  tally.importStarted();
  const progress: FileProgress = { fileIndex: -1, bytesRead: () => 0, totalBytes: null, fileRead: 0 };
  const items = readWorkItems(cfg, {
    signal: ctx.stop.signal,
    resume: ctx.resume,
    tally,
    progress,
    emit,
    onInputError: (err) => tally.noteInputError(err),
    inputBytes: ctx.inputBytes,
    inputs: ctx.inputs,
    keysInFlight: ctx.keysInFlight,
    // Rows are packed only for the writer: the chemistry stage rewrites them in place. Their
    // properties are printed as jsonb only where a digest may settle them: upsert/replace
    // re-imports (it costs ~1.7 µs per PubChem row more than JSON.stringify).
    arena:
      ctx.db !== undefined && ctx.chem === undefined && !cfg.dryRun
        ? new RowArena({ printed: ctx.sourceStored && (cfg.mode === 'upsert' || cfg.mode === 'replace') })
        : undefined,
    // A skip re-import writes only the rows not stored yet: the others need no columns encoded.
    packingHint: ctx.sourceStored && cfg.mode === 'skip' ? ctx.packingHint : undefined,
  });
  let lastEmit = 0;
  let lastSize = 0;
  for await (const batch of processor.stream(items, { parallel: cfg.parallel })) {
    settleBatch(ctx, rejects, batch);
    lastSize = batch.size;
    const now = performance.now();
    if (now - lastEmit > PROGRESS_EVERY_MS) {
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
  await afterImport(ctx);
  tally.engine(processor.getStats());
  await processor.close();
}

function createProcessor(
  ctx: RunContext,
  rejects: RejectsOnce,
): AdaptiveBatchProcessor<WorkItem, ItemStatus> {
  const { cfg, log } = ctx;
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
  return new AdaptiveBatchProcessor<WorkItem, ItemStatus>({
    processFunc: createProcessFunc(ctx, rejects),
    strategy,
    maxWorkers: batchesInFlight(ctx),
    signal: ctx.stop.signal,
    logger: log,
    // Transient database errors are retried inside the sink, on a fresh connection.
    isTransient: () => false,
  });
}

/**
 * Batches written at once: `--workers`, one per connection. The embedded database is one
 * connection, so a second batch could only wait for it while holding its records (~20 MB of peak
 * RSS at 20,000 PubChem records, and 2 % of the time: bench/pglite.mjs); with a chemistry stage it
 * still pays, since the next batch's RDKit work runs while this one is written.
 */
function batchesInFlight(ctx: RunContext): number {
  if (!ctx.cfg.parallel) return 1;
  if (ctx.db?.describe().kind === 'embedded' && ctx.chem === undefined) return 1;
  return ctx.cfg.workers;
}

/** Counts one settled batch's records and halts when an error limit is exceeded. */
function settleBatch(ctx: RunContext, rejects: RejectsOnce, batch: BatchResult<WorkItem, ItemStatus>): void {
  const { tally } = ctx;
  const touched = new Set<number>();
  for (const outcome of batch.outcomes) {
    const item = outcome.item;
    ctx.keysInFlight.settle(item);
    touched.add(item.fileIndex);
    if (!outcome.ok) {
      const duplicateKey = outcome.error instanceof DatabaseError && outcome.error.sqlState === '23505';
      // Not in the ledger (its batch failed): a reject that cannot be written is redone by --resume.
      const reject = rejectFromItem(
        item,
        `database refused the record: ${errorMessage(outcome.error)}`,
        duplicateKey ? 'duplicate-key' : 'db-refused',
      );
      if (!rejects.tryWrite(item, reject)) continue;
      tally.reject(item.fileIndex, reject.kind);
      continue;
    }
    if (outcome.value === 'unwritten') continue;
    if (outcome.value === 'rejected' && item.reject) {
      if (!rejects.tryWrite(item, item.reject)) continue;
      tally.reject(item.fileIndex, item.reject.kind);
    } else {
      tally.count(item.fileIndex, outcome.value);
    }
  }
  tally.batch(batch.size, touched);
  const limit = tally.errorLimitExceeded(false);
  if (limit) halt(ctx, new ErrorLimitError(limit));
}

/** The `mol` sweep, the chemistry totals, and a warning when the cartridge's RDKit is not ours. */
async function afterImport(ctx: RunContext): Promise<void> {
  const { db, target, cartridge, chem, tally } = ctx;
  if (db && target && cartridge) {
    // Rows from earlier runs, rows an upsert left unchanged, a crash between write and fill.
    // Its failures were already counted by the batch that wrote them.
    const swept = await fillMolColumn(db, target, { runId: null }, cartridge);
    addMol(ctx, { filled: swept.filled, failed: 0 });
  }
  if (chem) tally.chemistry = chem.totals();
  if (cartridge?.toolkitVersion) {
    const ours = tally.chemistry?.rdkitVersion ?? packagedRdkitVersion();
    if (ours !== null && !sameRdkitRelease(ours, cartridge.toolkitVersion)) {
      ctx.emit({
        type: 'warning',
        message: `the RDKit cartridge's RDKit (${cartridge.toolkitVersion}) is not molimport's (${ours}): the mol column and the computed identifiers may disagree on a few structures`,
      });
    }
  }
}
