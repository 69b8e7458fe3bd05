/** The driver for a real PostgreSQL server: a bounded `pg.Pool` and COPY through pg-copy-streams. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { scrubSecrets, toDatabaseError } from './connection.js';
import { isKeywordConnectionString, keywordPgConfig } from './connection-string.js';
import type { CopyPayload, SqlClient, SqlDriver, SqlResult, SqlRow } from './driver.js';
import type { SinkLogger } from './logger.js';
import { SESSION_KEEPALIVE_SQL } from './session-keepalive.js';

export interface PgDriverOptions {
  /** A connection string; undefined lets pg read the `PG*` variables. Ignored when `pool` is given. */
  connectionString?: string | undefined;
  /** Use this pool instead of creating one; the caller keeps ownership (not ended by `close()`). */
  pool?: pg.Pool | undefined;
  /** Safe-to-print description of the target. */
  display: string;
  /** Strings to scrub from every message (passwords). */
  secrets: readonly string[];
  /** Pool size. @default 4 */
  maxConnections?: number;
  /** @default 10_000 */
  connectionTimeoutMs?: number;
  logger: SinkLogger;
}

/** Session memory for the staging temp table, per connection (allocated only as used). */
const TEMP_BUFFERS = '64MB';

export class PgDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  readonly target: string;
  readonly maxConnections: number;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #secrets: readonly string[];
  readonly #logger: SinkLogger;
  readonly #sessions = new Set<pg.Client>();

  constructor(options: PgDriverOptions) {
    this.target = options.display;
    this.#secrets = options.secrets;
    this.#logger = options.logger;
    if (options.pool !== undefined) {
      this.#pool = options.pool;
      this.#ownsPool = false;
      this.maxConnections = options.pool.options.max ?? 10;
    } else {
      this.maxConnections = options.maxConnections ?? 4;
      const cs = options.connectionString;
      this.#pool = new pg.Pool({
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
        idleTimeoutMillis: 30_000,
        application_name: 'molimport',
        // pg reads URLs only; libpq's keyword form is parsed here.
        ...(cs !== undefined && isKeywordConnectionString(cs)
          ? keywordPgConfig(cs)
          : { connectionString: cs }),
        max: this.maxConnections,
      });
      this.#ownsPool = true;
    }
    if (this.#ownsPool) {
      // Each batch stages its rows in a session temp table; with the server default (8MB) a batch of
      // a few thousand molfiles spills to temp files. Settable only before the session's first temp
      // table access, hence on connect. A server that refuses it just keeps its default.
      this.#pool.on('connect', (client) => {
        // One query: pg deprecates queueing a second one behind it.
        client.query(`${SESSION_KEEPALIVE_SQL}; SET temp_buffers = '${TEMP_BUFFERS}'`).catch(() => undefined);
      });
    }
    // An idle client losing its connection (server restart) must never crash the process.
    this.#pool.on('error', (err) => {
      this.#logger.warn(
        { target: this.target, err: scrubSecrets(err.message, this.#secrets) },
        'idle database connection lost',
      );
    });
  }

  async checkout(): Promise<SqlClient> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw toDatabaseError(err, this.#secrets, `cannot connect to ${this.target}`);
    }
    return new PgClient(client, this.#secrets, (destroy) => client.release(destroy ? true : undefined));
  }

  async openSession(): Promise<SqlClient> {
    const client = new pg.Client({
      ...this.#pool.options,
      application_name: 'molimport-lock',
    });
    client.on('error', (err) => {
      this.#logger.warn(
        { target: this.target, err: scrubSecrets(err.message, this.#secrets) },
        'lock session connection lost',
      );
    });
    try {
      await client.connect();
    } catch (err) {
      void client.end().catch(() => undefined);
      throw toDatabaseError(err, this.#secrets, `cannot connect to ${this.target}`);
    }
    // The lock session holds the table lock for the whole run: the one that matters most.
    await client.query(SESSION_KEEPALIVE_SQL).catch(() => undefined);
    this.#sessions.add(client);
    return new PgClient(client, this.#secrets, () => {
      this.#sessions.delete(client);
      void client.end().catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions].map((c) => c.end().catch(() => undefined)));
    this.#sessions.clear();
    if (this.#ownsPool && !this.#pool.ended) await this.#pool.end();
  }
}

class PgClient implements SqlClient {
  #broken = false;
  #released = false;
  readonly #client: pg.ClientBase;
  readonly #secrets: readonly string[];
  readonly #give: (destroy: boolean) => void;
  readonly #onError = (): void => {
    this.#broken = true;
  };

  constructor(client: pg.ClientBase, secrets: readonly string[], give: (destroy: boolean) => void) {
    this.#client = client;
    this.#secrets = secrets;
    this.#give = give;
    // A checked-out client has no pool listener: without this, a lost connection is an uncaught error.
    client.on('error', this.#onError);
  }

  get broken(): boolean {
    return this.#broken;
  }

  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    try {
      const result = await this.#client.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (err) {
      this.#markIfConnectionLost(err);
      throw toDatabaseError(err, this.#secrets);
    }
  }

  async copyFrom(copySql: string, data: CopyPayload): Promise<number> {
    const stream = this.#client.query(copyFrom(copySql));
    // One encoded chunk (~1 MiB) waits ahead of the socket, not Readable.from's default 16: the
    // encoder then runs as the server takes the bytes, and a batch is never held encoded in full.
    const source = Readable.from(typeof data === 'string' ? [data] : data, { highWaterMark: 1 });
    try {
      // pipeline() honours write() → 'drain', and destroys the COPY stream on error, which sends
      // CopyFail so the server abandons the COPY.
      await pipeline(source, stream);
      return stream.rowCount;
    } catch (err) {
      this.#markIfConnectionLost(err);
      throw toDatabaseError(err, this.#secrets);
    }
  }

  release(destroy = false): void {
    if (this.#released) return;
    this.#released = true;
    this.#client.removeListener('error', this.#onError);
    this.#give(destroy || this.#broken);
  }

  #markIfConnectionLost(err: unknown): void {
    const code =
      typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
        ? err.code
        : '';
    const message = err instanceof Error ? err.message : '';
    const lost = /^[0-9A-Z]{5}$/.test(code)
      ? code.startsWith('08') || code.startsWith('57P')
      : code !== '' || /Connection terminated|not queryable|connection error/i.test(message);
    if (lost) this.#broken = true;
  }
}
