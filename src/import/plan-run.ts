/**
 * The second phase of a run that writes: decide what to skip (`--resume`, unchanged inputs), start
 * or continue the run in the ledger, point the rejects file at it, and prepare `--sync`.
 */
import { ResumeError } from '../errors.js';
import type { DatabaseOperations, TableTarget } from '../sink/index.js';
import { findRunWithChecksum } from '../sink/run-files.js';
import { prepareSync, seenTable } from '../sink/sync.js';
import type { ResolvedImportConfig } from './config.js';
import { describeForResume, type PreparedInput } from './inputs.js';
import { otherSourcesExist, sourceStored } from '../sink/overlap-queries.js';
import { checkRejectsTarget, defaultRejectsBase, type RejectsTarget } from './rejects-writer.js';
import { planResume } from './resume.js';
import type { RunContext } from './run-context.js';
import { runConnectionName } from './prepare-target.js';

/** Sets `ctx.resume`, `ctx.runId`, `ctx.seen` and `ctx.crossSource`; needs `prepareTarget` first. */
export async function planRun(ctx: RunContext, db: DatabaseOperations, target: TableTarget): Promise<void> {
  const { cfg, emit, fleet, tally, inputs } = ctx;
  const resume = await planResume(
    db,
    cfg,
    target,
    (i) => describeForResume(inputs[i]!, cfg),
    fleet?.continueRunId,
  );
  ctx.resume = resume;
  if (resume.warning) emit({ type: 'warning', message: resume.warning });
  if (resume.rereads !== undefined) ctx.rejects.rereads(resume.rereads);
  const runId = resume.runId ?? (await db.startRun(resume.runInfo, resume.continues));
  ctx.runId = runId;
  await fleet?.onRunStarted(runId);
  if (resume.continues !== undefined) tally.priorRejected = (await db.committedRejects(runId)) ?? 0;
  if (!fleet) await db.labelTableLock(target, runConnectionName(runId, target));
  // A --resume that starts a new run does not append to the earlier run's rejects.
  const rejectsTarget = rejectsTargetFor(cfg, runId, resume.previousRejects);
  ctx.rejects.retarget(rejectsTarget);
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
    ctx.seen = seenTable(db.schema, runId);
  }
  ctx.crossSource = await otherSourcesExist(db, target, cfg.source);
  ctx.sourceStored = await sourceStored(db, target, cfg.source);
  tally.knownUnderOtherSource = 0;
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

/**
 * Files whose checksum is known before reading (a published `.md5`, or given) and that a completed
 * run already loaded: skipped, unless `--force`. With `--sync` all or nothing: a sync must see the
 * whole release, so unless every file is unchanged, every file is read.
 */
async function markUnchanged(
  db: DatabaseOperations,
  target: TableTarget,
  cfg: ResolvedImportConfig,
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
