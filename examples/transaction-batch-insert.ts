/**
 * DatabaseOperations on its own: transaction() commits or rolls back, batchInsert() writes generic
 * records to any table (one statement whatever the batch size) and returns the ids and counts.
 * Uses DATABASE_URL when set, else an embedded database in a temporary directory.
 * Run: npx tsx examples/transaction-batch-insert.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseError, DatabaseOperations } from 'molimport';

const schema = process.env.MOLIMPORT_SCHEMA ?? 'molimport_example';
const url = process.env.DATABASE_URL;
const dataDir = url ? undefined : await mkdtemp(path.join(tmpdir(), 'molimport-example-'));
const db = await DatabaseOperations.open(
  url ? { connectionString: url, schema } : { embedded: { dataDir }, schema },
);
const table = `${schema}.assays`;
try {
  await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, chembl_id text UNIQUE, ic50_nm numeric)`,
  );
  await db.query(`TRUNCATE ${table}`);

  // Everything inside the callback commits together.
  const first = await db.transaction(async (tx) => {
    const records = [
      { chembl_id: 'CHEMBL25', ic50_nm: 120 },
      { chembl_id: 'CHEMBL1201585', ic50_nm: 3.5 },
    ];
    return db.batchInsert({ table, records, tx });
  });
  console.log(`committed: inserted ${first.inserted}, ids ${first.ids.join(', ')}`);

  // Upsert on the unique column: one row updated, one row new.
  const second = await db.batchInsert({
    table,
    records: [
      { chembl_id: 'CHEMBL25', ic50_nm: 110 },
      { chembl_id: 'CHEMBL192', ic50_nm: 42 },
    ],
    mode: 'upsert',
    conflictColumns: ['chembl_id'],
  });
  console.log(`upsert: inserted ${second.inserted}, updated ${second.updated}`);

  // Any error rolls the whole transaction back and is rethrown.
  try {
    await db.transaction(async (tx) => {
      await db.batchInsert({ table, records: [{ chembl_id: 'CHEMBL_NEW', ic50_nm: 1 }], tx });
      await db.batchInsert({ table, records: [{ chembl_id: 'CHEMBL25', ic50_nm: 1 }], tx }); // unique violation
    });
  } catch (err) {
    const state = err instanceof DatabaseError ? err.sqlState : undefined;
    console.log(`rolled back: ${err instanceof DatabaseError ? err.code : String(err)} (SQLSTATE ${state})`);
  }
  const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  console.log(`rows in ${table}: ${row?.n}`);
  const stats = db.getStats();
  console.log(
    `batchInsert: ${stats.batchInsert?.count} calls, ${stats.batchInsert?.rows} rows; transactions: ${stats.transaction?.count}`,
  );
} finally {
  await db.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
