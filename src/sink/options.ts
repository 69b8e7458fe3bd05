/** The options of {@link DatabaseOperations.open}, their defaults and limits, checked in one place. */
import type pg from 'pg';
import { ConfigurationError } from '../errors.js';
import type { SinkLogger } from './logger.js';

/**
 * Options of `DatabaseOperations.open`. Give at most one of `connectionString`, `pool` and
 * `embedded` (else `ConfigurationError`); with none, the target comes from `env`.
 */
export interface DatabaseOperationsOptions {
  /**
   * A PostgreSQL URL or keyword string. Its password never appears in messages or logs.
   * @default `DATABASE_URL`, then the `PG*` variables when `PGHOST` or `PGDATABASE` is set, then the embedded database
   */
  connectionString?: string | undefined;
  /** Use an existing `pg.Pool` (yours: `close()` does not end it, and its own size applies). @default none: a new pool */
  pool?: pg.Pool | undefined;
  /**
   * Use the embedded PGlite database (one connection, one process per data directory). `true` =
   * `./.molimport/pgdata`; `{ dataDir }` is created when missing. `thread` (default true) runs
   * PGlite in a worker thread of its own, so that it works while this thread parses; false runs it
   * in this thread. @default not embedded, unless nothing else is configured
   */
  embedded?: { dataDir?: string; thread?: boolean } | true | undefined;
  /** Pool size: connections (and so batches) in flight at once. Integer 1–100. Ignored for the embedded database (1) and for `pool`. @default 4 */
  maxConnections?: number;
  /**
   * Schema of the bookkeeping tables `molimport_runs` and `molimport_batches`, and of tables named
   * without a schema. A plain identifier: 1–63 letters, digits, `_`, not starting with a digit.
   * @default 'public'
   */
  schema?: string;
  /** pino-compatible logger; gets connection and retry lines, never row values or passwords. @default silent */
  logger?: SinkLogger | undefined;
  /**
   * Transient-error retry (connection loss, serialization failure, deadlock...) for `open`,
   * `writeMolecules`, `batchInsert` without `tx`, and `ensureSchema`; exponential backoff with jitter.
   * `maxRetries` 0–100, delays ≥ 0. @default { maxRetries: 6, baseDelayMs: 200, maxDelayMs: 5_000 }
   */
  retry?: RetryOptions | undefined;
  /** Called before each retry's backoff (after the logger's `warn` line), e.g. to show it at a terminal. */
  onRetry?: ((info: RetryNotice) => void) | undefined;
  /** Connect timeout per attempt, in ms. Ignored for the embedded database and for `pool`. @default 10_000 */
  connectionTimeoutMs?: number;
  /** Environment to resolve the target from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Ends every retry backoff at once, for the life of the instance (connecting included): the
   * operation then fails with `InterruptedError`. @default none
   */
  signal?: AbortSignal | undefined;
}

/** Retry of transient database errors: exponential backoff with equal jitter (see src/retry.ts). */
export interface RetryOptions {
  /** Retries after the first attempt; 0 disables retrying. @default 6 (limits: 0-100) */
  maxRetries?: number;
  /** First backoff; doubles each retry. @default 200 */
  baseDelayMs?: number;
  /** Cap of one backoff. @default 5_000 */
  maxDelayMs?: number;
}

/** {@link RetryOptions} with every default filled in (see {@link fillRetry}). */
export type FilledRetryOptions = Required<RetryOptions>;

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: Readonly<FilledRetryOptions> = Object.freeze({
  maxRetries: 6,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
});

/** One retry of a transient database error, as `onRetry` receives it (no password in `message`). */
export interface RetryNotice {
  /** `connect`, `ensureSchema`, `writeMolecules` or `batchInsert`. */
  operation: string;
  /** 1-based: the retry about to happen. */
  attempt: number;
  maxRetries: number;
  delayMs: number;
  message: string;
}

/** The largest `maxConnections`. */
export const MAX_CONNECTIONS_LIMIT = 100;

/** @default of {@link DatabaseOperationsOptions.maxConnections}. */
export const DEFAULT_MAX_CONNECTIONS = 4;

/** {@link DEFAULT_RETRY} under `retry`. Throws `ConfigurationError` for a negative or non-finite value, or more than 100 retries. */
export function fillRetry(retry: RetryOptions | undefined): FilledRetryOptions {
  const filled = { ...DEFAULT_RETRY, ...retry };
  for (const [key, value] of Object.entries(filled)) {
    if (!Number.isFinite(value) || value < 0)
      throw new ConfigurationError(`retry.${key} must be a non-negative number, got ${String(value)}`);
  }
  if (filled.maxRetries > 100)
    throw new ConfigurationError(`retry.maxRetries must be at most 100, got ${filled.maxRetries}`);
  return filled;
}

/** `maxConnections`, defaulted and checked. Throws `ConfigurationError` outside 1–100 or when not an integer. */
export function checkMaxConnections(value: number | undefined): number {
  const maxConnections = value ?? DEFAULT_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > MAX_CONNECTIONS_LIMIT) {
    throw new ConfigurationError(
      `maxConnections must be an integer from 1 to ${MAX_CONNECTIONS_LIMIT}, got ${String(maxConnections)}`,
    );
  }
  return maxConnections;
}
