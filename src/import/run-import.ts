/**
 * One import run: sources → parse → transform → engine → sink, with the run's bookkeeping, the
 * rejects file and progress events. The CLI and library users both call `runImport`; it returns
 * the stats that `--json` prints, also when the run fails (only invalid options throw).
 *
 * The run reads as its phases, each in its own file over one {@link RunContext}: prepare the
 * target (prepare-target.ts), plan the run and resume (plan-run.ts), read → transform → batch →
 * write (import-records.ts, write-batch.ts), finish the run (finish-run.ts).
 */
import type { SqlExecutor } from '../sink/index.js';
import type { ImportEventListener } from './events.js';
import { checkInputsReadable } from './check-inputs.js';
import { checkRunEnd, finishRun, noteFatal, releaseRunResources } from './finish-run.js';
import { importRecords } from './import-records.js';
import { downloadInputs, prepareInputs } from './inputs.js';
import type { ImportOptions } from './options.js';
import { planRun } from './plan-run.js';
import { prepareTarget } from './prepare-target.js';
import { createRunContext } from './run-context.js';
import type { ImportStats } from './stats.js';

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

/**
 * Imports `options.files` into the target table and resolves with the run's stats, also when the
 * run fails or is interrupted (`status`, `exitCode`, `error`, `errorCode`); committed batches
 * stay, and `resume: true` continues a run that did not complete.
 *
 * @param options The run's options; see {@link ImportOptions} for each default and limit.
 * @param hooks `onEvent` receives progress events (phases, retries, progress, warnings, `done`).
 * @returns The stats `molimport --json` prints: read = inserted + updated + unchanged +
 *   duplicates + rejected + skipped.
 * @throws {ConfigurationError} Invalid options (code `MOLIMPORT_CONFIG`, `MOLIMPORT_DB_URL` or
 *   `MOLIMPORT_UNKNOWN_OPTION`), or a `rejectsFile` that already exists (without `resume`): before
 *   anything is read. Every later failure is in the stats instead.
 */
export async function runImport(options: ImportOptions, hooks: RunImportHooks = {}): Promise<ImportStats> {
  const ctx = await createRunContext(options, hooks);
  try {
    ctx.inputBytes = await checkInputsReadable(ctx.cfg.files);
    ctx.inputs = await prepareInputs(ctx.cfg, { signal: ctx.stop.signal });
    if (!ctx.cfg.dryRun) {
      const { db, target } = await prepareTarget(ctx);
      await planRun(ctx, db, target);
    }
    // After the unchanged check: a file a completed run already loaded is not downloaded again.
    await downloadInputs(ctx.cfg, ctx.inputs, { signal: ctx.stop.signal });
    await importRecords(ctx);
    await checkRunEnd(ctx);
  } catch (err) {
    noteFatal(ctx, err);
  } finally {
    await releaseRunResources(ctx);
  }
  return finishRun(ctx);
}
