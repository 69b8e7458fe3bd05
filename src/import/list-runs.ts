/** `molimport runs`: the recent runs recorded in `molimport_runs`. */
import { existsSync } from 'node:fs';
import type { Logger } from '../logger.js';
import { rejectsPaths } from './rejects-writer.js';
import { assertEmbeddedDatabaseExists, assertSchemaExists } from './existing-target.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from './open-database.js';

/** One run as `molimport runs --json` prints it. */
export interface RunSummary {
  runId: number;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  source: string;
  table: string;
  files: string[];
  read: number | null;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  rejected: number | null;
  /** The files holding the run's rejects (found on disk from its recorded name when it never finished). */
  rejectsFiles: string[];
  /** Rejected records by the class of their reason, when the run recorded its stats. */
  rejectReasons: Record<string, number> | null;
  durationMs: number | null;
  /** Rows `--sync` or `molimport delete` removed (soft: stamped `deleted_at`); null for runs that did not record it. */
  deleted: number | null;
  /** `molimport delete`: listed IDs with no row. */
  notFound: number | null;
  /** What each input was: path or URL, size, checksum (verified or not), ETag/Last-Modified, release. */
  inputs: RunInputSummary[];
  error: string | null;
}

/** One input of a run: path or URL, size, checksum and HTTP validators. */
export interface RunInputSummary {
  path: string;
  url: string | null;
  bytes: number | null;
  checksum: { algorithm: string; actual: string; verified: boolean } | null;
  etag: string | null;
  lastModified: string | null;
  release: string | null;
  unchangedSinceRun: number | null;
  downloadedTo: string | null;
}

/** Options of {@link listRuns}. */
export interface ListRunsOptions extends TargetOptions {
  /** Schema holding `molimport_runs` (the import's --schema). @default 'public' */
  schema?: string;
  /** Only runs into this table. */
  table?: string;
  /** @default 20 */
  limit?: number;
  logger?: Logger;
}

/**
 * The recent runs recorded in `molimport_runs`, newest first (`molimport runs`).
 * @throws {ConfigurationError} when the embedded database or the schema does not exist.
 * @throws {DatabaseError} when the database cannot be reached.
 */
export async function listRuns(options: ListRunsOptions = {}): Promise<RunSummary[]> {
  const resolved = resolveDatabaseTarget(options);
  assertEmbeddedDatabaseExists(resolved);
  const db = await openDatabase(options, resolved);
  try {
    await assertSchemaExists(db, options.schema ?? 'public', 'name the schema an import used');
    await db.ensureSchema({ schema: options.schema ?? 'public', table: options.table ?? 'molecules' });
    const runs = await db.listRuns({ limit: options.limit ?? 20 });
    return runs.map((r) => {
      const stats = (r.stats ?? {}) as Record<string, unknown>;
      const num = (k: string): number | null => (typeof stats[k] === 'number' ? stats[k] : null);
      const files = Array.isArray(r.files) ? (r.files as { path?: string }[]).map((f) => f.path ?? '?') : [];
      return {
        runId: r.id,
        startedAt: r.startedAt.toISOString(),
        finishedAt: r.finishedAt?.toISOString() ?? null,
        status: r.status,
        source: r.source ?? '',
        table: r.targetTable ?? '',
        files,
        read: num('read'),
        inserted: num('inserted'),
        updated: num('updated'),
        unchanged: num('unchanged'),
        rejected: num('rejected'),
        rejectsFiles: rejectsFilesOf(stats, r.options),
        rejectReasons:
          typeof stats.rejectReasons === 'object' && stats.rejectReasons !== null
            ? (stats.rejectReasons as Record<string, number>)
            : null,
        durationMs: num('durationMs'),
        deleted: num('deleted'),
        notFound: num('notFound'),
        inputs: inputsOf(stats, files),
        error: r.error,
      };
    });
  } finally {
    await db.close();
  }
}

/**
 * A run's rejects files: as its stats list them; for a run that never finished (killed), the
 * files its recorded rejects name points to that exist on this machine.
 */
function rejectsFilesOf(stats: Record<string, unknown>, options: unknown): string[] {
  if (Array.isArray(stats.rejectsFiles)) return stats.rejectsFiles.map(String);
  if (typeof stats.rejectsFile === 'string') return [stats.rejectsFile];
  const recorded = (options ?? {}) as { rejectsBase?: unknown; rejectsExplicit?: unknown };
  if (typeof recorded.rejectsBase !== 'string') return [];
  const { sdf, csv } = rejectsPaths({
    base: recorded.rejectsBase,
    explicit: recorded.rejectsExplicit === true,
  });
  return [...new Set([sdf, csv])].filter((p) => existsSync(p));
}

/** Per-file details from the stats (runs before they were recorded show the paths only). */
function inputsOf(stats: Record<string, unknown>, paths: string[]): RunInputSummary[] {
  const files = Array.isArray(stats.files) ? (stats.files as Record<string, unknown>[]) : [];
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const from: Record<string, unknown>[] = files.length > 0 ? files : paths.map((p) => ({ path: p }));
  return from.map((f) => {
    const c = f.checksum as Record<string, unknown> | null | undefined;
    return {
      path: str(f.path) ?? '?',
      url: str(f.url),
      bytes: num(f.bytes),
      checksum:
        c && typeof c === 'object'
          ? { algorithm: String(c.algorithm), actual: String(c.actual), verified: c.verified === true }
          : null,
      etag: str(f.etag),
      lastModified: str(f.lastModified),
      release: str(f.release),
      unchangedSinceRun: num(f.unchangedSinceRun),
      downloadedTo: str(f.downloadedTo),
    };
  });
}
