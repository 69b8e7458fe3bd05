/**
 * Connections, transactions and retries on one driver: check a connection out and always give it
 * back (destroyed when broken), BEGIN → work → COMMIT with ROLLBACK and rethrow on error, and the
 * bounded retry of transient errors with its log line, notice and timing.
 */
import { DatabaseError, errorMessage, InterruptedError } from '../errors.js';
import { retryOrThrow } from '../retry.js';
import { isTransientDbError, scrubSecrets } from './connection.js';
import type { SqlClient, SqlDriver, SqlExecutor } from './driver.js';
import type { SinkLogger } from './logger.js';
import type { OperationTimings } from './operation-stats.js';
import type { FilledRetryOptions, RetryNotice } from './options.js';

/**
 * A transaction handle: statements and COPY on the transaction's one connection. Valid only inside
 * the `transaction()` callback; using it afterwards throws `DatabaseError`.
 */
export type Transaction = SqlExecutor;

/** Errors thrown by a COMMIT statement (the transaction may or may not have committed). */
const commitFailures = new WeakSet<object>();

/** Whether `err` was thrown by COMMIT itself: the server may have committed before the reply was lost. */
export function isCommitFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && commitFailures.has(err);
}

/** What a {@link TransactionRunner} needs besides its driver. */
export interface TransactionRunnerOptions {
  logger: SinkLogger;
  /** Passwords to scrub from logged messages. */
  secrets: readonly string[];
  retry: FilledRetryOptions;
  /** Ends every retry backoff with `InterruptedError`. */
  signal: AbortSignal | undefined;
  onRetry: (info: RetryNotice) => void;
  /** Where each retry is counted (`<operation>.retry`). */
  timings: OperationTimings;
  /** Uniform in [0, 1), for the backoff's jitter. @default Math.random */
  random?: (() => number) | undefined;
}

/** Transactions and retries on one driver. After `close()`, every call throws `DatabaseError`. */
export class TransactionRunner {
  readonly #driver: SqlDriver;
  readonly #o: TransactionRunnerOptions;
  #closed = false;

  constructor(driver: SqlDriver, options: TransactionRunnerOptions) {
    this.#driver = driver;
    this.#o = options;
  }

  /** Close the driver (once; later calls do nothing). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.close();
  }

  /** Run `fn` on a checked-out connection; `discard()` destroys it on release instead of pooling it. */
  async onClient<T>(fn: (client: SqlClient, discard: () => void) => Promise<T>): Promise<T> {
    if (this.#closed) throw new DatabaseError('the database operations object is closed');
    const client = await this.#driver.checkout();
    let destroy = false;
    try {
      return await fn(client, () => (destroy = true));
    } finally {
      client.release(destroy || client.broken);
    }
  }

  /**
   * BEGIN, `fn`, COMMIT on one connection; ROLLBACK and rethrow when `fn` throws. A failed
   * ROLLBACK discards the connection. An error thrown by COMMIT is marked (see {@link isCommitFailure}).
   */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.onClient(async (client, discard) => {
      await client.query('BEGIN');
      let open = true;
      const guard = (): void => {
        if (!open) throw new DatabaseError('transaction handle used after its transaction ended');
      };
      const tx: Transaction = {
        query: (text, params) => (guard(), client.query(text, params)),
        copyFrom: (sql, data) => (guard(), client.copyFrom(sql, data)),
      };
      let result: T;
      try {
        result = await fn(tx);
      } catch (err) {
        open = false;
        if (!client.broken) {
          await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
            // The session state is unknown: never hand this connection out again.
            this.#o.logger.warn(
              { err: scrubSecrets(errorMessage(rollbackErr), this.#o.secrets) },
              'rollback failed; discarding the connection',
            );
            discard();
          });
        }
        throw err;
      }
      open = false;
      try {
        await client.query('COMMIT');
      } catch (err) {
        // The server may have committed before the connection broke: the outcome is unknown.
        if (typeof err === 'object' && err !== null) commitFailures.add(err);
        throw err;
      }
      return result;
    });
  }

  /**
   * `fn` again after a transient database error (see `isTransientDbError`), up to
   * `retry.maxRetries` times with equal-jitter exponential backoff; each retry is logged (`warn`),
   * counted as `<operation>.retry` and passed to `onRetry`. Throws the last error, or
   * `InterruptedError` when the signal aborts a backoff.
   */
  async withRetry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const { retry, logger, secrets, timings, onRetry, signal } = this.#o;
    return retryOrThrow(fn, {
      ...retry,
      jitter: 'equal',
      random: this.#o.random ?? Math.random,
      isTransient: isTransientDbError,
      onRetry: (err, attempt, delayMs) => {
        timings.record(`${operation}.retry`, 0);
        const message = scrubSecrets(errorMessage(err), secrets);
        const maxRetries = retry.maxRetries;
        logger.warn(
          { operation, attempt, maxRetries, delayMs, err: message },
          'transient database error; retrying',
        );
        try {
          onRetry({ operation, attempt, maxRetries, delayMs, message });
        } catch {
          // A listener's failure must not turn a retry into a failed run.
        }
      },
      sleep: (ms) => abortableSleep(ms, signal, `interrupted while retrying ${operation}`),
    });
  }
}

/** Sleep `ms`, or reject with `InterruptedError` as soon as `signal` aborts. */
function abortableSleep(ms: number, signal: AbortSignal | undefined, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError(message));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError(message));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
