/**
 * COPY → staging vs UNNEST arrays → staging, same INSERT ... ON CONFLICT afterwards.
 * Run: npx tsx test/sink/bench-write-paths.ts [--rows 5000] [--batches 6] [--embedded]
 * Prints rows/s for fresh inserts and for re-upserts of identical rows (all 'unchanged').
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DatabaseOperations } from '../../src/sink/index.js';
import type { MoleculeRow } from '../../src/types.js';
import { testDatabaseUrl } from '../helpers/db.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    batches: { type: 'string', default: '6' },
    embedded: { type: 'boolean', default: false },
  },
});
const rowsPerBatch = Number(values.rows);
const batches = Number(values.batches);

function row(i: number): MoleculeRow {
  const atoms = Array.from(
    { length: 20 },
    (_, a) => `    ${(a * 1.2345).toFixed(4)}    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0`,
  ).join('\n');
  return {
    source: 'chembl',
    externalId: `CHEMBL${i}`,
    name: `compound ${i}`,
    smiles: 'CC(=O)Oc1ccccc1C(=O)O',
    inchi: 'InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)',
    inchikey: `BSYNRYMUTXBXSQ-${String(i).padStart(10, '0')}`,
    formula: 'C9H8O4',
    molWeight: 180.159,
    molfile: `CHEMBL${i}\n     RDKit          2D\n\n 20 19  0  0  0  0  0  0  0  0999 V2000\n${atoms}\nM  END`,
    properties: { chembl_id: `CHEMBL${i}`, alogp: '1.31', psa: '63.60', note: 'tab\there' },
    origin: { file: 'bench.sdf', record: i, line: i * 40 },
    weight: 2_000,
  };
}

async function main(): Promise<void> {
  const dataDir = values.embedded ? await mkdtemp(path.join(tmpdir(), 'molimport-bench-')) : undefined;
  const schema = `bench_${process.pid}`;
  const db = await DatabaseOperations.open(
    dataDir ? { embedded: { dataDir }, schema } : { connectionString: testDatabaseUrl(), schema },
  );
  const sample = row(1);
  const bytes = JSON.stringify(sample).length;
  console.log(`${db.describe().kind}: ${batches} batches × ${rowsPerBatch} rows, ~${bytes} bytes/row`);
  try {
    for (const method of ['copy', 'unnest', 'copy', 'unnest'] as const) {
      const target = await db.ensureSchema({ schema, table: `m_${method}` });
      await db.query(`TRUNCATE "${schema}"."m_${method}"`);
      for (const phase of ['insert', 'reupsert'] as const) {
        const started = performance.now();
        for (let b = 0; b < batches; b++) {
          const rows = Array.from({ length: rowsPerBatch }, (_, i) => row(b * rowsPerBatch + i));
          const r = await db.writeMolecules({
            target,
            rows,
            mode: 'upsert',
            runId: null,
            loadMethod: method,
          });
          const expected = phase === 'insert' ? r.inserted : r.unchanged;
          if (expected !== rowsPerBatch)
            throw new Error(`unexpected statuses ${JSON.stringify({ ...r, statuses: undefined })}`);
        }
        const seconds = (performance.now() - started) / 1_000;
        console.log(
          `${method.padEnd(6)} ${phase.padEnd(8)} ${Math.round((batches * rowsPerBatch) / seconds).toLocaleString('en')} rows/s`,
        );
      }
    }
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
