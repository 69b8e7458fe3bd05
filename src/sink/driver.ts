/**
 * The one seam between the sink and a PostgreSQL implementation: a real server through `pg.Pool`
 * (`pg-driver.ts`) or the embedded PGlite (`pglite-driver.ts`). Everything above this file speaks
 * only these interfaces, so the same writer code and the same tests run on both.
 */

/** Rows as the driver returns them; int8 and numeric come back as strings on both drivers. */
export type SqlRow = Record<string, unknown>;

/** The rows of a statement and its row count. */
export interface SqlResult<R extends SqlRow = SqlRow> {
  rows: R[];
  /** Rows affected or returned, as the command tag reports it (0 when unknown). */
  rowCount: number;
}

/** A COPY payload: one string, or chunks of text or UTF-8 bytes (a chunk may end mid-row). */
export type CopyPayload = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** What a transaction body may do: run statements and COPY, on the one connection it holds. */
export interface SqlExecutor {
  /** Run one statement. Values go in `params` ($1, $2, ...), never into `text`. */
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  /**
   * Run `COPY ... FROM STDIN` (text format) with `data` as the payload: one string, or chunks
   * (strings or UTF-8 bytes, cut anywhere) written with backpressure. Resolves with the number of
   * rows copied.
   */
  copyFrom(copySql: string, data: CopyPayload): Promise<number>;
}

/** A connection checked out of the driver; give it back with `release()` exactly once. */
export interface SqlClient extends SqlExecutor {
  /**
   * Return the connection. `destroy = true` closes it instead of pooling it (use after a connection
   * error, or when the session state is unknown).
   */
  release(destroy?: boolean): void;
  /** True once the connection reported an error; such a client must be released with destroy. */
  readonly broken: boolean;
}

/** `postgres`: a server through pg; `embedded`: PGlite in a local directory. */
export type DatabaseKind = 'postgres' | 'embedded';

export interface SqlDriver {
  readonly kind: DatabaseKind;
  /** Where the data goes, safe to print: a URL without password, or the embedded data directory. */
  readonly target: string;
  /** How many connections may be checked out at once (1 for the embedded database). */
  readonly maxConnections: number;
  /** Check out a connection; waits when all are in use. */
  checkout(): Promise<SqlClient>;
  /**
   * A connection for session-level state (advisory locks) that does not take a pool slot.
   * Released with destroy semantics: ending it drops its session locks.
   */
  openSession(): Promise<SqlClient>;
  close(): Promise<void>;
}
