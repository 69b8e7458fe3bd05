/**
 * BatchProcessingManager + DatabaseOperations: import the ChEMBL sample into PostgreSQL.
 * Uses DATABASE_URL when set, else an embedded PGlite database in a temporary directory.
 * Run: DATABASE_URL=postgres://user@localhost/db npx tsx examples/manager-with-database.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BatchProcessingManager,
  DatabaseOperations,
  isReject,
  readMolecules,
  type MoleculeRow,
} from 'molimport';

const sample = fileURLToPath(new URL('../fixtures/samples/chembl_dump_head_200.sdf.gz', import.meta.url));
const schema = process.env.MOLIMPORT_SCHEMA ?? 'molimport_example';
const url = process.env.DATABASE_URL;
const dataDir = url ? undefined : await mkdtemp(path.join(tmpdir(), 'molimport-example-'));

// A pooled connection string, or the embedded database. `schema` holds the bookkeeping tables.
const db = await DatabaseOperations.open(
  url ? { connectionString: url, schema, maxConnections: 4 } : { embedded: { dataDir }, schema },
);
try {
  console.log(`database: ${db.describe().kind} ${db.describe().target}`);
  const target = await db.ensureSchema({ schema, table: 'molecules' }); // idempotent

  // Records that cannot become rows are rejects (data, not exceptions): count them, write the rest.
  let rejected = 0;
  async function* rows(): AsyncGenerator<MoleculeRow> {
    for await (const row of readMolecules(sample, { source: 'chembl' })) {
      if (isReject(row)) rejected++;
      else yield row;
    }
  }

  const manager = new BatchProcessingManager({ db, maxWorkers: 2 });
  const outcomes = await manager.processItems({
    items: rows(),
    operation: 'insert-molecules',
    dataSource: 'chembl', // batches weighted by record size relative to a typical ChEMBL record
    initialBatchSize: 50, // small, to show several batches on 200 records (default per source: 500)
    // One transaction per batch (transient errors retried inside); one status per row.
    processFunc: async (batch) => (await db.writeMolecules({ target, rows: batch, runId: null })).statuses,
  });

  const count = (status: string): number => outcomes.filter((o) => o.ok && o.value === status).length;
  console.log(`rows read: ${outcomes.length + rejected}, rejected: ${rejected}`);
  console.log(
    `inserted: ${count('inserted')}, updated: ${count('updated')}, unchanged: ${count('unchanged')}`,
  );
  const [total] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".molecules`);
  console.log(`rows in ${schema}.molecules: ${total?.n}`);

  const op = manager.getStats().operations['insert-molecules'];
  console.log(`engine: ${op?.batchCount} batches, ${op?.totalItemsFailed} failed items`);
  const writes = db.getStats().writeMolecules;
  console.log(
    `writeMolecules: ${writes?.count} calls, p50 ${writes?.p50Ms.toFixed(1)} ms, p95 ${writes?.p95Ms.toFixed(1)} ms`,
  );
} finally {
  await db.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
