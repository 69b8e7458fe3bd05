/**
 * `molimport enqueue`: one pg-boss job per input file, in a named set whose import options are
 * stored once (and in every job), so that any worker imports any file the same way.
 */
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError, errorMessage } from '../errors.js';
import type { ImportOptions } from '../import/options.js';
import { resolveTableTarget } from '../sink/index.js';
import { connectFleet } from './connect.js';
import { ensureFleetTables, insertJobSet, insertLease } from '../sink/fleet-leases.js';
import { storedOptions } from './options.js';
import { openBoss, onTransaction, queueName, type FleetJobData } from './queue.js';

export interface EnqueueOptions {
  /** The import: source, files (paths every worker can read: a shared filesystem), options. */
  importOptions: ImportOptions;
  /** The set's name; letters, digits, `-`, `_`. @default generated (`set-<time>-<random>`) */
  set?: string;
  /** pg-boss retries of a job that failed, expired or was handed back. Integer 0–1,000. @default 10 */
  retries?: number;
  /** How long one attempt may hold a file before another worker may take it over, in seconds. @default 900 */
  leaseSeconds?: number;
}

export interface EnqueueResult {
  set: string;
  jobs: number;
  files: string[];
  table: string;
}

const SET_NAME = /^[A-Za-z0-9_-]{1,100}$/;

export function generatedSetName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `set-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function enqueueSet(o: EnqueueOptions): Promise<EnqueueResult> {
  const set = o.set ?? generatedSetName();
  if (!SET_NAME.test(set))
    throw new UsageError(`--set must be 1-100 letters, digits, - or _, got ${JSON.stringify(set)}`);
  const retries = o.retries ?? 10;
  const leaseSeconds = o.leaseSeconds ?? 900;
  const imp = o.importOptions;
  const stored = storedOptions(imp);
  // Absolute paths: workers run elsewhere, from other directories, on the same shared filesystem.
  const files = imp.files.map((f) => path.resolve(imp.cwd ?? process.cwd(), f));
  for (const f of files) {
    try {
      await access(f);
    } catch (err) {
      throw new InputError(`cannot read ${f}: ${errorMessage(err)}`, f);
    }
  }
  const schema = imp.schema ?? 'public';
  const target = resolveTableTarget({ schema, table: imp.table ?? 'molecules' }, schema);
  const conn = await connectFleet({ database: imp.database, env: imp.env, cwd: imp.cwd, schema });
  let boss: Awaited<ReturnType<typeof openBoss>> | undefined;
  try {
    await ensureFleetTables(conn.db);
    boss = await openBoss({
      connectionString: conn.connectionString,
      supervise: false,
      onError: () => undefined,
    });
    const queue = queueName(set);
    if ((await boss.getQueue(queue)) !== null)
      throw new UsageError(`job set ${set} exists already; choose another --set`);
    await boss.createQueue(queue, {
      name: queue,
      retryLimit: retries,
      retryDelay: 0,
      expireInSeconds: leaseSeconds,
    });
    const q = boss;
    // The set, its files and their jobs appear together or not at all.
    await conn.db.transaction(async (tx) => {
      await insertJobSet(tx, conn.db.schema, {
        name: set,
        source: imp.source,
        targetTable: `${target.schema}.${target.table}`,
        options: stored,
      });
      for (let i = 0; i < files.length; i++) {
        const data: FleetJobData = {
          set,
          source: imp.source,
          fileIndex: i,
          path: files[i]!,
          options: stored,
        };
        const jobId = await q.send(queue, data as unknown as object, {
          retryLimit: retries,
          retryDelay: 0,
          expireInSeconds: leaseSeconds,
          ...onTransaction(tx),
        });
        if (jobId === null) throw new Error(`pg-boss did not create a job for ${files[i]}`);
        await insertLease(tx, conn.db.schema, { setName: set, fileIndex: i, path: files[i]!, jobId });
      }
    });
    return { set, jobs: files.length, files, table: `${target.schema}.${target.table}` };
  } finally {
    await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
    await conn.db.close();
  }
}
