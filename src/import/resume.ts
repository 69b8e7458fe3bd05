/**
 * Exactly-once resume. Each committed batch wrote, in its own transaction, the range of records it
 * held; `--resume` reopens the latest unfinished run for the same inputs and skips exactly those
 * records. A file whose size or fingerprint changed since is refused: its record numbers would no
 * longer mean the same molecules.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InputError, ResumeError } from '../errors.js';
import { describeFsError } from './fs-errors.js';
import type {
  CommittedRange,
  DatabaseOperations,
  RunRecord,
  RunStartInfo,
  TableTarget,
} from '../sink/index.js';
import type { ResolvedImportConfig } from './config.js';
import { fingerprintFile, type FileFingerprint } from './fingerprint.js';

export interface ResumePlan {
  /** The run being continued, when resuming. */
  runId: number | undefined;
  runInfo: RunStartInfo;
  warning: string | undefined;
  /** Where the resumed run's rejects went, as it recorded at its start. */
  previousRejects?: { base: string; explicit: boolean };
  /**
   * What the run recorded before this session (its earlier sessions' stats, oldest first), kept in
   * `molimport_runs.stats.earlierSessions` so a resume records its own stats without losing theirs.
   */
  earlierSessions: unknown[];
  /**
   * Set when the unfinished run's inputs changed: a new run starts and takes over the committed
   * ranges of the files that did not change (`from` its file position `to` the new one).
   */
  continues?: { runId: number; files: { from: number; to: number }[] } | undefined;
  /** With `continues`: the inputs (as given) read again from the start. */
  rereads?: string[] | undefined;
  /** Rejects the resumed run's committed ranges hold: they count against --max-errors / --max-error-rate. */
  priorRejected: number;
  /** A predicate for records of file `fileIndex` already committed (records arrive in ascending order). */
  skipperFor(fileIndex: number): ((record: number) => boolean) | undefined;
}

interface InputDescription extends Partial<FileFingerprint> {
  path: string;
  /** URL inputs: what the server said (a changed ETag or Last-Modified refuses the resume). */
  etag?: string;
  lastModified?: string;
}

/**
 * `continueRunId`: continue exactly this run (a fleet job's earlier attempt) instead of the latest
 * unfinished one for the source and table, which many workers writing one table cannot share.
 */
export async function planResume(
  db: DatabaseOperations,
  cfg: ResolvedImportConfig,
  target: TableTarget,
  /** How to identify input `i` (URLs, downloaded copies); default: fingerprint the path. */
  describe?: (fileIndex: number) => Promise<InputDescription>,
  continueRunId?: number,
): Promise<ResumePlan> {
  const inputs: InputDescription[] = [];
  // Stored absolute: a resume from another working directory names the same files.
  const absolute = (file: string): string =>
    file === '-' || /^[a-z][a-z0-9+.-]*:\/\//i.test(file) ? file : path.resolve(cfg.cwd, file);
  for (const [i, file] of cfg.files.entries()) {
    if (describe) {
      const described = await describe(i);
      inputs.push({ ...described, path: absolute(described.path) });
    } else {
      inputs.push(file === '-' ? { path: file } : { path: absolute(file), ...(await fingerprint(file)) });
    }
  }
  const inputFingerprint = createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
  const runInfo: RunStartInfo = {
    source: cfg.source,
    target,
    files: inputs,
    options: recordedOptions(cfg),
    inputFingerprint,
  };
  const fresh: ResumePlan = {
    runId: undefined,
    runInfo,
    warning: undefined,
    priorRejected: 0,
    earlierSessions: [],
    skipperFor: () => undefined,
  };
  if (!cfg.resume && continueRunId === undefined) return fresh;

  if (cfg.files.includes('-'))
    throw new ResumeError('cannot resume a run that reads standard input: its records cannot be read again');
  const found =
    continueRunId === undefined
      ? await db.findResumableRun({ source: cfg.source, table: target, fingerprint: inputFingerprint })
      : await runById(db, continueRunId, inputFingerprint);
  if (!found) {
    return {
      ...fresh,
      warning: `no unfinished ${cfg.source} run into ${target.schema}.${target.table} to resume; starting a new run`,
    };
  }
  const { run } = found;
  const recorded = (run.options ?? {}) as { rejectsBase?: unknown; rejectsExplicit?: unknown };
  // The run's rejects files: a resumed or continuing run appends to them.
  const previousRejects =
    typeof recorded.rejectsBase === 'string'
      ? { previousRejects: { base: recorded.rejectsBase, explicit: recorded.rejectsExplicit === true } }
      : {};
  if (!found.fingerprintMatches) {
    if (cfg.resume === 'strict')
      throw new ResumeError(`cannot resume run ${run.id}: ${describeChange(run.files, inputs)}`);
    return {
      ...(await continueChanged(db, run.id, run.files, inputs, cfg.files, fresh)),
      ...previousRejects,
    };
  }

  const ranges = await db.committedRanges(run.id);
  const priorRejected = (await db.committedRejects(run.id)) ?? 0;
  await db.reopenRun(run.id);
  return {
    runId: run.id,
    runInfo,
    warning: undefined,
    ...previousRejects,
    priorRejected,
    earlierSessions: earlierSessionsOf(run.stats, run.status),
    skipperFor: skipperOf(ranges, (i) => i),
  };
}

/**
 * The unfinished run read other inputs, or some changed since: resume what can be. Files read
 * before and unchanged (same path, size and fingerprint) skip what the run committed; changed and
 * new files are read from the start. A new run carries the unchanged files' ledger over (see
 * `DatabaseOperations.startRun`), and the warning says, file by file, what happens.
 */
async function continueChanged(
  db: DatabaseOperations,
  previousRunId: number,
  previousFiles: unknown,
  inputs: InputDescription[],
  given: readonly string[],
  fresh: ResumePlan,
): Promise<ResumePlan> {
  const before = Array.isArray(previousFiles) ? (previousFiles as InputDescription[]) : [];
  const files: { from: number; to: number }[] = [];
  const notes: string[] = [];
  inputs.forEach((cur, to) => {
    const from = before.findIndex((b) => b.path === cur.path);
    const b = before[from];
    if (b === undefined) notes.push(`${cur.path} is new: read from the start`);
    else if (b.size !== cur.size || b.sha256 !== cur.sha256)
      notes.push(
        `${cur.path} changed since (${b.size !== cur.size ? `size ${b.size} → ${cur.size} bytes` : 'content fingerprint differs'}): read from the start`,
      );
    else files.push({ from, to });
  });
  const gone = before.filter((b) => !inputs.some((c) => c.path === b.path)).map((b) => b.path);
  if (gone.length > 0) notes.push(`not given this time: ${gone.join(', ')}`);
  const kept = files.map((f) => inputs[f.to]!.path);
  if (kept.length > 0) notes.unshift(`${kept.join(', ')} continue where run ${previousRunId} stopped`);
  const ranges = await db.committedRanges(previousRunId);
  const carried = new Set(files.map((f) => f.to));
  const toIndex = new Map(files.map((f) => [f.from, f.to]));
  return {
    ...fresh,
    warning: `the inputs of unfinished run ${previousRunId} changed, so a new run continues it (--resume=strict refuses instead): ${notes.join('; ')}`,
    continues: { runId: previousRunId, files },
    rereads: given.filter((_f, i) => !carried.has(i)),
    skipperFor: skipperOf(
      ranges.filter((r) => toIndex.has(r.fileIndex)),
      (i) => toIndex.get(i) ?? -1,
    ),
  };
}

/** For file `fileIndex`, a predicate for records already committed (records arrive in ascending order). */
function skipperOf(
  ranges: readonly CommittedRange[],
  indexOf: (fileIndex: number) => number,
): ResumePlan['skipperFor'] {
  const byFile = new Map<number, CommittedRange[]>();
  for (const r of ranges) {
    const at = indexOf(r.fileIndex);
    const list = byFile.get(at) ?? [];
    list.push(r);
    byFile.set(at, list);
  }
  return (fileIndex) => {
    const list = byFile.get(fileIndex);
    if (!list || list.length === 0) return undefined;
    let i = 0;
    return (record) => {
      while (i < list.length && list[i]!.lastRecord < record) i++;
      const r = list[i];
      return r !== undefined && r.firstRecord <= record && record <= r.lastRecord;
    };
  };
}

/** The file's fingerprint; a file that cannot be read is an `InputError`, not an internal one. */
async function fingerprint(file: string): Promise<FileFingerprint> {
  try {
    return await fingerprintFile(file);
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${describeFsError(err)}`, file, undefined, { cause: err });
  }
}

function earlierSessionsOf(stats: unknown, status: string): unknown[] {
  if (stats === null || typeof stats !== 'object') {
    // Killed (-9): the session never recorded its stats.
    return [{ status: status === 'running' ? 'killed' : status, stats: null }];
  }
  const { earlierSessions, ...own } = stats as { earlierSessions?: unknown };
  return [...(Array.isArray(earlierSessions) ? (earlierSessions as unknown[]) : []), own];
}

async function runById(
  db: DatabaseOperations,
  runId: number,
  fingerprint: string,
): Promise<{ run: RunRecord; fingerprintMatches: boolean }> {
  const run = await db.getRun(runId);
  if (run === undefined) throw new ResumeError(`cannot continue run ${runId}: it is not in molimport_runs`);
  return { run, fingerprintMatches: run.inputFingerprint === fingerprint };
}

function describeChange(previous: unknown, current: InputDescription[]): string {
  const before = Array.isArray(previous) ? (previous as InputDescription[]) : [];
  if (before.length !== current.length || before.some((b, i) => b.path !== current[i]?.path)) {
    return `it read other inputs (${before.map((b) => b.path).join(', ') || 'unknown'}); give the same files in the same order`;
  }
  for (let i = 0; i < current.length; i++) {
    const b = before[i]!;
    const c = current[i]!;
    if (b.size !== c.size)
      return `${c.path} changed since (size ${b.size} → ${c.size} bytes); start a new run without --resume`;
    if (b.sha256 !== c.sha256)
      return `${c.path} changed since (content fingerprint differs); start a new run without --resume`;
    if (b.etag !== c.etag || b.lastModified !== c.lastModified)
      return `${c.path} changed on the server since (ETag/Last-Modified differ); start a new run without --resume`;
  }
  return 'its inputs changed since; start a new run without --resume';
}

/** What `molimport_runs.options` keeps: the run's shape, never a connection string or password. */
function recordedOptions(cfg: ResolvedImportConfig): Record<string, unknown> {
  return {
    mode: cfg.mode,
    workers: cfg.workers,
    batchSize: cfg.batchSize,
    minBatchSize: cfg.minBatchSize,
    maxBatchSize: cfg.maxBatchSize,
    targetBatchMs: cfg.targetBatchMs,
    memoryLimitBytes: cfg.memoryLimitBytes,
    maxBatchBytes: cfg.maxBatchBytes,
    adaptive: cfg.adaptive,
    parallel: cfg.parallel,
    idField: cfg.idField ?? null,
    format: cfg.format ?? null,
    limit: cfg.limit ?? null,
    maxErrors: cfg.maxErrors ?? null,
    maxErrorRate: cfg.maxErrorRate ?? null,
    resume: cfg.resume,
  };
}
