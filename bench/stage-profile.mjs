#!/usr/bin/env node
// Where each record's CPU goes: in this process (gunzip, split, field extraction, transform, COPY
// encoding) and in PostgreSQL (the COPY, the upsert, the ledger, bookkeeping), in CPU ms per 1,000
// records. See bench/README.md ("Stage profile").
//
//   node bench/stage-profile.mjs                      # PubChem and ChEMBL SDF.gz, 20,000 records
//   node bench/stage-profile.mjs --n 200000 --kinds pubchem --reps 5 --dist /tmp/dist-before
//
// Our process: the reading pipeline is run streaming, as the CLI runs it, cut after each stage
// (read+gunzip; + UTF-8 decoding and splitting; + field extraction; + transform; + packing rows
// and COPY encoding in batches of 1,000), each prefix `--reps` times interleaved, best (least CPU) of the reps; a stage's
// cost is the difference between its prefix and the one before. CPU is process.cpuUsage() (user +
// system, all threads: gunzip runs in the thread pool); GC is the time of the collections that ran.
//
// PostgreSQL: `molimport` itself (`bin/molimport.js`, default options) into a fresh schema on the
// server of --db, with bench/lib/pg-cpu-hook.mjs preloaded: every statement's backend CPU from
// /proc/<pid>/schedstat, summed by kind. The server must run on this machine. `--reimport` runs the
// same file again into the same table (every row unchanged) and profiles that too.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { binNodeFlags } from './lib/bin-flags.mjs';
import { ensureDataset, loadTemplates } from './lib/dataset.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    kinds: { type: 'string', default: 'pubchem,chembl' },
    reps: { type: 'string', default: '3' },
    dist: { type: 'string', default: join(ROOT, 'dist') },
    bin: { type: 'string', default: join(ROOT, 'bin', 'molimport.js') },
    db: {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    out: { type: 'string', default: join(ROOT, 'bench', 'out') },
    only: { type: 'string', default: 'node,pg' },
    reimport: { type: 'boolean', default: false },
  },
});
// The hook patches the `pg` module the CLI loads: a --bin in a checkout with its own node_modules
// needs that checkout's copy of the hook.
const OWN_HOOK = join(dirname(resolve(values.bin)), '..', 'bench', 'lib', 'pg-cpu-hook.mjs');
const HOOK = existsSync(OWN_HOOK) ? OWN_HOOK : join(ROOT, 'bench', 'lib', 'pg-cpu-hook.mjs');
const N = Number(values.n);
const REPS = Number(values.reps);
const DIST = resolve(values.dist);
const only = new Set(values.only.split(','));
const dist = (p) => import(pathToFileURL(join(DIST, p)).href);

const { openInput } = await dist('sources/open-input.js');
const { Utf8Decoder } = await dist('parse/utf8.js');
const { SdfSplitter } = await dist('parse/sdf-splitter.js');
const { toSdfRecord } = await dist('parse/sdf-records.js');
const { toMoleculeRow, toMoleculeColumns, isReject } = await dist('transform/to-molecule-row.js');
const writer = await dist('sink/molecule-writer.js');
const { RowArena } = await dist('sink/packed-rows.js');

const log = (...a) => console.error(`[stage-profile ${new Date().toISOString().slice(11, 19)}]`, ...a);

let gcMs = 0;
let gcCount = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcCount++;
  }
});
observer.observe({ entryTypes: ['gc'] });
const settle = () => new Promise((r) => setTimeout(r, 20));

/** The pipeline up to `depth` (1 gunzip … 5 encode); returns the records that reached the end. */
async function pipeline(file, source, depth) {
  const input = await openInput(file, {});
  const decoder = new Utf8Decoder();
  const splitter = new SdfSplitter();
  let records = 0;
  let batch = [];
  const seqs = Array.from({ length: 1000 }, (_, i) => i);
  // As the CLI does (first import): each row packed into an arena as it is read, the batch's
  // COPY payload copied from the packed bytes, the rows released once it is encoded.
  const arena = new RowArena({ printed: false });
  const flush = () => {
    if (batch.length === 0) return;
    const winners = batch.map((_, i) => i);
    for (const chunk of writer.directCopyChunks(batch, seqs.slice(0, batch.length), winners, 1))
      if (chunk.length === 0) throw new Error('empty COPY chunk');
    for (const row of batch) row.release();
    batch = [];
  };
  const mapped = [];
  const take = (splits) => {
    for (const s of splits) {
      records++;
      if (depth < 3) continue;
      const rec = toSdfRecord(s, input.file, decoder.sawInvalid);
      if (depth < 4) continue;
      // The transform: the columns, the properties left in the fields (a build before
      // toMoleculeColumns builds them as an object).
      mapped.length = 0;
      const row = toMoleculeColumns
        ? toMoleculeColumns(rec, source, {}, mapped)
        : toMoleculeRow(rec, source, {});
      if (depth < 5 || isReject(row)) continue;
      batch.push(
        toMoleculeColumns ? arena.packColumns(row, rec.fields, mapped, rec.raw) : arena.pack(row, rec.raw),
      );
      if (batch.length === 1000) flush();
    }
  };
  for await (const chunk of input.stream) {
    if (depth < 2) continue;
    // In pieces, as the reader decodes (utf8.ts: a 256 KiB string is V8's slow large-object case).
    if (decoder.pieces) for (const text of decoder.pieces(chunk)) take(splitter.push(text));
    else take(splitter.push(decoder.decode(chunk)));
  }
  if (depth >= 2) {
    const tail = decoder.end();
    if (tail.length > 0) take(splitter.push(tail));
    take(splitter.end());
  }
  flush();
  return depth < 2 ? N : records;
}

const STAGES = [
  'read + gunzip',
  'UTF-8 decode + split',
  'field extraction',
  'transform',
  'packing + COPY encoding',
];

async function profileNode(file, source) {
  const best = STAGES.map(() => ({ cpu: Infinity, gc: 0, gcs: 0, wall: 0 }));
  for (let rep = 0; rep < REPS; rep++) {
    for (let depth = 1; depth <= STAGES.length; depth++) {
      await settle();
      gcMs = 0;
      gcCount = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const records = await pipeline(file, source, depth);
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      await settle();
      const cpu = (c.user + c.system) / 1e3;
      if (records !== N) throw new Error(`read ${records} records, expected ${N}`);
      if (cpu < best[depth - 1].cpu) best[depth - 1] = { cpu, gc: gcMs, gcs: gcCount, wall };
    }
  }
  return best;
}

function runCli(file, source, schema, create) {
  const out = join(values.out, `pgcpu-${process.pid}.json`);
  rmSync(out, { force: true });
  const args = [
    '--import',
    HOOK,
    ...binNodeFlags(values.bin),
    values.bin,
    source,
    file,
    '--db',
    values.db,
    '--schema',
    schema,
    '--json',
    '--quiet',
    '--log-level',
    'warn',
  ];
  if (create) args.push('--create-schema');
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MOLIMPORT_PG_CPU_OUT: out },
    maxBuffer: 1 << 26,
  });
  const stats = JSON.parse(r.stdout);
  if (stats.status !== 'completed') throw new Error(`molimport ${stats.status}: ${r.stderr.slice(-2000)}`);
  const cpu = JSON.parse(readFileSync(out, 'utf8'));
  rmSync(out, { force: true });
  return { stats, cpu };
}

const psql = (sql) => spawnSync('psql', ['-X', '-q', '-d', values.db, '-c', sql], { encoding: 'utf8' });
const per1k = (ms) => ((ms / N) * 1000).toFixed(1);

const templates = loadTemplates(ROOT);
console.log(`# Stage profile: CPU ms per 1,000 records\n`);
console.log(
  `\`node bench/stage-profile.mjs ${process.argv.slice(2).join(' ')}\`, N = ${N.toLocaleString('en-US')}, dist ${DIST}, load before ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);
for (const kind of values.kinds.split(',')) {
  const { path: file } = await ensureDataset(templates, kind, N, values.out);
  const source = kind;
  console.log(`## ${kind} SDF.gz (${file.split('/').at(-1)})\n`);
  if (only.has('node')) {
    log(`${kind}: our process, ${REPS} reps × ${STAGES.length} pipeline prefixes`);
    const best = await profileNode(file, source);
    console.log('| our process | CPU ms / 1,000 | of which GC ms | cumulative CPU ms / 1,000 |');
    console.log('| --- | ---: | ---: | ---: |');
    for (let i = 0; i < STAGES.length; i++) {
      const prev = i === 0 ? { cpu: 0, gc: 0 } : best[i - 1];
      console.log(
        `| ${STAGES[i]} | ${per1k(best[i].cpu - prev.cpu)} | ${per1k(best[i].gc - prev.gc)} | ${per1k(best[i].cpu)} |`,
      );
    }
    console.log('');
  }
  if (only.has('pg')) {
    const schema = `h18_stage_${process.pid}`;
    psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const runs = [['first import (all new)', runCli(file, source, schema, true)]];
    if (values.reimport) runs.push(['re-import (all unchanged)', runCli(file, source, schema, false)]);
    psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    for (const [label, { stats, cpu }] of runs) {
      log(`${kind}: molimport ${label}: ${stats.durationMs} ms`);
      const kinds = Object.entries(cpu.pg).sort((a, b) => b[1].ms - a[1].ms);
      const pgTotal = kinds.reduce((s, [, v]) => s + v.ms, 0);
      console.log(
        `molimport ${label}: ${stats.durationMs} ms (${Math.round(stats.moleculesPerSecond)} molecules/s), ${stats.batches} batches; load ${loadavg()[0].toFixed(2)}\n`,
      );
      console.log('| where | CPU ms / 1,000 | statements |');
      console.log('| --- | ---: | ---: |');
      console.log(
        `| **molimport process (user + sys)** | **${per1k(cpu.nodeUserMs + cpu.nodeSystemMs)}** | |`,
      );
      console.log(`| **PostgreSQL backends, all statements** | **${per1k(pgTotal)}** | |`);
      for (const [k, v] of kinds) console.log(`| PostgreSQL: ${k} | ${per1k(v.ms)} | ${v.count} |`);
      console.log('');
    }
  }
}
console.log(
  `load after ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
if (!existsSync(DIST)) process.exit(1);
