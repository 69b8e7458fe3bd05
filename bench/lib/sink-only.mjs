#!/usr/bin/env node
// The sink alone: parse a PubChem SDF.gz once into memory, then time DatabaseOperations.writeMolecules
// in batches of --batch rows on --workers connections, into a fresh schema. Isolates the write path
// from parsing. node bench/lib/sink-only.mjs FILE [--batch 2000] [--workers 1] [--limit 20000] [--dist DIR]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '1' },
    limit: { type: 'string', default: '20000' },
    dist: { type: 'string', default: new URL('../../dist', import.meta.url).pathname },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    reps: { type: 'string', default: '2' },
  },
});
const dist = (p) => import(pathToFileURL(resolve(values.dist, p)).href);
const { readRecords } = await dist('sources/index.js');
const { toMoleculeRow } = await dist('transform/index.js');
const { DatabaseOperations } = await dist('sink/index.js');
const rows = [];
for await (const r of readRecords(positionals[0], {})) {
  const m = toMoleculeRow(r, 'pubchem', {});
  if (m.molfile) rows.push(m);
  if (rows.length >= Number(values.limit)) break;
}
const B = Number(values.batch);
const W = Number(values.workers);
for (let rep = 0; rep < Number(values.reps); rep++) {
  const db = await DatabaseOperations.open({
    connectionString: values.db,
    maxConnections: W + 1,
    schema: 'bench_sink',
  });
  await db.query('DROP SCHEMA IF EXISTS bench_sink CASCADE');
  const target = await db.ensureSchema({ schema: 'bench_sink', table: 'molecules' });
  await db.query('CHECKPOINT');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: W }, async () => {
      for (;;) {
        const start = next;
        next += B;
        if (start >= rows.length) return;
        await db.writeMolecules({
          target,
          rows: rows.slice(start, start + B),
          runId: null,
          seqOf: (_r, i) => start + i,
        });
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `batch ${B} workers ${W}: ${Math.round(rows.length / s)} rows/s (${s.toFixed(2)} s, node cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s) load ${(await import('node:os')).loadavg()[0].toFixed(1)}`,
  );
  await db.query('DROP SCHEMA IF EXISTS bench_sink CASCADE');
  await db.close();
}
