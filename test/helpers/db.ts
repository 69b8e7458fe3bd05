/**
 * Test databases: the real PostgreSQL when reachable (MOLIMPORT_TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test), otherwise the embedded PGlite in a temporary directory.
 * Which one is used is always printed: a database test never skips silently.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { DatabaseOperations, type DatabaseOperationsOptions } from '../../src/sink/index.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type BackendKind = 'postgres' | 'embedded';

export interface TestDatabase {
  kind: BackendKind;
  /** The connection string (postgres) or undefined (embedded). */
  connectionString: string | undefined;
  /** The temporary data directory (embedded) or undefined. */
  dataDir: string | undefined;
  /** Options for `DatabaseOperations.open` that reach this database. */
  options: DatabaseOperationsOptions;
}

let reachable: Promise<boolean> | undefined;

export function testDatabaseUrl(): string {
  return process.env.MOLIMPORT_TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
}

/** Whether the real PostgreSQL answers within 2 s (probed once per process). */
export function realPostgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: testDatabaseUrl(), connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/**
 * The backends to run database tests against: both when the real PostgreSQL is reachable, else the
 * embedded one alone, saying so in one loud line (and failing the file under CI, which has both).
 */
export async function testBackends(what = 'these database tests'): Promise<BackendKind[]> {
  if (await realPostgresReachable()) return ['postgres', 'embedded'];
  // Imported here: prereq.ts itself builds on this module.
  const { prereqs, notTestedLine, strictPrerequisites } = await import('./prereq.js');
  const pg = await prereqs.postgres(
    `${what} against a real PostgreSQL (they run on the embedded PGlite only)`,
  );
  if (strictPrerequisites()) throw new Error(notTestedLine(pg));
  return ['embedded'];
}

/**
 * A database of the given kind (default: the real one when reachable), printing which it is. The
 * embedded one lives in a new temporary directory; remove it with `dispose()`.
 */
export async function testDatabase(kind?: BackendKind): Promise<TestDatabase & { dispose(): Promise<void> }> {
  const chosen = kind ?? ((await realPostgresReachable()) ? 'postgres' : 'embedded');
  if (chosen === 'postgres') {
    if (!(await realPostgresReachable()))
      throw new Error(`the real PostgreSQL at ${testDatabaseUrl()} is not reachable`);
    const connectionString = testDatabaseUrl();
    console.error(`[test db] using PostgreSQL at ${new URL(connectionString).host}`);
    return {
      kind: 'postgres',
      connectionString,
      dataDir: undefined,
      options: { connectionString },
      dispose: () => Promise.resolve(),
    };
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'molimport-pglite-'));
  console.error(
    `[test db] using embedded PGlite in ${dataDir}${kind === undefined ? ' (PostgreSQL not reachable)' : ''}`,
  );
  return {
    kind: 'embedded',
    connectionString: undefined,
    dataDir,
    options: { embedded: { dataDir } },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** A unique schema name `t_<random>`. */
export function randomSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/**
 * Register hooks creating a unique schema `t_<random>` before the suite and dropping it (cascade)
 * after. Call synchronously in a describe body; `db` is read when the hooks run.
 */
export function freshSchema(db: () => DatabaseOperations): string {
  const schema = randomSchemaName();
  beforeAll(async () => {
    await db().query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  });
  afterAll(async () => {
    await db()
      .query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      .catch(() => undefined);
  });
  return schema;
}

export interface TestOperations {
  readonly db: DatabaseOperations;
  readonly database: TestDatabase;
  /** The fresh bookkeeping schema the instance was opened with. */
  readonly schema: string;
}

/**
 * Register hooks that open `DatabaseOperations` on a test database of `kind` with a fresh
 * bookkeeping schema (created, empty) before the suite, and drop the schema, close and clean up after it.
 */
export function useTestOperations(
  kind?: BackendKind,
  extra: Partial<DatabaseOperationsOptions> = {},
): TestOperations {
  const schema = randomSchemaName();
  let db: DatabaseOperations | undefined;
  let database: (TestDatabase & { dispose(): Promise<void> }) | undefined;
  beforeAll(async () => {
    database = await testDatabase(kind);
    db = await DatabaseOperations.open({
      ...database.options,
      schema,
      retry: { maxRetries: 2, baseDelayMs: 20 },
      ...extra,
    });
    // Created here, not by whichever test happens to call ensureSchema first: every test may use it.
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  });
  afterAll(async () => {
    if (db !== undefined) {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await db.close();
    }
    await database?.dispose();
  });
  return {
    get db(): DatabaseOperations {
      if (db === undefined) throw new Error('test database not open yet (use inside tests or hooks)');
      return db;
    },
    get database(): TestDatabase {
      if (database === undefined) throw new Error('test database not open yet');
      return database;
    },
    schema,
  };
}

/**
 * Resolve once a table-lock session started at or after `since` (server time) has tried the lock
 * (`pg_try_advisory_lock` is its last statement): with the lock held elsewhere, that run is now
 * waiting. An ordering signal instead of a sleep; `null` if none appears within `timeoutMs`.
 */
export async function lockAttemptSeen(
  client: pg.Client,
  since: Date,
  timeoutMs = 60_000,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = 'molimport-lock' AND datname = current_database()
          AND backend_start >= $1 AND query LIKE '%pg_try_advisory_lock%'`,
      [since],
    );
    if (rows[0] !== undefined) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}
