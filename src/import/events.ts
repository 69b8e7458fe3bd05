/** What `runImport` tells its listeners; `report/` renders these, library users may log them. */
import type { ImportStats } from './stats.js';

/** The steps of a run, in order; each is announced by a `phase` event and closed by `phase-done`. */
export type ImportPhase = 'connecting' | 'schema' | 'locking' | 'importing' | 'finishing';

/**
 * One thing that happened during a run. Listeners are called synchronously and must not throw;
 * events never carry row values, molfiles or passwords.
 * - `phase` / `phase-done`: a step began / ended (`detail`: e.g. the target, password removed).
 * - `database`: which database the run writes to.
 * - `retry`: a transient database error; `operation` is retried (`attempt` of `maxRetries`) after
 *   `delayMs`. `message` is the error, password removed.
 * - `file-start` / `file-end`: an input file is opened (`index` in `files`, of `fileCount`;
 *   `inputBytes`: all inputs' bytes on disk together, null when one is stdin) / fully read.
 * - `progress`: throttled running counts; `bytesRead`/`totalBytes` are compressed bytes on disk
 *   of the current file (`totalBytes` null for stdin); `read` counts records over the run,
 *   `fileRead` in the current file; `batchSize` is the size of the batch that settled last (so it
 *   never exceeds the final stats' largest batch).
 * - `warning`: something the user should know that does not stop the run.
 * - `done`: the final stats, the same object `runImport` resolves with.
 */
export type ImportEvent =
  | { type: 'phase'; phase: ImportPhase; detail?: string }
  | { type: 'phase-done'; phase: ImportPhase; detail?: string }
  | { type: 'database'; target: string; kind: 'postgres' | 'embedded'; dataDir?: string }
  | {
      type: 'retry';
      operation: string;
      attempt: number;
      maxRetries: number;
      delayMs: number;
      message: string;
    }
  | {
      type: 'file-start';
      index: number;
      fileCount: number;
      inputBytes: number | null;
      path: string;
      totalBytes: number | null;
      compressed: boolean;
    }
  | {
      type: 'progress';
      fileIndex: number;
      bytesRead: number;
      totalBytes: number | null;
      read: number;
      fileRead: number;
      written: number;
      rejected: number;
      batchSize: number;
      moleculesPerSecond: number;
    }
  | { type: 'file-end'; index: number; path: string }
  | { type: 'warning'; message: string }
  | { type: 'done'; stats: ImportStats };

/** Receives every {@link ImportEvent} of a run (`runImport(options, { onEvent })`). */
export type ImportEventListener = (event: ImportEvent) => void;
