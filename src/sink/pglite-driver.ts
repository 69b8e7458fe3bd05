/**
 * The embedded database: PGlite (PostgreSQL compiled to WASM) with its files in a local directory.
 * PGlite is ONE connection, so `checkout()` hands it to one caller at a time through a mutex: a
 * transaction's statements can never interleave with another's. PGlite runs in a worker thread of
 * its own by default (`pglite-thread.ts`), so that reading, parsing and COPY encoding on the main
 * thread run on the other core while PostgreSQL works; `thread: false` runs it in this thread.
 * COPY goes through a file in PGlite's in-memory filesystem (`pglite-backend.ts`).
 */
import path from 'node:path';
import { ConfigurationError } from '../errors.js';
import { toDatabaseError } from './connection.js';
import type { PgliteBackend } from './pglite-backend.js';
import { copyFromFileSql } from './pglite-copy.js';
import { otherMajorVersion } from './pglite-template.js';
import type { CopyPayload, SqlClient, SqlDriver, SqlResult, SqlRow } from './driver.js';

const utf8 = new TextEncoder();

/** Data directories open in this process: two PGlite instances on one directory corrupt it. */
const openDataDirs = new Set<string>();

/** A FIFO mutex; `acquire()` resolves with the function that releases it. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

export class PgliteDriver implements SqlDriver {
  readonly kind = 'embedded' as const;
  readonly target: string;
  readonly maxConnections = 1;
  readonly dataDir: string;
  readonly #db: PgliteBackend;
  readonly #mutex = new Mutex();
  #closed = false;

  private constructor(db: PgliteBackend, dataDir: string) {
    this.#db = db;
    this.dataDir = dataDir;
    this.target = `embedded:${dataDir}`;
  }

  /**
   * Open (creating when missing) the embedded database in `dataDir`. `thread` (default true): run
   * PGlite in a worker thread of its own; false runs it in this thread.
   */
  static async open(dataDir: string, { thread = true }: { thread?: boolean } = {}): Promise<PgliteDriver> {
    const absolute = dataDir.startsWith('memory://') ? dataDir : path.resolve(dataDir);
    if (openDataDirs.has(absolute)) {
      throw new ConfigurationError(
        `the embedded database in ${absolute} is already open in this process; share one DatabaseOperations instead of opening it twice`,
      );
    }
    openDataDirs.add(absolute);
    try {
      const db = thread
        ? await (await import('./pglite-thread.js')).openPgliteThread(absolute)
        : await (await import('./pglite-backend.js')).openPgliteBackend(absolute);
      return new PgliteDriver(db, absolute);
    } catch (err) {
      openDataDirs.delete(absolute);
      // Checked only after a failure: reading the template costs ~20 ms, and most opens succeed.
      const other = dataDir.startsWith('memory://') ? undefined : otherMajorVersion(absolute);
      if (other !== undefined) throw new ConfigurationError(other, { cause: err });
      throw toDatabaseError(err, [], `cannot open the embedded database in ${absolute}`);
    }
  }

  async checkout(): Promise<SqlClient> {
    if (this.#closed) throw toDatabaseError(new Error('Client was closed and is not queryable'));
    const unlock = await this.#mutex.acquire();
    try {
      // A previous holder that released mid-transaction must not leak its transaction to us.
      await this.#db.rollbackIfInTransaction();
    } catch (err) {
      unlock();
      throw toDatabaseError(err);
    }
    return new PgliteClient(this.#db, unlock);
  }

  /**
   * There is only one connection, so a "session" borrows it statement by statement (holding it
   * would block every transaction). Session-level state such as advisory locks is meaningless
   * here anyway: one process owns the data directory.
   */
  openSession(): Promise<SqlClient> {
    return Promise.resolve(new PgliteSessionClient(this));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const unlock = await this.#mutex.acquire();
    try {
      await this.#db.close();
    } finally {
      openDataDirs.delete(this.dataDir);
      unlock();
    }
  }
}

class PgliteClient implements SqlClient {
  readonly broken = false;
  #unlock: (() => void) | undefined;
  readonly #db: PgliteBackend;

  constructor(db: PgliteBackend, unlock: () => void) {
    this.#db = db;
    this.#unlock = unlock;
  }

  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    this.#assertHeld();
    try {
      return await this.#db.query<R>(text, params);
    } catch (err) {
      throw toDatabaseError(err);
    }
  }

  async copyFrom(copySql: string, data: CopyPayload): Promise<number> {
    this.#assertHeld();
    if (copyFromFileSql(copySql) === undefined)
      throw new ConfigurationError(`copyFrom expects COPY ... FROM STDIN, got: ${copySql.slice(0, 80)}`);
    const chunks: Uint8Array[] = [];
    if (typeof data === 'string') chunks.push(utf8.encode(data));
    else for await (const chunk of data) chunks.push(typeof chunk === 'string' ? utf8.encode(chunk) : chunk);
    try {
      return await this.#db.copyFrom(copySql, chunks);
    } catch (err) {
      throw toDatabaseError(err);
    }
  }

  release(): void {
    const unlock = this.#unlock;
    this.#unlock = undefined;
    unlock?.();
  }

  #assertHeld(): void {
    if (this.#unlock === undefined) throw new Error('embedded database client used after release()');
  }
}

class PgliteSessionClient implements SqlClient {
  readonly broken = false;
  readonly #driver: PgliteDriver;
  constructor(driver: PgliteDriver) {
    this.#driver = driver;
  }
  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    const client = await this.#driver.checkout();
    try {
      return await client.query<R>(text, params);
    } finally {
      client.release();
    }
  }
  async copyFrom(copySql: string, data: CopyPayload): Promise<number> {
    const client = await this.#driver.checkout();
    try {
      return await client.copyFrom(copySql, data);
    } finally {
      client.release();
    }
  }
  release(): void {}
}
