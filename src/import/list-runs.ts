/** `molimport runs`: the recent runs recorded in `molimport_runs`. */
import { existsSync } from 'node:fs';
import type { ImportLogger } from './options.js';
import { rejectsPaths } from './rejects-writer.js';
import { assertEmbeddedDatabaseExists, assertSchemaExists } from './existing-target.js';
import { openDatabase, resolveDatabaseTarget, type TargetOptions } from './open-database.js';

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
  error: string | null;
}

export interface ListRunsOptions extends TargetOptions {
  /** Schema holding `molimport_runs` (the import's --schema). @default 'public' */
  schema?: string;
  /** Only runs into this table. */
  table?: string;
  /** @default 20 */
  limit?: number;
  logger?: ImportLogger;
}

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
      const num = (k: string): number | null => (typeof stats[k] === 'number' ? (stats[k] as number) : null);
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
