/**
 * `--rdkit-mol` against the real PostgreSQL with the RDKit cartridge (Debian: postgresql-15-rdkit),
 * and against the embedded PGlite, which has no cartridge. Where the real server or its cartridge is
 * missing, the cartridge tests are skipped with one loud line saying what to install (under CI they
 * fail: test/helpers/prereq.ts).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadToolkit } from '../../src/chem/rdkit-loader.js';
import { DatabaseOperations, type TableTarget } from '../../src/sink/index.js';
import {
  checkRdkitCartridge,
  ensureMolColumn,
  fillMolColumn,
  type RdkitCartridge,
} from '../../src/sink/rdkit-cartridge.js';
import { readRecords } from '../../src/sources/read-records.js';
import { isReject, toMoleculeRow } from '../../src/transform/to-molecule-row.js';
import type { MoleculeRow } from '../../src/types.js';
import { PENTAVALENT_CARBON, row } from '../chem/helpers.js';
import { randomSchemaName, testDatabase, testDatabaseUrl } from '../helpers/db.js';
import { describeWith, prereqs } from '../helpers/prereq.js';

const SAMPLE = fileURLToPath(new URL('../../fixtures/samples/chembl_dump_head_200.sdf.gz', import.meta.url));
const cartridgePresent = await prereqs.rdkitCartridge(
  'the RDKit cartridge tests (--rdkit-mol on PostgreSQL)',
);

/** The URL with a server-side lock_timeout, so a statement that waits for a lock fails instead. */
function withLockTimeout(url: string, ms: number): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c lock_timeout=${ms}`);
  return u.toString();
}

async function sampleRows(): Promise<MoleculeRow[]> {
  const rows: MoleculeRow[] = [];
  for await (const record of readRecords(SAMPLE)) {
    const out = toMoleculeRow(record, 'chembl');
    if (!isReject(out)) rows.push(out);
  }
  // One the cartridge must refuse, one with only a SMILES.
  rows.push({ ...row(PENTAVALENT_CARBON, 9001), source: 'chembl', externalId: 'CHEMBL_BAD_VALENCE' });
  rows.push({
    ...row(null, 9002, { smiles: 'Oc1ccccc1' }),
    source: 'chembl',
    externalId: 'CHEMBL_PHENOL_SMILES',
  });
  return rows;
}

/** What RDKit (the WebAssembly build, a different version than the server's) says matches benzene. */
async function expectedBenzeneMatches(rows: readonly MoleculeRow[]): Promise<Set<string>> {
  const { rdkit } = await loadToolkit();
  const query = rdkit.get_qmol('c1ccccc1');
  if (query === null) throw new Error('RDKit could not parse the query c1ccccc1');
  const hits = new Set<string>();
  try {
    for (const r of rows) {
      const mol = rdkit.get_mol(r.molfile ?? r.smiles ?? '');
      if (mol === null) continue;
      try {
        if (mol.is_valid() && mol.get_substruct_match(query) !== '{}') hits.add(r.externalId);
      } finally {
        mol.delete();
      }
    }
  } finally {
    query.delete();
  }
  return hits;
}

describeWith(cartridgePresent)('--rdkit-mol on the real PostgreSQL with the RDKit cartridge', () => {
  const schema = randomSchemaName();
  let db: DatabaseOperations;
  let cartridge: RdkitCartridge;
  let target: TableTarget;
  beforeAll(async () => {
    const database = await testDatabase('postgres');
    db = await DatabaseOperations.open({ ...database.options, schema, maxConnections: 2 });
  });
  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db?.close();
  });

  it('finds (or creates) the extension and reports its versions', async () => {
    cartridge = await checkRdkitCartridge(db);
    expect(cartridge.schema).toMatch(/\w+/);
    expect(cartridge.extensionVersion).toMatch(/^\d+\.\d+/);
    console.log(
      `RDKit cartridge ${cartridge.extensionVersion} (toolkit ${cartridge.toolkitVersion}) in schema ${cartridge.schema}`,
    );
    // Idempotent.
    expect((await checkRdkitCartridge(db)).created).toBe(false);
  });

  it('adds the mol column and its GiST index, idempotently', async () => {
    target = await db.ensureSchema({ schema, table: 'molecules' });
    await ensureMolColumn(db, target, cartridge);
    await ensureMolColumn(db, target, cartridge);
    const cols = await db.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'mol'`,
      [`"${schema}"."molecules"`],
    );
    expect(cols[0]?.type).toMatch(/mol$/);
    const idx = await db.query<{ def: string }>(
      `SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND tablename = 'molecules' AND indexname = 'molecules_mol_gist'`,
      [schema],
    );
    expect(idx[0]?.def).toMatch(/USING gist \(mol\)/);
  });

  it('takes no table lock when the column and indexes exist (an open write transaction does not stall it)', async () => {
    // A write transaction left open (a worker whose client vanished mid-batch) holds ROW EXCLUSIVE;
    // CREATE INDEX IF NOT EXISTS would wait for it even with nothing to do.
    const other = await DatabaseOperations.open({
      connectionString: testDatabaseUrl(),
      schema,
      maxConnections: 1,
    });
    const impatient = await DatabaseOperations.open({
      connectionString: withLockTimeout(testDatabaseUrl(), 500),
      schema,
      maxConnections: 1,
    });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const lockTaken = new Promise<void>((r) => (locked = r));
      const writer = other.transaction(async (tx) => {
        await tx.query(`LOCK TABLE "${schema}".molecules IN ROW EXCLUSIVE MODE`);
        locked();
        await held;
      });
      await lockTaken;
      try {
        await expect(ensureMolColumn(impatient, target, cartridge)).resolves.toBeUndefined();
      } finally {
        release();
        await writer;
      }
    } finally {
      await impatient.close();
      await other.close();
    }
  });

  it('fills mol per batch in the batch transaction; substructure search finds the expected rows', async () => {
    const rows = await sampleRows();
    const runId = await db.startRun({ source: 'chembl', target });
    let filled = 0;
    let failed = 0;
    const started = performance.now();
    let fillMs = 0;
    for (let i = 0; i < rows.length; i += 50) {
      const batch = rows.slice(i, i + 50);
      const seqs = batch.map((_, k) => i + k + 1);
      await db.transaction(async (tx) => {
        await db.writeMolecules({
          tx,
          target,
          rows: batch,
          mode: 'upsert',
          runId,
          seqOf: (_r, k) => seqs[k]!,
        });
        const t = performance.now();
        const result = await fillMolColumn(tx, target, { runId, seqs }, cartridge);
        fillMs += performance.now() - t;
        filled += result.filled;
        failed += result.failed;
      });
    }
    const totalMs = performance.now() - started;
    console.log(
      `per-batch fill: ${rows.length} rows, filled ${filled}, refused ${failed}; fill ${fillMs.toFixed(0)} ms of ${totalMs.toFixed(0)} ms`,
    );
    expect(filled + failed).toBe(rows.length);
    expect(failed).toBeGreaterThanOrEqual(1);
    const refused = await db.query<{ external_id: string }>(
      `SELECT external_id FROM "${schema}".molecules WHERE mol IS NULL ORDER BY external_id`,
    );
    expect(refused.map((r) => r.external_id)).toContain('CHEMBL_BAD_VALENCE');
    expect(refused.length).toBe(failed);

    const ext = `"${cartridge.schema}"`;
    const hits = await db.query<{ external_id: string }>(
      `SELECT external_id FROM "${schema}".molecules WHERE mol OPERATOR(${ext}.@>) 'c1ccccc1'::${ext}.qmol`,
    );
    const got = new Set(hits.map((r) => r.external_id));
    const expected = await expectedBenzeneMatches(rows);
    const onlyServer = [...got].filter((id) => !expected.has(id));
    const onlyWasm = [...expected].filter((id) => !got.has(id));
    console.log(
      `benzene substructure: server ${got.size}, RDKit WASM ${expected.size}; only server: ${onlyServer.join(', ') || 'none'}; only WASM: ${onlyWasm.join(', ') || 'none'}`,
    );
    expect(got.has('CHEMBL_PHENOL_SMILES')).toBe(true);
    expect(got.size).toBeGreaterThan(100);
    expect(onlyServer.length + onlyWasm.length).toBeLessThanOrEqual(Math.ceil(rows.length * 0.02));

    // The GiST index serves the search.
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const { rows: plan } = await tx.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM "${schema}".molecules WHERE mol OPERATOR(${ext}.@>) 'c1ccccc1'::${ext}.qmol`,
      );
      expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toMatch(/molecules_mol_gist/);
    });

    // The other way: once at the end of the run, for every row the run wrote.
    const t = performance.now();
    const once = await fillMolColumn(db, target, { runId }, cartridge);
    console.log(
      `end-of-run fill: ${once.filled + once.failed} rows in ${(performance.now() - t).toFixed(0)} ms`,
    );
    expect(once).toEqual({ filled, failed });
    // Only rows still without mol.
    expect(await fillMolColumn(db, target, { runId, overwrite: false }, cartridge)).toEqual({
      filled: 0,
      failed,
    });
    // Rows written before --rdkit-mol (another run, mol null) are caught by the table-wide sweep.
    await db.query(
      `UPDATE "${schema}".molecules SET mol = NULL, run_id = 424242 WHERE external_id IN ('CHEMBL_PHENOL_SMILES', 'CHEMBL_BAD_VALENCE')`,
    );
    expect(await fillMolColumn(db, target, { runId, overwrite: false }, cartridge)).toEqual({
      filled: 0,
      failed: 0,
    });
    expect(await fillMolColumn(db, target, { runId: null }, cartridge)).toEqual({ filled: 1, failed: 1 });
  });
});

describe('--rdkit-mol on the embedded database (no cartridge)', () => {
  const schema = randomSchemaName();
  let database: Awaited<ReturnType<typeof testDatabase>> | undefined;
  let db: DatabaseOperations | undefined;
  // A fresh PGlite data directory takes tens of seconds to initialise on a busy machine.
  beforeAll(async () => {
    database = await testDatabase('embedded');
    db = await DatabaseOperations.open({ ...database.options, schema });
  }, 180_000);
  afterAll(async () => {
    await db?.close();
    await database?.dispose();
  });

  it('fails with a clear message before anything is written', async () => {
    const error = await checkRdkitCartridge(db!).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe('DatabaseError');
    expect(error?.message).toMatch(
      /^--rdkit-mol needs the RDKit cartridge: CREATE EXTENSION rdkit failed: .+; install postgresql-15-rdkit \(Debian\) or use a server that has it$/,
    );
    console.log(`embedded: ${error?.message}`);
    const written = await db!.query<{ n: unknown }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
      [schema],
    );
    expect(Number(written[0]?.n)).toBe(0);
    expect(await db!.query(`SELECT 1 FROM pg_extension WHERE extname = 'rdkit'`)).toEqual([]);
  });
});
