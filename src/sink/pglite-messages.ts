/**
 * The messages between the embedded database's thread (`pglite-worker.ts`) and the driver on the
 * main thread (`pglite-thread.ts`), typed in one place. Errors travel as plain data: structured
 * cloning keeps an error's message but drops its own fields (`code` = SQLSTATE, `detail`...), which
 * `toDatabaseError` and the retry predicates read.
 */
import type { SqlResult } from './driver.js';

export type PgliteRequest =
  | { id: number; op: 'query'; text: string; params: readonly unknown[] | undefined }
  /** `sql` is `COPY … FROM '<file>'`; `chunks` are the payload, transferred, in order. */
  | { id: number; op: 'copy'; sql: string; chunks: Uint8Array[] }
  | { id: number; op: 'rollbackIfInTransaction' }
  | { id: number; op: 'close' };

/** `workerData` of the thread: what to open. */
export interface PgliteThreadData {
  dataDir: string;
}

export type PgliteReply =
  | { id: number; ok: true; result: SqlResult | number | undefined }
  | { id: number; ok: false; error: SerializedError }
  /** Sent once, first: the database is open (or `error` says why not). */
  | { id: 0; ok: 'open' }
  | { id: 0; ok: 'open-failed'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own primitive fields (`code`, `detail`, `severity`...). */
  fields: Record<string, string | number | boolean | null>;
}

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), fields: {} };
  const fields: SerializedError['fields'] = {};
  for (const key of Object.keys(err)) {
    const value = (err as unknown as Record<string, unknown>)[key];
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      fields[key] = value as string | number | boolean | null;
  }
  return {
    name: err.name,
    message: err.message,
    ...(err.stack !== undefined ? { stack: err.stack } : {}),
    fields,
  };
}

/** An Error on the main thread with the thread's error's name, message, stack and fields. */
export function deserializeError(data: SerializedError): Error {
  const error = new Error(data.message);
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  Object.assign(error, data.fields);
  return error;
}
