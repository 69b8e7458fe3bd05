/**
 * The first phase of a run that writes: connect, make sure the schema and table exist (and the
 * RDKit `mol` column when asked), and take the table lock a single run holds while it writes.
 */
import { createHash } from 'node:crypto';
import type { DatabaseOperations, TableTarget } from '../sink/index.js';
import { checkRdkitCartridge, ensureMolColumn } from '../sink/rdkit-cartridge.js';
import { assertSchemaExists } from './existing-target.js';
import { openDatabase, resolveDatabaseTarget } from './open-database.js';
import type { RunContext } from './run-context.js';

/** How long a resumed run waits for the lock held by the lingering backends of the run it resumes. */
const DEAD_RUN_LOCK_WAIT_MS = 30_000;

/** Sets `ctx.db`, `ctx.target` (and `ctx.cartridge`, `ctx.releaseLock`) and returns the first two. */
export async function prepareTarget(
  ctx: RunContext,
): Promise<{ db: DatabaseOperations; target: TableTarget }> {
  const db = await connect(ctx);
  const target = await prepareTable(ctx, db);
  // A fleet job shares the table with the other workers: its lease fences each batch instead.
  if (!ctx.fleet) await lockTable(ctx, db, target);
  return { db, target };
}

async function connect(ctx: RunContext): Promise<DatabaseOperations> {
  const { cfg, emit } = ctx;
  const resolved = resolveDatabaseTarget(cfg);
  ctx.databaseLabel = resolved.display;
  emit({ type: 'phase', phase: 'connecting', detail: resolved.display });
  const db = await openDatabase(
    {
      ...cfg,
      // One connection per batch in flight, one for the table lock, one for bookkeeping.
      maxConnections: (cfg.parallel ? cfg.workers : 1) + 2,
      logger: ctx.log,
      onRetry: (r) => emit({ type: 'retry', ...r }),
      // A signal (or any stop) ends connection and write retries at once.
      signal: ctx.stop.signal,
    },
    resolved,
  );
  ctx.db = db;
  const described = db.describe();
  ctx.databaseLabel = described.target;
  emit({ type: 'phase-done', phase: 'connecting', detail: described.target });
  emit({
    type: 'database',
    target: described.target,
    kind: described.kind,
    ...(resolved.kind === 'embedded' ? { dataDir: resolved.dataDir } : {}),
  });
  return db;
}

async function prepareTable(ctx: RunContext, db: DatabaseOperations): Promise<TableTarget> {
  const { cfg, emit } = ctx;
  emit({ type: 'phase', phase: 'schema' });
  if (!cfg.createSchema) {
    await assertSchemaExists(db, cfg.schema, 'pass --create-schema (createSchema: true) to create it');
  }
  // Refuse --rdkit-mol before anything is written when the server has no cartridge.
  const cartridge = cfg.rdkitMol ? await checkRdkitCartridge(db) : undefined;
  ctx.cartridge = cartridge;
  const target = await db.ensureSchema({ schema: cfg.schema, table: cfg.table });
  ctx.target = target;
  if (cartridge) {
    await ensureMolColumn(db, target, cartridge);
    ctx.tally.rdkitMol = {
      filled: 0,
      failed: 0,
      cartridgeRdkitVersion: cartridge.toolkitVersion,
      extensionVersion: cartridge.extensionVersion,
    };
  }
  emit({ type: 'phase-done', phase: 'schema', detail: `${target.schema}.${target.table}` });
  return target;
}

async function lockTable(ctx: RunContext, db: DatabaseOperations, target: TableTarget): Promise<void> {
  const { cfg, emit } = ctx;
  emit({ type: 'phase', phase: 'locking' });
  // A resumed run killed moments ago may still hold the lock through its lingering backends.
  const previous = cfg.resume ? await db.findResumableRun({ source: cfg.source, table: target }) : undefined;
  ctx.releaseLock = await db.acquireTableLock(target, {
    wait: cfg.waitLock,
    signal: ctx.stop.signal,
    patient:
      previous?.run.status === 'running'
        ? {
            applicationName: runConnectionName(previous.run.id, target),
            timeoutMs: DEAD_RUN_LOCK_WAIT_MS,
            onWait: () =>
              emit({
                type: 'warning',
                message: `waiting up to ${DEAD_RUN_LOCK_WAIT_MS / 1000} s for the connections of run ${previous.run.id} (the run being resumed) to end`,
              }),
          }
        : undefined,
  });
  emit({ type: 'phase-done', phase: 'locking' });
}

/**
 * The `application_name` of a run's lock connection: the run and its table (run ids are per
 * bookkeeping schema), short enough for PostgreSQL's 63 bytes.
 */
export function runConnectionName(runId: number, target: TableTarget): string {
  const table = createHash('sha256').update(`${target.schema}.${target.table}`).digest('hex').slice(0, 12);
  return `molimport run ${runId} ${table}`;
}
