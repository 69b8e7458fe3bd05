/**
 * Where CLI tests import to: the real PostgreSQL (with --db and a fresh --schema) when reachable,
 * otherwise the embedded default in a temporary working directory. Prints which; never skips.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseOperations } from '../../src/sink/index.js';
import { randomSchemaName, realPostgresReachable, testDatabaseUrl, type BackendKind } from './db.js';

export interface CliTarget {
  kind: BackendKind;
  schema: string;
  /** Working directory for the CLI (holds .molimport/ for the embedded database, and rejects files). */
  cwd: string;
  /** Arguments naming the database and schema (created by `cliTarget`, empty). */
  args: string[];
  env: Record<string, string | undefined>;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  dispose(): Promise<void>;
}

export async function cliTarget(kind?: BackendKind): Promise<CliTarget> {
  const chosen = kind ?? ((await realPostgresReachable()) ? 'postgres' : 'embedded');
  const schema = randomSchemaName();
  const cwd = await mkdtemp(path.join(tmpdir(), 'molimport-cli-'));
  const env = { PATH: process.env.PATH };
  if (chosen === 'postgres') {
    const url = testDatabaseUrl();
    console.error(`[test db] CLI tests use PostgreSQL at ${new URL(url).host}, schema ${schema}`);
    const db = await DatabaseOperations.open({ connectionString: url, schema: 'public', maxConnections: 2 });
    // Created here, so `args` suit every command: an import refuses a schema that does not exist.
    await db.query(`CREATE SCHEMA "${schema}"`);
    return {
      kind: chosen,
      schema,
      cwd,
      args: ['--db', url, '--schema', schema],
      env,
      query: async <R>(sql: string, params?: unknown[]) => (await db.query(sql, params)) as R[],
      dispose: async () => {
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await db.close();
        await rm(cwd, { recursive: true, force: true });
      },
    };
  }
  console.error(
    `[test db] CLI tests use the embedded database in ${cwd}/.molimport (PostgreSQL not reachable)`,
  );
  const dataDir = path.join(cwd, '.molimport', 'pgdata');
  const setup = await DatabaseOperations.open({ embedded: { dataDir } });
  try {
    await setup.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await setup.close();
  }
  return {
    kind: chosen,
    schema,
    cwd,
    args: ['--schema', schema],
    env,
    // The CLI closes the embedded database after each run, so the test opens it between runs.
    query: async <R>(sql: string, params?: unknown[]) => {
      const db = await DatabaseOperations.open({ embedded: { dataDir } });
      try {
        return (await db.query(sql, params)) as R[];
      } finally {
        await db.close();
      }
    },
    dispose: () => rm(cwd, { recursive: true, force: true }),
  };
}
