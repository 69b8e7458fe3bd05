/**
 * The messages between the pool (main thread) and the worker entry, typed in one place. Errors
 * travel as plain data because structured cloning drops an error's own fields (`code`, SQLSTATE...)
 * that `isTransient` predicates look at.
 */

import type { BatchInfo } from './batch-types.js';

export interface WorkerTask<T> {
  /** `file:` URL of the user's module. */
  moduleUrl: string;
  exportName: string;
  batch: T[];
  info: BatchInfo;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own primitive fields (`code`, `errno`...). */
  fields: Record<string, string | number | boolean | null>;
}

export type WorkerReply<R> =
  { ok: true; results: R[]; heapUsed: number } | { ok: false; error: SerializedError; heapUsed: number };

/** Rebuild an Error on the main thread with the worker error's name, message, stack and fields. */
export function deserializeError(data: SerializedError): Error {
  const error = new Error(data.message);
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  Object.assign(error, data.fields);
  return error;
}
