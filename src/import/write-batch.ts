/**
 * The engine's process function for an import: one batch of work items → chemistry (when asked) →
 * its rejects on disk → its rows and ledger ranges in one transaction → the `mol` column and the
 * cross-source count. Returns each item's fate; a fatal error halts the run instead of throwing.
 */
import { errorMessage, ErrorLimitError, InterruptedError } from '../errors.js';
import { isDataDbError, type DatabaseOperations, type TableTarget } from '../sink/index.js';
import { fillMolColumn, type RdkitCartridge } from '../sink/rdkit-cartridge.js';
import { recordSeen } from '../sink/sync.js';
import type { Reject } from '../types.js';
import { countKnownElsewhere } from '../sink/overlap-queries.js';
import { haltOn, type RunContext } from './run-context.js';
import type { RowStatus } from '../types.js';
import { releaseWritten, type WorkItem } from './work-items.js';

/** A batch item's fate as the process function reports it. */
export type ItemStatus = RowStatus | 'unwritten';

/** Writes each item's reject once, whichever of the batch or its split halves gets there first. */
export class RejectsOnce {
  readonly #written = new WeakSet<WorkItem>();
  constructor(private readonly ctx: RunContext) {}

  write(item: WorkItem, reject: Reject): void {
    if (this.#written.has(item)) return;
    this.ctx.rejects.write(reject);
    this.#written.add(item);
  }

  /** Like `write`, but a failure halts the run and returns false. */
  tryWrite(item: WorkItem, reject: Reject): boolean {
    try {
      this.write(item, reject);
      return true;
    } catch (err) {
      haltOn(this.ctx, err);
      return false;
    }
  }
}

/** The process function over the run's target as `planRun` left it (none in a dry run). */
export function createProcessFunc(
  ctx: RunContext,
  rejects: RejectsOnce,
): (batch: WorkItem[]) => Promise<ItemStatus[]> {
  const { cfg, chem, db, target, dryRunSeen } = ctx;
  return async (batch) => {
    if (chem) {
      // In place: the engine reports these very items, so a refused structure arrives as a reject.
      const r = await chem.apply(batch, { inPlace: true });
      ctx.tally.chemistryWarnings += r.warnings;
    }
    if (cfg.dryRun || db === undefined || target === undefined) {
      if (dryRunSeen) for (const i of batch) if (i.row) dryRunSeen.add(i.row.externalId);
      return batch.map((i) => (i.row ? 'skipped' : 'rejected'));
    }
    // After a fatal error nothing more is written; the items are not counted as read, so
    // read = inserted + ... still holds and --resume picks them up.
    const reason = ctx.stopReason;
    if (
      ctx.stop.signal.aborted &&
      reason !== undefined &&
      !(reason instanceof ErrorLimitError) &&
      !(reason instanceof InterruptedError)
    ) {
      return batch.map(() => 'unwritten');
    }
    // The batch's ledger range covers its rejects: they reach the disk before it commits, or
    // the batch is not written at all (resume reads it again).
    try {
      for (const i of batch) if (!i.row && i.reject) rejects.write(i, i.reject);
      ctx.rejects.sync();
    } catch (err) {
      haltOn(ctx, err);
      return batch.map(() => 'unwritten');
    }
    try {
      return await writeRows(ctx, db, target, batch);
    } catch (err) {
      // A value PostgreSQL refuses: let the engine split the batch down to the offending records.
      if (isDataDbError(err)) throw err;
      haltOn(ctx, err);
      return batch.map(() => 'unwritten');
    }
  };
}

/** The batch's rows and ledger ranges in one transaction, then what follows a commit. */
async function writeRows(
  ctx: RunContext,
  db: DatabaseOperations,
  target: TableTarget,
  batch: WorkItem[],
): Promise<ItemStatus[]> {
  const { cfg, fleet, seen, cartridge, runId } = ctx;
  const rowItems = batch.filter((i) => i.row !== undefined);
  const stampUnchanged = laterThanInFlight(ctx, rowItems);
  const result = await db.writeMolecules({
    target,
    rows: rowItems.map((i) => i.row!),
    mode: cfg.mode,
    runId,
    seqOf: (_row, index) => rowItems[index]!.seq,
    ledger: ledgerFor(batch),
    digestHint: ctx.digestHint,
    // A re-import: its batches settle stored keys without probing for them first.
    storedLikely: ctx.sourceStored && ctx.packingHint.mostlyUnchanged,
    ...(stampUnchanged ? { stampUnchanged } : {}),
    ...(seen
      ? {
          afterWrite: (tx) =>
            recordSeen(
              tx,
              seen,
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
  ctx.packingHint.record(rowItems.length, result.unchanged);
  if (cartridge && rowItems.length > 0) await fillMol(ctx, db, target, rowItems, cartridge);
  if (ctx.crossSource) await countCrossSource(ctx, db, target, rowItems, result.statuses);
  let k = 0;
  const statuses = batch.map((i) => (i.row ? (result.statuses[k++] ?? 'unwritten') : 'rejected'));
  for (const i of rowItems) {
    ctx.keysInFlight.settle(i);
    releaseWritten(i);
  }
  return statuses;
}

/**
 * The batch's rows (indexes into `items`) with an earlier record of their ID still in flight: if
 * such a row turns out unchanged it must still be stamped with this run (see keys-in-flight.ts).
 */
function laterThanInFlight(ctx: RunContext, items: readonly WorkItem[]): Set<number> | undefined {
  if (ctx.cfg.mode === 'skip' || ctx.cfg.mode === 'insert') return undefined;
  let found: Set<number> | undefined;
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    if (ctx.keysInFlight.hasEarlier(item.row!.externalId, item.seq)) (found ??= new Set()).add(k);
  }
  return found;
}

/**
 * Fills `mol` right after each batch commits, on its own connection, so parallel batches fill in
 * parallel; a failure here is only logged: the sweep at the end fills what was missed.
 */
async function fillMol(
  ctx: RunContext,
  db: DatabaseOperations,
  target: TableTarget,
  items: WorkItem[],
  cartridge: RdkitCartridge,
): Promise<void> {
  try {
    addMol(
      ctx,
      await fillMolColumn(db, target, { runId: ctx.runId, seqs: items.map((i) => i.seq) }, cartridge),
    );
  } catch (err) {
    ctx.log?.warn(
      { err: errorMessage(err) },
      'filling the mol column failed for a batch; the final sweep retries',
    );
  }
}

/** Adds filled and failed `mol` values to the run's counts. */
export function addMol(ctx: RunContext, r: { filled: number; failed: number }): void {
  const counts = ctx.tally.rdkitMol;
  if (!counts) return;
  counts.filled += r.filled;
  counts.failed += r.failed;
}

/** Counts the batch's new or changed molecules whose InChIKey another source already has. */
async function countCrossSource(
  ctx: RunContext,
  db: DatabaseOperations,
  target: TableTarget,
  items: WorkItem[],
  statuses: readonly string[],
): Promise<void> {
  const keys: string[] = [];
  items.forEach((i, k) => {
    const key = i.row?.inchikey;
    if (key && (statuses[k] === 'inserted' || statuses[k] === 'updated')) keys.push(key);
  });
  try {
    ctx.tally.knownUnderOtherSource =
      (ctx.tally.knownUnderOtherSource ?? 0) + (await countKnownElsewhere(db, target, ctx.cfg.source, keys));
  } catch (err) {
    ctx.log?.warn({ err: errorMessage(err) }, 'could not count molecules known under another source');
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
