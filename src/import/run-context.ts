/**
 * The state of one import run, in one object the phases of `runImport` share: the resolved
 * options, the counts, the rejects file, what stops the run, and the database target once there.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseError, errorMessage, InterruptedError, MolimportError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DatabaseOperations, TableTarget } from '../sink/index.js';
import type { RdkitCartridge } from '../sink/rdkit-cartridge.js';
import { DigestHint } from '../sink/row-digest.js';
import { PackingHint } from './packing-hint.js';
import type { ChemistryStage } from './chemistry-stage.js';
import { resolveImportConfig, type ResolvedImportConfig } from './config.js';
import type { ImportEventListener } from './events.js';
import type { PreparedInput } from './inputs.js';
import type { ImportOptions } from './options.js';
import { checkRejectsTarget, defaultRejectsBase, RejectsWriter } from './rejects-writer.js';
import type { ResumePlan } from './resume.js';
import { KeysInFlight } from './keys-in-flight.js';
import { RunTally } from './run-tally.js';
import type { FleetJobHooks, RunImportHooks } from './run-import.js';

export interface RunContext {
  readonly cfg: ResolvedImportConfig;
  readonly emit: ImportEventListener;
  /** Set when a fleet worker runs one job; absent for a single run. */
  readonly fleet: FleetJobHooks | undefined;
  readonly log: Logger | undefined;
  /** `performance.now()` when the run was called. */
  readonly startedAt: number;
  readonly tally: RunTally;
  readonly rejects: RejectsWriter;
  /** One controller stops reading: the caller's signal (Ctrl-C), an error limit, or a fatal error. */
  readonly stop: AbortController;
  /** Why the run stopped: the first reason given to {@link halt}, or the error that ended it. */
  stopReason: MolimportError | undefined;
  /** Loaded only when asked for: RDKit's pool (piscina, worker threads) is not part of a plain import. */
  readonly chem: ChemistryStage | undefined;
  /** Removes the listener on the caller's signal. */
  readonly detachSignal: () => void;
  inputs: PreparedInput[];
  /** Total bytes of the inputs, when all are local files. */
  inputBytes: number | null;
  /** --sync --dry-run: the IDs read, to count what a sync would delete (in memory: a dry run writes nothing). */
  readonly dryRunSeen: Set<string> | undefined;
  /** The database as the stats name it. */
  databaseLabel: string;
  // Set by prepareTarget / planRun; undefined in a dry run.
  db: DatabaseOperations | undefined;
  target: TableTarget | undefined;
  releaseLock: (() => Promise<void>) | undefined;
  cartridge: RdkitCartridge | undefined;
  runId: number | null;
  resume: ResumePlan | undefined;
  /** Cross-source identity is counted per batch, and only when there is another source to meet. */
  crossSource: boolean;
  /** Whether the table held rows of this source when the run started: a re-import, not a first one. */
  sourceStored: boolean;
  /** The table recording which molecules a --sync run saw. */
  seen: TableTarget | undefined;
  /** The IDs read but not yet settled, for the later-record-wins rule on unchanged rows. */
  readonly keysInFlight: KeysInFlight;
  /** Whether re-imported rows have been matching by digest (sink/row-digest.ts). */
  readonly digestHint: DigestHint;
  /** Whether a `--mode skip` re-import's rows have been mostly stored (packing-hint.ts). */
  readonly packingHint: PackingHint;
}

/**
 * Resolves the options (invalid ones throw `ConfigurationError`), refuses a `--rejects` file that
 * holds another run's rejects, listens to the caller's signal and loads the chemistry stage.
 */
export async function createRunContext(options: ImportOptions, hooks: RunImportHooks): Promise<RunContext> {
  const cfg = resolveImportConfig(options);
  const startedAt = performance.now();
  // Its clock starts here: loading the chemistry stage counts as startup.
  const tally = new RunTally(cfg);
  // A resumed run may append to its own rejects (checked once the run it continues is known).
  if (cfg.rejectsFile !== undefined && !cfg.resume)
    checkRejectsTarget({ base: cfg.rejectsFile, explicit: true, append: false });
  const rejects = new RejectsWriter({
    base: cfg.rejectsFile ?? defaultRejectsBase(cfg.rejectsDir, null, cfg.startedAt),
    explicit: cfg.rejectsFile !== undefined,
    append: false,
  });
  const stop = new AbortController();
  const partial = { stop, stopReason: undefined as MolimportError | undefined };
  const onCallerAbort = (): void =>
    halt(
      partial,
      new InterruptedError('interrupted by a signal; committed batches stay (resume with --resume)'),
    );
  if (cfg.signal?.aborted) onCallerAbort();
  cfg.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const chem =
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
  // `partial` becomes the context: a signal before this point already set its stopReason.
  return Object.assign(partial, {
    cfg,
    emit: hooks.onEvent ?? (() => undefined),
    fleet: hooks.fleetJob,
    log: cfg.logger,
    startedAt,
    tally,
    rejects,
    chem,
    detachSignal: () => cfg.signal?.removeEventListener('abort', onCallerAbort),
    inputs: [],
    inputBytes: null,
    dryRunSeen: cfg.sync && cfg.dryRun ? new Set<string>() : undefined,
    databaseLabel: cfg.dryRun ? 'none (dry run)' : '',
    db: undefined,
    target: undefined,
    releaseLock: undefined,
    cartridge: undefined,
    runId: null,
    resume: undefined,
    crossSource: false,
    sourceStored: false,
    seen: undefined,
    keysInFlight: new KeysInFlight(),
    digestHint: new DigestHint(),
    packingHint: new PackingHint(),
  });
}

/** Stops reading, keeping the first reason: later ones are consequences of it. */
export function halt(
  ctx: { stop: AbortController; stopReason: MolimportError | undefined },
  reason: MolimportError,
): void {
  ctx.stopReason ??= reason;
  if (!ctx.stop.signal.aborted) ctx.stop.abort(reason);
}

/** Halts on any thrown value: ours as is, anything else as a fatal `DatabaseError`. */
export function haltOn(ctx: RunContext, err: unknown): void {
  halt(ctx, err instanceof MolimportError ? err : wrapUnknown(err));
}

/** An error that is not ours (a bug, or a driver error outside the sink's mapping): fatal, exit 1. */
function wrapUnknown(err: unknown): MolimportError {
  return new DatabaseError(errorMessage(err), undefined, { cause: err });
}
