/**
 * `molimport delete <source> --ids-file FILE`: delete the rows of a source whose IDs a file lists
 * (PubChem's killed-CID lists), in batches, each in one transaction with its resume ledger row.
 * Same contract as an import: recorded in `molimport_runs`, `--resume` skips the committed lines,
 * `--dry-run` counts, `--json` prints the stats. The file may be plain or gzip, local or a URL.
 */
import { StringDecoder } from 'node:string_decoder';
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import {
  ConfigurationError,
  errorMessage,
  InterruptedError,
  MolimportError,
  ResumeError,
  EXIT_INTERRUPTED,
} from '../errors.js';
import { resolveTableTarget, type DatabaseOperations, type TableTarget } from '../sink/index.js';
import {
  countExistingIds,
  deleteIdsInTransaction,
  findResumableDelete,
  tableExists,
} from '../sink/delete-ids.js';
import { openInput } from '../sources/open-input.js';
import type { DataSource } from '../types.js';
import type { ImportEventListener } from './events.js';
import { describeForResume, releaseOf } from './inputs.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from './open-database.js';
import type { Logger } from '../logger.js';

export interface DeleteOptions extends TargetOptions {
  source: DataSource;
  /** One ID a line (blank lines and `#` comments ignored), plain or gzip, a path or an http(s) URL. */
  idsFile: string;
  /** @default 'public' */
  schema?: string;
  /** @default 'molecules' */
  table?: string;
  /** Count what would be deleted; delete nothing. @default false */
  dryRun?: boolean;
  /** Continue the latest unfinished delete run for the same file. @default false */
  resume?: boolean;
  /** IDs per transaction. Integer 1–1,000,000. @default 10_000 */
  batchSize?: number;
  /** @default false */
  waitLock?: boolean;
  /** @default 5 */
  httpRetries?: number;
  /** @default 1_000 */
  httpRetryDelayMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
  /** Standard input, for `idsFile: '-'`. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
}

/** What `molimport delete --json` prints and `molimport_runs.stats` stores. read = deleted + notFound + skipped. */
export interface DeleteStats {
  command: 'delete';
  status: 'completed' | 'failed' | 'interrupted';
  exitCode: number;
  runId: number | null;
  source: DataSource;
  database: string;
  table: string;
  idsFile: string;
  dryRun: boolean;
  resumed: boolean;
  /** ID lines read. */
  read: number;
  /** Rows deleted (dry run: rows that would be). */
  deleted: number;
  /** IDs with no row of the source (an ID listed twice counts once here). */
  notFound: number;
  /** IDs a resumed run had already applied. */
  skipped: number;
  batches: number;
  durationMs: number;
  error: string | null;
  errorCode: string | null;
}

export async function runDelete(
  o: DeleteOptions,
  hooks: { onEvent?: ImportEventListener } = {},
): Promise<DeleteStats> {
  if (!['chembl', 'pubchem', 'generic'].includes(o.source))
    throw new ConfigurationError(
      `unknown source '${String(o.source)}': expected one of chembl, pubchem, generic`,
    );
  const batchSize = o.batchSize ?? 10_000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000)
    throw new ConfigurationError(
      `batchSize: expected an integer from 1 to 1000000, got ${String(batchSize)}`,
    );
  if (o.idsFile === '-' && o.resume)
    throw new ResumeError('cannot resume a delete that reads standard input: its lines cannot be read again');
  const emit = hooks.onEvent ?? (() => undefined);
  const started = performance.now();
  const target: TableTarget = resolveTableTarget({
    schema: o.schema ?? 'public',
    table: o.table ?? 'molecules',
  });
  const remote = {
    env: o.env ?? process.env,
    retries: o.httpRetries ?? 5,
    retryDelayMs: o.httpRetryDelayMs ?? 1_000,
    signal: o.signal,
  };
  const stats: DeleteStats = {
    command: 'delete',
    status: 'completed',
    exitCode: 0,
    runId: null,
    source: o.source,
    database: '',
    table: `${target.schema}.${target.table}`,
    idsFile: o.idsFile,
    dryRun: o.dryRun ?? false,
    resumed: false,
    read: 0,
    deleted: 0,
    notFound: 0,
    skipped: 0,
    batches: 0,
    durationMs: 0,
    error: null,
    errorCode: null,
  };

  const resolved = resolveDatabaseTarget(o);
  emit({ type: 'phase', phase: 'connecting', detail: resolved.display });
  const db = await openDatabase({ ...o, schema: target.schema, maxConnections: 2 }, resolved);
  stats.database = db.describe().target;
  emit({ type: 'phase-done', phase: 'connecting', detail: stats.database });
  let releaseLock: (() => Promise<void>) | undefined;
  try {
    const exists = stats.dryRun ? await tableExists(db, target) : true;
    if (!stats.dryRun) {
      await db.ensureSchema(target);
      releaseLock = await db.acquireTableLock(target, { wait: o.waitLock ?? false });
      const described = await describeForResume(
        {
          given: o.idsFile,
          readFrom: o.idsFile,
          expected: undefined,
          release: releaseOf(o.idsFile, undefined),
          error: undefined,
          unchangedSinceRun: null,
          downloaded: undefined,
        },
        {
          env: remote.env,
          httpRetries: remote.retries,
          httpRetryDelayMs: remote.retryDelayMs,
        },
      );
      const fingerprint = createHash('sha256')
        .update(JSON.stringify([described]))
        .digest('hex');
      let skip: (line: number) => boolean = () => false;
      if (o.resume) {
        const found = await findResumableDelete(db, o.source, target);
        if (found === undefined) {
          emit({
            type: 'warning',
            message: `no unfinished delete run of ${o.source} into ${stats.table} to resume; starting a new run`,
          });
        } else if (found.inputFingerprint !== fingerprint) {
          throw new ResumeError(
            `cannot resume run ${found.id}: ${o.idsFile} is not the file it read, or it changed since; start a new run without --resume`,
          );
        } else {
          stats.runId = found.id;
          stats.resumed = true;
          const ranges = await db.committedRanges(found.id);
          skip = (line) => ranges.some((r) => r.firstRecord <= line && line <= r.lastRecord);
        }
      }
      stats.runId ??= await db.startRun({
        source: o.source,
        target,
        files: [described],
        options: { command: 'delete', batchSize },
        inputFingerprint: fingerprint,
      });
      await deleteAll(db, target, o, stats, batchSize, skip, remote, true);
    } else if (exists) {
      await deleteAll(db, target, o, stats, batchSize, () => false, remote, false);
    } else {
      await deleteAll(db, undefined, o, stats, batchSize, () => false, remote, false);
    }
  } catch (err) {
    const e =
      err instanceof MolimportError
        ? err
        : new MolimportError(errorMessage(err), 'MOLIMPORT_INTERNAL', 1, { cause: err });
    stats.status = e instanceof InterruptedError ? 'interrupted' : 'failed';
    stats.exitCode = e instanceof InterruptedError ? EXIT_INTERRUPTED : e.exitCode;
    stats.error = e.message;
    stats.errorCode = e.code;
    o.logger?.error({ err: e.message }, 'delete failed');
  }
  stats.durationMs = Math.round(performance.now() - started);
  try {
    if (stats.runId !== null) await db.finishRun(stats.runId, stats.status, stats, stats.error ?? undefined);
  } catch (err) {
    o.logger?.warn({ err: errorMessage(err) }, 'could not record the run');
  }
  await releaseLock?.().catch(() => undefined);
  await db.close().catch(() => undefined);
  return stats;
}

async function deleteAll(
  db: DatabaseOperations,
  target: TableTarget | undefined,
  o: DeleteOptions,
  stats: DeleteStats,
  batchSize: number,
  skip: (line: number) => boolean,
  remote: {
    env: Record<string, string | undefined>;
    retries: number;
    retryDelayMs: number;
    signal?: AbortSignal;
  },
  write: boolean,
): Promise<void> {
  let ids: string[] = [];
  let first = 0;
  let last = 0;
  const flush = async (): Promise<void> => {
    if (ids.length === 0) return;
    const n = ids.length;
    let found = 0;
    if (target === undefined) found = 0;
    else if (write)
      found = await db.transaction((tx) =>
        deleteIdsInTransaction(tx, target, db.schema, {
          source: o.source,
          ids,
          runId: stats.runId!,
          fileKey: o.idsFile,
          firstRecord: first,
          lastRecord: last,
        }),
      );
    else found = await countExistingIds(db, target, o.source, ids);
    stats.deleted += found;
    stats.notFound += n - found;
    stats.batches++;
    ids = [];
  };
  let ordinal = 0;
  for await (const line of idLines(o.idsFile, remote, o.stdin)) {
    if (o.signal?.aborted)
      throw new InterruptedError('interrupted by a signal; committed batches stay (resume with --resume)');
    ordinal++;
    stats.read++;
    if (skip(ordinal)) {
      stats.skipped++;
      continue;
    }
    if (ids.length === 0) first = ordinal;
    last = ordinal;
    ids.push(line);
    if (ids.length >= batchSize) await flush();
  }
  await flush();
}

/** The IDs of the file, one a line, trimmed; blank lines and `#` comments skipped. */
async function* idLines(
  file: string,
  remote: {
    env: Record<string, string | undefined>;
    retries: number;
    retryDelayMs: number;
    signal?: AbortSignal;
  },
  stdin: NodeJS.ReadableStream | undefined,
): AsyncGenerator<string> {
  const input = await openInput(file, {
    format: 'csv',
    remote,
    ...(stdin ? { stdin: stdin as never } : {}),
  });
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const lines = function* (text: string): Generator<string> {
    for (const raw of text.split('\n')) {
      const id = raw.trim();
      if (id !== '' && !id.startsWith('#')) yield id;
    }
  };
  for await (const chunk of input.stream) {
    const text = rest + decoder.write(chunk);
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(cut + 1);
    yield* lines(text.slice(0, cut));
  }
  yield* lines(rest + decoder.end());
}
