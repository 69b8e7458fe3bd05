/**
 * The messages between the embedded database's thread (`pglite-worker.ts`) and the driver on the
 * main thread (`pglite-thread.ts`), typed in one place. Errors travel as plain data: structured
 * cloning keeps an error's message but drops its own fields (`code` = SQLSTATE, `detail`...), which
 * `toDatabaseError` and the retry predicates read.
 */
import type { SerializedError } from '../serialized-error.js';
import type { SqlResult } from './driver.js';

export type PgliteRequest =
  /** Sent once, first, when the data directory is ready (the main thread seeds it). */
  | { id: 0; op: 'open' }
  | { id: number; op: 'query'; text: string; params: readonly unknown[] | undefined }
  /** `sql` is `COPY … FROM '<file>'`; `chunks` are the payload, transferred, in order. */
  | { id: number; op: 'copy'; sql: string; chunks: Uint8Array[] }
  | { id: number; op: 'rollbackIfInTransaction' }
  | { id: number; op: 'close' };

/** `workerData` of the thread: what to open, once told to (`op: 'open'`). */
export interface PgliteThreadData {
  dataDir: string;
}

export type PgliteReply =
  | { id: number; ok: true; result: SqlResult | number | undefined }
  | { id: number; ok: false; error: SerializedError }
  /** Sent once, first: the database is open (or `error` says why not). */
  | { id: 0; ok: 'open' }
  | { id: 0; ok: 'open-failed'; error: SerializedError };
