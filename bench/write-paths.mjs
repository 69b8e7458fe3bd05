#!/usr/bin/env node
// How rows reach the staging table: COPY binary (what molimport does) against one INSERT of UNNEST
// arrays (one array parameter per column: SQL text the same for every batch size). Each batch is
// one transaction: load the staging table, then the same INSERT ... SELECT ... ON CONFLICT into the
// molecules table for both, so only the load differs. Phase `insert` writes new rows; `reupsert`
// writes the same rows again (all unchanged: the conflict's WHERE finds nothing to update).
// Self-contained: the UNNEST load exists only here. Built code is used for the table and the COPY
// binary encoding (run `npm run build` first).
//   node bench/write-paths.mjs [--rows 5000] [--batches 6] [--db URL | --embedded]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '5000' },
    batches: { type: 'string', default: '6' },
    db: { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    embedded: { type: 'boolean', default: false },
    dist: { type: 'string', default: new URL('../dist', import.meta.url).pathname },
  },
});
const dist = (p) => import(pathToFileURL(path.resolve(values.dist, p)).href);
const { DatabaseOperations } = await dist('sink/index.js');
const { copyBinaryChunks } = await dist('sink/copy-binary.js');
const { MOLECULE_DATA_BINARY_TYPES, MOLECULE_DATA_COLUMNS, MOLECULE_DATA_COLUMNS_DDL } =
  await dist('sink/schema.js');

const rowsPerBatch = Number(values.rows);
const batches = Number(values.batches);
const camel = (column) => column.replace(/_(.)/g, (_m, c) => c.toUpperCase());
const COLUMNS = ['source', 'external_id', ...MOLECULE_DATA_COLUMNS, 'source_file', 'source_record'];
const TYPES = ['text', 'text', ...MOLECULE_DATA_BINARY_TYPES, 'text', 'int8'];
const valuesOf = (r) => [
  r.source,
  r.externalId,
  ...MOLECULE_DATA_COLUMNS.map((c) => r[camel(c)] ?? null),
  r.origin.file,
  r.origin.record,
];

function row(i) {
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
  };
}

const load = {
  async copy(tx, rows) {
    await tx.copyFrom(
      `COPY pg_temp.bench_stage (${COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`,
      copyBinaryChunks(rows, TYPES, valuesOf),
    );
  },
  async unnest(tx, rows) {
    const arrayType = { text: 'text[]', int8: 'int8[]', float8: 'float8[]', jsonb: 'text[]' };
    const select = COLUMNS.map((c, k) => (TYPES[k] === 'jsonb' ? `u.${c}::jsonb` : `u.${c}`)).join(', ');
    const unnest = TYPES.map((t, k) => `$${k + 1}::${arrayType[t]}`).join(', ');
    const params = COLUMNS.map((_c, k) =>
      rows.map((r) => {
        const v = valuesOf(r)[k];
        return TYPES[k] === 'jsonb' && v !== null ? JSON.stringify(v) : v;
      }),
    );
    await tx.query(
      `INSERT INTO pg_temp.bench_stage (${COLUMNS.join(', ')}) SELECT ${select} FROM unnest(${unnest}) AS u(${COLUMNS.join(', ')})`,
      params,
    );
  },
};

const dataDir = values.embedded ? await mkdtemp(path.join(tmpdir(), 'molimport-bench-')) : undefined;
const schema = `bench_write_paths_${process.pid}`;
const db = await DatabaseOperations.open(
  dataDir ? { embedded: { dataDir }, schema } : { connectionString: values.db, schema },
);
console.log(`${db.describe().kind}: ${batches} batches × ${rowsPerBatch} rows`);
try {
  // Interleaved, twice each: the second round shows how much the first was warm-up.
  for (const method of ['copy', 'unnest', 'copy', 'unnest']) {
    const target = await db.ensureSchema({ schema, table: `m_${method}` });
    const table = `"${target.schema}"."${target.table}"`;
    await db.query(`TRUNCATE ${table}`);
    const data = MOLECULE_DATA_COLUMNS.join(', ');
    const excluded = MOLECULE_DATA_COLUMNS.map((c) => `EXCLUDED.${c}`).join(', ');
    for (const phase of ['insert', 'reupsert']) {
      const started = performance.now();
      let written = 0;
      for (let b = 0; b < batches; b++) {
        const rows = Array.from({ length: rowsPerBatch }, (_, i) => row(b * rowsPerBatch + i));
        written += await db.transaction(async (tx) => {
          await tx.query(
            `CREATE TEMP TABLE IF NOT EXISTS bench_stage (source text, external_id text,\n${MOLECULE_DATA_COLUMNS_DDL}\n source_file text, source_record bigint) ON COMMIT DELETE ROWS`,
          );
          await load[method](tx, rows);
          const r = await tx.query(
            `INSERT INTO ${table} (${COLUMNS.join(', ')}) SELECT ${COLUMNS.join(', ')} FROM pg_temp.bench_stage
             ON CONFLICT (source, external_id) DO UPDATE SET (${data}) = (${excluded})
             WHERE (${MOLECULE_DATA_COLUMNS.map((c) => `${table}.${c}`).join(', ')}) IS DISTINCT FROM (${excluded})`,
          );
          return r.rowCount;
        });
      }
      const expected = phase === 'insert' ? batches * rowsPerBatch : 0;
      if (written !== expected)
        throw new Error(`${method} ${phase}: wrote ${written} rows, expected ${expected}`);
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
