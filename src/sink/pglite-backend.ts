/**
 * PGlite itself, in whichever thread runs it: open a data directory, run a statement, run a COPY.
 * The driver (`pglite-driver.ts`) serialises callers; this file only talks to PGlite.
 *
 * COPY goes through a file in PGlite's in-memory filesystem (MEMFS, outside the data directory):
 * the payload becomes the file's contents without a copy, and PostgreSQL reads it with memcpy.
 * PGlite's `/dev/blob` device (the `blob` query option) first concatenates a Blob, then copies it
 * to PostgreSQL one byte at a time in JavaScript: 0.4 s of a 20,000-record import's 7 s of CPU.
 */
import { PGlite } from '@electric-sql/pglite';
import type { SqlResult, SqlRow } from './driver.js';
import { COPY_FILE, concatChunks, copyFromFileSql } from './pglite-copy.js';
import { prepareDataDir } from './pglite-template.js';

const INT8_OID = 20;

/** The calls of Emscripten's FS used here (PGlite's types refer to @types/emscripten, not installed). */
interface EmscriptenFs {
  open(path: string, flags: string): unknown;
  write(
    stream: unknown,
    data: Uint8Array,
    offset: number,
    length: number,
    position: number,
    canOwn: boolean,
  ): number;
  close(stream: unknown): void;
  unlink(path: string): void;
}

/** What the driver needs of PGlite, in this thread or behind a worker thread. */
export interface PgliteBackend {
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  /** `sql` is `COPY … FROM STDIN …`; the payload is the concatenation of `chunks`. */
  copyFrom(sql: string, chunks: readonly Uint8Array[]): Promise<number>;
  /** Roll back a transaction a previous holder left open (it must not leak to the next). */
  rollbackIfInTransaction(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Open PGlite on `dataDir` (a path, created when missing, seeded from the build's template when
 * new, unless `prepared` says the caller did it (`prepareDataDir`); or `memory://…`). Errors are
 * PGlite's own: the caller wraps them.
 */
export async function openPgliteBackend(
  dataDir: string,
  { prepared = false }: { prepared?: boolean } = {},
): Promise<PgliteBackend> {
  if (!prepared) await prepareDataDir(dataDir);
  // int8 as strings, exactly like pg, so callers see the same types on both drivers.
  const db = await PGlite.create(dataDir, { parsers: { [INT8_OID]: (value: string) => value } });
  return new LocalPgliteBackend(db);
}

class LocalPgliteBackend implements PgliteBackend {
  readonly #db: PGlite;
  constructor(db: PGlite) {
    this.#db = db;
  }

  async query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<SqlResult<R>> {
    const result = await this.#db.query<R>(text, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
  }

  async copyFrom(sql: string, chunks: readonly Uint8Array[]): Promise<number> {
    const fileSql = copyFromFileSql(sql);
    if (fileSql === undefined)
      throw new Error(`copyFrom expects COPY ... FROM STDIN, got: ${sql.slice(0, 80)}`);
    const fs = (this.#db.Module as unknown as { FS: EmscriptenFs }).FS;
    const data = concatChunks(chunks);
    const stream = fs.open(COPY_FILE, 'w');
    try {
      // canOwn: MEMFS keeps `data` as the file's contents instead of copying it.
      fs.write(stream, data, 0, data.byteLength, 0, true);
    } finally {
      fs.close(stream);
    }
    try {
      const result = await this.#db.query(fileSql);
      return result.rowCount ?? result.affectedRows ?? 0;
    } finally {
      fs.unlink(COPY_FILE);
    }
  }

  async rollbackIfInTransaction(): Promise<void> {
    if (this.#db.isInTransaction()) await this.#db.query('ROLLBACK');
  }

  async close(): Promise<void> {
    if (!this.#db.closed) await this.#db.close();
  }
}
