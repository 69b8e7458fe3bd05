/**
 * The last phase of a run: the final error-limit check and `--sync`, then the stats, the run's
 * row in the ledger, and releasing the lock and the connections.
 */
import {
  DeleteGuardError,
  errorMessage,
  ErrorLimitError,
  LeaseLostError,
  MolimportError,
} from '../errors.js';
import { performance } from 'node:perf_hooks';
import { applySync, previewSync } from '../sink/sync.js';
import { openDatabase, resolveDatabaseTarget } from './open-database.js';
import { halt, type RunContext } from './run-context.js';
import type { ImportStats } from './stats.js';

/** After the last batch: the rate limit over all records, an input that failed, then `--sync`. */
export async function checkRunEnd(ctx: RunContext): Promise<void> {
  const finalLimit = ctx.tally.errorLimitExceeded(true);
  if (finalLimit) halt(ctx, new ErrorLimitError(finalLimit));
  const inputError = ctx.tally.inputError();
  if (inputError && !ctx.stopReason) ctx.stopReason = inputError;
  if (ctx.cfg.sync && !ctx.stopReason) await syncAfterImport(ctx, ctx.cfg.sync);
}

/** Only a run that completed every file with no limit tripped gets here. */
async function syncAfterImport(ctx: RunContext, mode: 'hard' | 'soft'): Promise<void> {
  const { cfg, emit, tally, db, target, runId, dryRunSeen } = ctx;
  if (ctx.inputs.some((i) => i.unchangedSinceRun !== null)) {
    emit({ type: 'warning', message: 'sync skipped: the inputs are unchanged since the run named above' });
    return;
  }
  emit({ type: 'phase', phase: 'finishing', detail: `sync (${mode})` });
  if (dryRunSeen) {
    const resolved = resolveDatabaseTarget(cfg);
    const reader = await openDatabase({ ...cfg, maxConnections: 1, logger: ctx.log }, resolved);
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
}

/** An error that ended the run early: its reason unless one was given already. */
export function noteFatal(ctx: RunContext, err: unknown): void {
  ctx.stopReason ??=
    err instanceof MolimportError
      ? err
      : new MolimportError(errorMessage(err), 'MOLIMPORT_INTERNAL', 1, { cause: err });
  // Reported once, by the caller, from the stats this run resolves with (the CLI logs `done` at
  // `error`); here only the detail for debugging.
  ctx.log?.debug({ err: errorMessage(err) }, 'import stopped by an error');
}

/** Stops listening to the signal and closes the rejects file and the chemistry workers. */
export async function releaseRunResources(ctx: RunContext): Promise<void> {
  ctx.detachSignal();
  ctx.rejects.close();
  await ctx.chem?.close().catch(() => undefined);
}

/** The stats; the run's row in the ledger; the lock and the connections released; `done`. */
export async function finishRun(ctx: RunContext): Promise<ImportStats> {
  const { cfg, emit, tally, db, target, runId, stopReason, fleet } = ctx;
  const stats = tally.finish({
    durationMs: performance.now() - ctx.startedAt,
    database: ctx.databaseLabel,
    table: `${target?.schema ?? cfg.schema}.${target?.table ?? cfg.table}`,
    rejectsFiles: ctx.rejects.files,
    error: stopReason,
  });
  if (db) {
    emit({ type: 'phase', phase: 'finishing' });
    try {
      // A fleet job whose lease was lost leaves the run to the attempt that took it over.
      if (runId !== null && !(fleet && stopReason instanceof LeaseLostError)) {
        const earlier = ctx.resume?.runId !== undefined ? ctx.resume.earlierSessions : [];
        await db.finishRun(
          runId,
          stats.status === 'completed' ? 'completed' : stats.status,
          earlier.length > 0 ? { ...stats, earlierSessions: earlier } : stats,
          stats.error ?? undefined,
        );
      }
    } catch (err) {
      ctx.log?.warn({ err: errorMessage(err) }, 'could not record the run');
    }
    await ctx.releaseLock?.().catch(() => undefined);
    await db.close().catch(() => undefined);
    emit({ type: 'phase-done', phase: 'finishing', detail: runId === null ? undefined : `run ${runId}` });
  }
  emit({ type: 'done', stats });
  return stats;
}
