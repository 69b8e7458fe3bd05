/**
 * The messages between the pool (main thread) and the worker entry, typed in one place. Errors
 * travel as plain data because structured cloning drops an error's own fields (`code`, SQLSTATE...)
 * that `isTransient` predicates look at.
 */

import type { SerializedError } from '../serialized-error.js';
import type { BatchInfo } from './batch-types.js';

export interface WorkerTask<T> {
  /** `file:` URL of the user's module. */
  moduleUrl: string;
  exportName: string;
  batch: T[];
  info: BatchInfo;
}

export type WorkerReply<R> =
  { ok: true; results: R[]; heapUsed: number } | { ok: false; error: SerializedError; heapUsed: number };
